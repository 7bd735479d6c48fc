import EventStoreClient
import EventStoreNode
import Foundation
import Testing

/// The same client-level checks against whichever server is at hand: a real EventStoreDB when
/// `ESDB_TCP_HOST` is set (`host:port`; `ESDB_TCP_OPTIONS` is appended to the connection string,
/// e.g. `UseSslConnection=true; ValidateServer=false`; credentials admin/changeit unless
/// `ESDB_TCP_USER`/`ESDB_TCP_PASSWORD`), otherwise the embedded node. Passing on both is the
/// evidence that the node behaves like EventStoreDB where these tests look. Stream and group names
/// are unique per run, since a real server keeps them.
@Suite struct ServerConformanceTests {
    static var realServer: String? {
        ProcessInfo.processInfo.environment["ESDB_TCP_HOST"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs `body` with a client of the real server, or of a fresh embedded node.
    func withServer(_ body: (EventStoreClient) async throws -> Void) async throws {
        guard let host = Self.realServer else {
            try await withClientAndNode { client, _ in try await body(client) }
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let user = environment["ESDB_TCP_USER"] ?? "admin"
        let password = environment["ESDB_TCP_PASSWORD"] ?? "changeit"
        var connection = "ConnectTo=tcp://\(host); DefaultUserCredentials=\(user):\(password); MaxReconnections=2"
        if let options = environment["ESDB_TCP_OPTIONS"], !options.isEmpty { connection += "; " + options }
        try await withEventStoreClient(connectionString: connection, body)
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    @Test func appendsReadsAndExpectedVersions() async throws {
        try await withServer { client in
            let stream = Self.unique("conf")
            let first = try await client.append(to: stream, events: numbered(3), expectedVersion: .noStream)
            #expect(first.nextExpectedVersion == 2)
            let slice = try await client.readStreamSlice(stream, from: 0, maxCount: 10)
            #expect(slice.status == .success && slice.events.map(\.originalNumber) == [0, 1, 2] && slice.isEndOfStream)
            do {
                try await client.append(to: stream, events: numbered(1), expectedVersion: .exact(0))
                Issue.record("a stale expected version was accepted")
            } catch let error as EventStoreClientError {
                #expect(error.code == .wrongExpectedVersion)
            }
            // The same events again at the same expected version: idempotent, nothing new.
            let events = numbered(2, from: 10)
            let once = try await client.append(to: stream, events: events, expectedVersion: .exact(2))
            let twice = try await client.append(to: stream, events: events, expectedVersion: .exact(2))
            #expect(once.nextExpectedVersion == 4 && twice.nextExpectedVersion == 4)
            #expect(try await client.readStreamSlice(stream, from: 0, maxCount: 10).events.count == 5)
            let missing = try await client.readStreamSlice(Self.unique("conf-none"), from: 0, maxCount: 10)
            #expect(missing.status == .streamNotFound)
        }
    }

    @Test func softAndHardDeletes() async throws {
        try await withServer { client in
            let soft = Self.unique("conf-soft")
            try await client.append(to: soft, events: numbered(2))
            try await client.deleteStream(soft)
            #expect(try await client.readStreamSlice(soft, from: 0, maxCount: 10).status == .streamNotFound)
            let again = try await client.append(to: soft, events: numbered(1))
            #expect(again.nextExpectedVersion == 2, "numbering continues after a soft delete")
            let hard = Self.unique("conf-hard")
            try await client.append(to: hard, events: numbered(1))
            try await client.deleteStream(hard, hard: true)
            #expect(try await client.readStreamSlice(hard, from: 0, maxCount: 10).status == .streamDeleted)
        }
    }

    @Test func catchUpThenLive() async throws {
        try await withServer { client in
            let stream = Self.unique("conf-catchup")
            try await client.append(to: stream, events: numbered(3))
            let subscription = client.catchUp(stream: stream)
            var numbers: [Int64] = []
            var wroteLive = false
            for try await message in subscription {
                switch message {
                case .event(let event): numbers.append(event.originalNumber)
                case .caughtUp where !wroteLive:
                    wroteLive = true
                    try await client.append(to: stream, events: numbered(2, from: 3))
                default: break
                }
                if numbers.count == 5 { break }
            }
            #expect(numbers == [0, 1, 2, 3, 4])
        }
    }

    @Test func persistentGroupDeliversAndForgetsAcknowledged() async throws {
        try await withServer { client in
            let stream = Self.unique("conf-persistent")
            try await client.append(to: stream, events: numbered(3))
            var settings = PersistentSubscriptionSettings()
            settings.startFrom = 0
            try await client.createPersistentSubscription("conformance", on: stream, settings: settings)
            do {
                try await client.createPersistentSubscription("conformance", on: stream, settings: settings)
                Issue.record("a second create of the same group succeeded")
            } catch let error as EventStoreClientError {
                #expect(error.code == .alreadyExists)
            }
            let consumer = try await client.connectToPersistentSubscription("conformance", on: stream, bufferSize: 10)
            #expect(consumer.subscriptionID == "\(stream)::conformance")
            var numbers: [Int64] = []
            for try await delivery in consumer {
                numbers.append(delivery.event.originalNumber)
                try await consumer.ack(delivery)
                if numbers.count == 3 { break }
            }
            #expect(numbers.sorted() == [0, 1, 2])
            try await client.deletePersistentSubscription("conformance", on: stream)
            do {
                try await client.deletePersistentSubscription("conformance", on: stream)
                Issue.record("a deleted group was deleted again")
            } catch let error as EventStoreClientError {
                #expect(error.code == .notFound)
            }
        }
    }
}
