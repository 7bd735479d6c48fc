import EventStoreClient
import EventStoreNode
import Foundation
import Testing

/// The client's persistent subscription API against the embedded node.
@Suite struct PersistentSubscriptionClientTests {
    static func fromStart() -> PersistentSubscriptionSettings {
        var settings = PersistentSubscriptionSettings()
        settings.startFrom = 0
        return settings
    }

    @Test func consumeHistoryAndLiveWithAcknowledgements() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "orders-1", events: numbered(3))
            try await client.createPersistentSubscription("workers", on: "orders-1", settings: Self.fromStart())
            let subscription = try await client.connectToPersistentSubscription("workers", on: "orders-1", bufferSize: 5)
            #expect(subscription.subscriptionID == "orders-1::workers")
            #expect(subscription.lastEventNumber == 2)
            var iterator = subscription.makeAsyncIterator()
            var numbers: [Int64] = []
            for round in 0..<5 {
                if round == 3 { try await client.append(to: "orders-1", events: numbered(2, from: 3)) }
                let delivery = try #require(try await iterator.next())
                #expect(delivery.retryCount == 0)
                numbers.append(delivery.event.originalNumber)
                try await subscription.ack(delivery)
            }
            #expect(numbers == [0, 1, 2, 3, 4])
        }
    }

    @Test func errorsSayWhatIsWrong() async throws {
        try await withClientAndNode(configureNode: { $0.users += [NodeUser(login: "bob", password: "pw")] }) { client, _ in
            try await client.createPersistentSubscription("g", on: "e-1")
            await #expect(throws: EventStoreClientError(.alreadyExists, "persistent subscription g on e-1 exists already")) {
                try await client.createPersistentSubscription("g", on: "e-1")
            }
            await #expect(throws: EventStoreClientError(.serverError,
                                                        "creating persistent subscription g on $all failed: Persistent subscriptions to $all are only supported over gRPC through gRPC clients")) {
                try await client.createPersistentSubscription("g", on: "$all")
            }
            await #expect(throws: EventStoreClientError(.notFound, "persistent subscription nope on e-1 does not exist")) {
                try await client.updatePersistentSubscription("nope", on: "e-1", settings: PersistentSubscriptionSettings())
            }
            await #expect(throws: EventStoreClientError(.notFound, "persistent subscription nope on e-1 does not exist")) {
                try await client.deletePersistentSubscription("nope", on: "e-1")
            }
            await #expect(throws: EventStoreClientError(.notFound, "persistent subscription e-1::nope does not exist")) {
                _ = try await client.connectToPersistentSubscription("nope", on: "e-1")
            }
            await #expect(throws: EventStoreClientError(.accessDenied, "access denied creating persistent subscription a on e-1")) {
                try await client.createPersistentSubscription("a", on: "e-1", credentials: .password(login: "bob", password: "pw"))
            }
        }
    }

    @Test func updatedSettingsApplyToTheRunningGroup() async throws {
        try await withClientAndNode { client, _ in
            try await client.createPersistentSubscription("g", on: "upd-1", settings: Self.fromStart())
            var limited = Self.fromStart()
            limited.maxSubscriberCount = 1
            try await client.updatePersistentSubscription("g", on: "upd-1", settings: limited)
            let first = try await client.connectToPersistentSubscription("g", on: "upd-1")
            await #expect(throws: EventStoreClientError(.subscriptionDropped,
                                                        "persistent subscription upd-1::g has its maximum number of consumers")) {
                _ = try await client.connectToPersistentSubscription("g", on: "upd-1")
            }
            try await client.append(to: "upd-1", events: numbered(1))
            var iterator = first.makeAsyncIterator()
            #expect(try await iterator.next()?.event.originalNumber == 0)
        }
    }

    @Test func nakRetriesAndParks() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "jobs-1", events: numbered(2))
            try await client.createPersistentSubscription("g", on: "jobs-1", settings: Self.fromStart())
            let subscription = try await client.connectToPersistentSubscription("g", on: "jobs-1")
            var iterator = subscription.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            let second = try #require(try await iterator.next())
            try await subscription.nak(first, action: .retry, reason: "try again")
            try await subscription.nak(second, action: .park, reason: "poison")
            let again = try #require(try await iterator.next())
            #expect(again.event.originalNumber == first.event.originalNumber && again.retryCount == 1)
            try await subscription.ack(again)
            let parkedStream = "$persistentsubscription-jobs-1::g-parked"
            var parked: [ResolvedEvent] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while parked.isEmpty, ContinuousClock.now < deadline {
                parked = (try? await client.readStreamSlice(parkedStream, from: 0, maxCount: 10).events) ?? []
                if parked.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(parked.map { $0.event?.number } == [second.event.originalNumber], "the parked link resolves to the event")
        }
    }

    @Test func competingConsumersAndTheGroupsEnd() async throws {
        try await withClientAndNode { client, _ in
            try await client.createPersistentSubscription("g", on: "shared-1", settings: Self.fromStart())
            let one = try await client.connectToPersistentSubscription("g", on: "shared-1", bufferSize: 1)
            let two = try await client.connectToPersistentSubscription("g", on: "shared-1", bufferSize: 1)
            try await client.append(to: "shared-1", events: numbered(2))
            var oneIterator = one.makeAsyncIterator()
            var twoIterator = two.makeAsyncIterator()
            let a = try #require(try await oneIterator.next())
            let b = try #require(try await twoIterator.next())
            #expect(Set([a.event.originalNumber, b.event.originalNumber]) == [0, 1], "one event each")
            try await client.deletePersistentSubscription("g", on: "shared-1")
            await #expect(throws: EventStoreClientError(
                .subscriptionDropped, "persistent subscription shared-1::g was dropped by the server (its group was updated or deleted)")) {
                _ = try await oneIterator.next()
            }
            await #expect(throws: EventStoreClientError.self) { try await one.ack(a) }
        }
    }
}
