import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Persistent subscriptions, competing consumers (docs/protocol.md §4.12), over raw TCP.
@Suite struct PersistentSubscriptionTests {
    static func settings(_ stream: String, _ group: String, startFrom: Int64 = 0) -> ESCreatePersistentSubscription {
        var request = ESCreatePersistentSubscription()
        request.subscriptionGroupName = group
        request.eventStreamID = stream
        request.resolveLinkTos = false
        request.startFrom = startFrom
        request.messageTimeoutMilliseconds = 30_000
        request.recordStatistics = false
        request.liveBufferSize = 500
        request.readBatchSize = 20
        request.bufferSize = 500
        request.maxRetryCount = 10
        request.preferRoundRobin = true
        request.checkpointAfterTime = 2_000
        request.checkpointMaxCount = 1_000
        request.checkpointMinCount = 10
        request.subscriberMaxCount = 0
        request.namedConsumerStrategy = "RoundRobin"
        return request
    }

    @Test func eventsFromHistoryThenLiveAreDeliveredAndAcknowledged() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("ps-1", count: 3)
            #expect(try await client.createGroup(Self.settings("ps-1", "workers")).result == .success)
            let consumer = try await node.connect()
            let (id, confirmation) = try await consumer.connectGroup("ps-1", "workers", allowed: 10)
            #expect(confirmation.subscriptionID == "ps-1::workers")
            #expect(confirmation.lastEventNumber == 2)
            var received: [ESPersistentSubscriptionStreamEventAppeared] = []
            for _ in 0..<3 { received.append(try await consumer.nextPersistentEvent(id)) }
            #expect(received.map(\.event.event.eventNumber) == [0, 1, 2])
            #expect(received.allSatisfy { $0.retryCount == 0 })
            try await consumer.ack(confirmation.subscriptionID, id: id, received.map(\.event.event.eventID))
            try await client.fill("ps-1", count: 2)
            let live = [try await consumer.nextPersistentEvent(id), try await consumer.nextPersistentEvent(id)]
            #expect(live.map(\.event.event.eventNumber) == [3, 4])
        }
    }

    @Test func managementResultsAndRefusals() async throws {
        try await withInMemoryNode(configure: { $0.users += [NodeUser(login: "bob", password: "pw")] }) { node in
            let client = try await node.connect()
            #expect(try await client.createGroup(Self.settings("m-1", "g")).result == .success)
            let again = try await client.createGroup(Self.settings("m-1", "g"))
            #expect(again.result == .alreadyExists && again.reason == "Group 'g' already exists.")
            let all = try await client.createGroup(Self.settings("$all", "g"))
            #expect(all.result == .fail && all.reason == "Persistent subscriptions to $all are only supported over gRPC through gRPC clients")
            var strange = Self.settings("m-1", "h")
            strange.namedConsumerStrategy = "Random"
            let refused = try await client.createGroup(strange)
            #expect(refused.result == .fail && refused.reason == "Consumer strategy Random does not exist.")
            let bob = TCPCredentials.password(login: "bob", password: "pw")
            #expect(try await client.createGroup(Self.settings("m-1", "b"), credentials: bob).result == .accessDenied)
            #expect(try await client.createGroup(Self.settings("m-1", "anon"), credentials: nil).result == .accessDenied)
            #expect(try await client.updateGroup(Self.settings("m-1", "nope")).result == .doesNotExist)
            #expect(try await client.deleteGroup("m-1", "nope").result == .doesNotExist)
            #expect(try await client.connectGroupRefused("m-1", "nope") == .notFound)

            var single = Self.settings("m-2", "one")
            single.subscriberMaxCount = 1
            #expect(try await client.createGroup(single).result == .success)
            _ = try await client.connectGroup("m-2", "one", allowed: 1)
            #expect(try await node.connect().connectGroupRefused("m-2", "one") == .subscriberMaxCountReached)
        }
    }

    @Test func deletingDropsConsumersAndForgetsTheCheckpoint() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("d-1", count: 2)
            var settings = Self.settings("d-1", "g")
            settings.checkpointMaxCount = 1
            settings.checkpointMinCount = 1
            #expect(try await client.createGroup(settings).result == .success)
            let consumer = try await node.connect()
            let (id, confirmation) = try await consumer.connectGroup("d-1", "g", allowed: 10)
            let first = try await consumer.nextPersistentEvent(id)
            _ = try await consumer.nextPersistentEvent(id)
            try await consumer.ack(confirmation.subscriptionID, id: id, [first.event.event.eventID])
            try await eventuallyRead(client, "$persistentsubscription-d-1::g-checkpoint") { $0.count == 1 }
            #expect(try await client.deleteGroup("d-1", "g").result == .success)
            let dropped = try await consumer.receive(id: id)
            #expect(dropped.command == .subscriptionDropped)
            // Over TCP the server drops consumers of a deleted group with Unsubscribed.
            #expect(try dropped.decodeMessage(as: ESSubscriptionDropped.self).reason == .unsubscribed)
            // Created again, it starts from its start position, not the old checkpoint.
            #expect(try await client.createGroup(settings).result == .success)
            let (newID, _) = try await consumer.connectGroup("d-1", "g", allowed: 10)
            #expect(try await consumer.nextPersistentEvent(newID).event.event.eventNumber == 0)
        }
    }

    @Test func inFlightLimitRoundRobinAndAConsumerLeaving() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            #expect(try await client.createGroup(Self.settings("rr-1", "g")).result == .success)
            let one = try await node.connect()
            let two = try await node.connect()
            let (id1, confirmation) = try await one.connectGroup("rr-1", "g", allowed: 2)
            let (id2, _) = try await two.connectGroup("rr-1", "g", allowed: 2)
            try await client.fill("rr-1", count: 4)
            let toOne = [try await one.nextPersistentEvent(id1), try await one.nextPersistentEvent(id1)]
            let toTwo = [try await two.nextPersistentEvent(id2), try await two.nextPersistentEvent(id2)]
            #expect(Set((toOne + toTwo).map(\.event.event.eventNumber)) == [0, 1, 2, 3], "each event to one consumer")
            try await client.fill("rr-1", count: 1)
            // Both are full (2 in flight each): event 4 waits until one of them acknowledges.
            try await one.ack(confirmation.subscriptionID, id: id1, [toOne[0].event.event.eventID])
            #expect(try await one.nextPersistentEvent(id1).event.event.eventNumber == 4)
            // `two` leaves without acknowledging: its events are retried on `one`.
            await two.close()
            try await one.ack(confirmation.subscriptionID, id: id1, [toOne[1].event.event.eventID])
            var retried: [ESPersistentSubscriptionStreamEventAppeared] = []
            while retried.count < 2 {
                let next = try await one.nextPersistentEvent(id1)
                retried.append(next)
                try await one.ack(confirmation.subscriptionID, id: id1, [next.event.event.eventID])
            }
            #expect(Set(retried.map(\.event.event.eventNumber)) == Set(toTwo.map(\.event.event.eventNumber)))
            #expect(retried.allSatisfy { $0.retryCount == 1 })
        }
    }

    @Test func nakRetriesParksAndSkips() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var settings = Self.settings("nak-1", "g")
            settings.maxRetryCount = 1
            #expect(try await client.createGroup(settings).result == .success)
            try await client.fill("nak-1", count: 3)
            let consumer = try await node.connect()
            let (id, confirmation) = try await consumer.connectGroup("nak-1", "g", allowed: 10)
            let key = confirmation.subscriptionID
            var first = [try await consumer.nextPersistentEvent(id), try await consumer.nextPersistentEvent(id),
                         try await consumer.nextPersistentEvent(id)]
            first.sort { $0.event.event.eventNumber < $1.event.event.eventNumber }
            try await consumer.nak(key, id: id, [first[0].event.event.eventID], action: .retry)
            try await consumer.nak(key, id: id, [first[1].event.event.eventID], action: .park)
            try await consumer.nak(key, id: id, [first[2].event.event.eventID], action: .skip)
            let again = try await consumer.nextPersistentEvent(id)
            #expect(again.event.event.eventNumber == 0 && again.retryCount == 1)
            // One more retry is over max_retry_count 1: parked too.
            try await consumer.nak(key, id: id, [again.event.event.eventID], action: .retry)
            let parked = try await eventuallyRead(client, "$persistentsubscription-nak-1::g-parked") { $0.count == 2 }
            #expect(parked.map { String(decoding: $0.event.data, as: UTF8.self) }.sorted() == ["0@nak-1", "1@nak-1"])
        }
    }

    @Test func unacknowledgedMessagesAreRetriedAfterTheTimeout() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var settings = Self.settings("to-1", "g")
            settings.messageTimeoutMilliseconds = 200
            #expect(try await client.createGroup(settings).result == .success)
            try await client.fill("to-1", count: 1)
            let consumer = try await node.connect()
            let (id, _) = try await consumer.connectGroup("to-1", "g", allowed: 10)
            let first = try await consumer.nextPersistentEvent(id)
            let second = try await consumer.nextPersistentEvent(id)
            #expect(first.retryCount == 0 && second.retryCount == 1)
            #expect(first.event.event.eventID == second.event.event.eventID)
        }
    }

    @Test func groupsAndCheckpointsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-persistent-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let first = try await EventStoreNodeServer.start(configuration)
        let client = try await first.connect()
        try await client.fill("keep-1", count: 5)
        var settings = Self.settings("keep-1", "g")
        settings.checkpointMaxCount = 1
        settings.checkpointMinCount = 1
        #expect(try await client.createGroup(settings).result == .success)
        let consumer = try await first.connect()
        let (id, confirmation) = try await consumer.connectGroup("keep-1", "g", allowed: 1)
        for expected in Int64(0)..<3 {
            let event = try await consumer.nextPersistentEvent(id)
            #expect(event.event.event.eventNumber == expected)
            try await consumer.ack(confirmation.subscriptionID, id: id, [event.event.event.eventID])
        }
        try await eventuallyRead(client, "$persistentsubscription-keep-1::g-checkpoint") { events in
            events.last.map { String(decoding: $0.event.data, as: UTF8.self) } == #""2""#  // a JSON string, as 21.10+
        }
        // Concurrent changes: every one must be in the stored configuration.
        try await withThrowingTaskGroup(of: ESCreatePersistentSubscriptionCompleted.CreatePersistentSubscriptionResult.self) { tasks in
            for n in 0..<8 {
                tasks.addTask { try await first.connect().createGroup(Self.settings("many-\(n)", "g")).result }
            }
            for try await result in tasks { #expect(result == .success) }
        }
        var single = Self.settings("many-0", "g")
        single.subscriberMaxCount = 1
        #expect(try await client.updateGroup(single).result == .success)
        #expect(try await client.deleteGroup("many-7", "g").result == .success)
        await first.shutdown()

        let second = try await EventStoreNodeServer.start(configuration)
        defer { Task { await second.shutdown() } }
        let again = try await second.connect()
        let (newID, _) = try await again.connectGroup("keep-1", "g", allowed: 10)
        #expect(try await again.nextPersistentEvent(newID).event.event.eventNumber == 3, "resumes after the checkpoint")
        for n in 0..<7 { _ = try await second.connect().connectGroup("many-\(n)", "g", allowed: 1) }
        #expect(try await second.connect().connectGroupRefused("many-0", "g") == .subscriberMaxCountReached, "the update was kept")
        #expect(try await second.connect().connectGroupRefused("many-7", "g") == .notFound, "the delete was kept")
        await second.shutdown()
    }
}

/// Reads `stream` (as admin) until `condition` holds on its events, within 10 s.
@discardableResult
private func eventuallyRead(
    _ client: TCPTestClient, _ stream: String, _ condition: ([ESResolvedIndexedEvent]) -> Bool
) async throws -> [ESResolvedIndexedEvent] {
    let deadline = ContinuousClock.now + .seconds(10)
    while true {
        let events = try await client.readStream(stream, from: 0, count: 100, credentials: admin).events
        if condition(events) { return events }
        guard ContinuousClock.now < deadline else {
            Issue.record("\(stream) never met the condition; last read: \(events.count) events")
            return events
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

extension TCPTestClient {
    func createGroup(_ request: ESCreatePersistentSubscription, credentials: TCPCredentials? = admin) async throws
        -> ESCreatePersistentSubscriptionCompleted {
        try await self.request(.createPersistentSubscription, message: request, credentials: credentials,
                               as: ESCreatePersistentSubscriptionCompleted.self)
    }

    func updateGroup(_ create: ESCreatePersistentSubscription) async throws -> ESUpdatePersistentSubscriptionCompleted {
        let request = try ESUpdatePersistentSubscription(serializedBytes: try create.serializedBytes() as [UInt8])
        return try await self.request(.updatePersistentSubscription, message: request, credentials: admin,
                                      as: ESUpdatePersistentSubscriptionCompleted.self)
    }

    func deleteGroup(_ stream: String, _ group: String) async throws -> ESDeletePersistentSubscriptionCompleted {
        var request = ESDeletePersistentSubscription()
        request.eventStreamID = stream
        request.subscriptionGroupName = group
        return try await self.request(.deletePersistentSubscription, message: request, credentials: admin,
                                      as: ESDeletePersistentSubscriptionCompleted.self)
    }

    private func connectPackage(_ stream: String, _ group: String, allowed: Int32) -> TCPPackage {
        var request = ESConnectToPersistentSubscription()
        request.subscriptionID = group
        request.eventStreamID = stream
        request.allowedInFlightMessages = allowed
        return TCPPackage(command: .connectToPersistentSubscription, correlationID: UUID(), credentials: admin, message: request)
    }

    func connectGroup(_ stream: String, _ group: String, allowed: Int32) async throws -> (UUID, ESPersistentSubscriptionConfirmation) {
        let package = connectPackage(stream, group, allowed: allowed)
        let reply = try await request(package)
        guard reply.command == .persistentSubscriptionConfirmation else { throw UnexpectedReply(package: reply) }
        return (package.correlationID, try reply.decodeMessage(as: ESPersistentSubscriptionConfirmation.self))
    }

    func connectGroupRefused(_ stream: String, _ group: String) async throws -> ESSubscriptionDropped.SubscriptionDropReason {
        let reply = try await request(connectPackage(stream, group, allowed: 1))
        guard reply.command == .subscriptionDropped else { throw UnexpectedReply(package: reply) }
        return try reply.decodeMessage(as: ESSubscriptionDropped.self).reason
    }

    func nextPersistentEvent(_ id: UUID) async throws -> ESPersistentSubscriptionStreamEventAppeared {
        let package = try await receive(id: id)
        guard package.command == .persistentSubscriptionStreamEventAppeared else { throw UnexpectedReply(package: package) }
        return try package.decodeMessage(as: ESPersistentSubscriptionStreamEventAppeared.self)
    }

    func ack(_ subscriptionID: String, id: UUID, _ eventIDs: [Data]) async throws {
        var request = ESPersistentSubscriptionAckEvents()
        request.subscriptionID = subscriptionID
        request.processedEventIds = eventIDs
        try await send(TCPPackage(command: .persistentSubscriptionAckEvents, correlationID: id, credentials: admin, message: request))
    }

    func nak(_ subscriptionID: String, id: UUID, _ eventIDs: [Data], action: ESPersistentSubscriptionNakEvents.NakAction) async throws {
        var request = ESPersistentSubscriptionNakEvents()
        request.subscriptionID = subscriptionID
        request.processedEventIds = eventIDs
        request.action = action
        request.message = "test"
        try await send(TCPPackage(command: .persistentSubscriptionNakEvents, correlationID: id, credentials: admin, message: request))
    }
}
