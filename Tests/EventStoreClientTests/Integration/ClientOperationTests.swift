import EventStoreClient
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Every client operation against the embedded node over real loopback TCP.
@Suite struct ClientOperationTests {
    @Test func connectsAuthenticatesAndIdentifies() async throws {
        try await withClientAndNode { client, _ in
            let events = client.events
            try await client.waitUntilConnected()
            guard case .connected = await client.phase else {
                Issue.record("not connected")
                return
            }
            var phases: [String] = []
            for await event in events {
                if case .phaseChanged(let phase, _) = event { phases.append(phase.name) }
                if phases.last == "connected" { break }
            }
            #expect(phases.suffix(3) == ["authenticating", "identifying", "connected"])
            #expect(try await client.ping() < .seconds(30))
        }
    }

    /// The scoped helper: the client works inside, is closed after (also when the body throws), and a
    /// malformed connection string is an `invalidConfiguration` error before anything connects.
    @Test func withEventStoreClientClosesTheClientAfterTheBody() async throws {
        try await withInMemoryNode { node in
            let connection = "tcp://admin:changeit@\(node.tcpEndpoint.host):\(node.tcpEndpoint.port)"
            let (client, written) = try await withEventStoreClient(connectionString: connection) { client in
                (client, try await client.append(to: "scoped-1", events: [EventData(type: "T", json: "{}")]))
            }
            #expect(written.nextExpectedVersion == 0)
            #expect(await client.isClosed)
            struct Failure: Error {}
            var kept: EventStoreClient?
            do {
                try await withEventStoreClient(connectionString: connection) { client in
                    kept = client
                    throw Failure()
                }
                Issue.record("the body's error was swallowed")
            } catch is Failure {}
            #expect(await kept?.isClosed == true)
        }
        do {
            _ = try await withEventStoreClient(connectionString: "ConnectTo=tcp://h:1; MaxRetries=lots") { _ in Issue.record("ran") }
            Issue.record("a malformed connection string was accepted")
        } catch let error as EventStoreClientError {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("MaxRetries"), "\(error.message)")
        }
    }

    @Test func appendAndReadBack() async throws {
        try await withClientAndNode { client, _ in
            let id = UUID()
            let first = try await client.append(to: "orders-1", events: [EventData(id: id, type: "OrderPlaced", json: "{\"total\":12}",
                                                                                     metadata: "{\"user\":\"u1\"}")],
                                                expectedVersion: .noStream)
            #expect(first.nextExpectedVersion == 0)
            let second = try await client.append(to: "orders-1", events: [EventData(type: "Bin", data: [0, 1, 2], isJSON: false)],
                                                 expectedVersion: .exact(0))
            #expect(second.nextExpectedVersion == 1)
            #expect(second.position > first.position)
            guard case .success(let event) = try await client.readEvent(stream: "orders-1", number: 0) else {
                Issue.record("event 0 not found")
                return
            }
            #expect(event.event?.id == id)
            #expect(event.event?.type == "OrderPlaced")
            #expect(event.event?.dataText == "{\"total\":12}")
            #expect(event.event?.metadata == Array("{\"user\":\"u1\"}".utf8))
            #expect(event.event?.isJSON == true)
            guard case .success(let last) = try await client.readEvent(stream: "orders-1", number: -1) else {
                Issue.record("last event not found")
                return
            }
            #expect(last.event?.data == [0, 1, 2] && last.event?.isJSON == false)
            #expect(try await client.readEvent(stream: "orders-1", number: 9) == .notFound)
            #expect(try await client.readEvent(stream: "nothing-1", number: 0) == .noStream)
        }
    }

    @Test func wrongExpectedVersionThrowsWithAClearMessage() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "orders-2", events: numbered(5))
            do {
                try await client.append(to: "orders-2", events: numbered(1), expectedVersion: .exact(2))
                Issue.record("append should have failed")
            } catch let error as EventStoreClientError {
                #expect(error.code == .wrongExpectedVersion)
                #expect(error.message == "wrong expected version: stream orders-2 is at 4, expected 2")
            }
            let conditional = try await client.conditionalAppend(to: "orders-2", events: numbered(1), expectedVersion: .noStream)
            #expect(conditional == .wrongExpectedVersion(current: 4))
        }
    }

    @Test func retriedAppendWithSameIDsIsIdempotent() async throws {
        try await withClientAndNode { client, _ in
            let events = numbered(3)
            try await client.append(to: "idem-1", events: events, expectedVersion: .noStream)
            let again = try await client.append(to: "idem-1", events: events, expectedVersion: .noStream)
            #expect(again.nextExpectedVersion == 2)
            var count = 0
            for try await _ in client.readStream("idem-1") { count += 1 }
            #expect(count == 3)
        }
    }

    @Test func readStreamPagesForwardAndBackward() async throws {
        try await withClientAndNode { client, _ in
            for batch in 0..<3 { try await client.append(to: "paged-1", events: numbered(1000, from: batch * 1000)) }
            var forward: [Int64] = []
            for try await event in client.readStream("paged-1", pageSize: 256) { forward.append(event.originalNumber) }
            #expect(forward == Array(0..<3000))
            var backward: [Int64] = []
            for try await event in client.readStream("paged-1", direction: .backward, pageSize: 700) {
                backward.append(event.originalNumber)
            }
            #expect(backward == Array((0..<3000).reversed()))
            var limited: [Int64] = []
            for try await event in client.readStream("paged-1", from: 10, maxCount: 5) { limited.append(event.originalNumber) }
            #expect(limited == [10, 11, 12, 13, 14])
            // A limit across pages (with read-ahead) stops exactly, and the last page asks only for what is left.
            var spanning: [Int64] = []
            for try await event in client.readStream("paged-1", from: 100, pageSize: 100, maxCount: 250) {
                spanning.append(event.originalNumber)
            }
            #expect(spanning == Array(100..<350))
            // Breaking out early is fine even with a page requested ahead.
            var early = 0
            for try await _ in client.readAll(pageSize: 50) {
                early += 1
                if early == 120 { break }
            }
            #expect(early == 120)
            await #expect(throws: EventStoreClientError.self) {
                for try await _ in client.readStream("absent-1") {}
            }
            let slice = try await client.readStreamSlice("paged-1", from: 2990, maxCount: 20)
            #expect(slice.events.count == 10 && slice.isEndOfStream && slice.lastEventNumber == 2999)
        }
    }

    @Test func readAllForwardBackwardAndFiltered() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "alpha-1", events: [EventData(type: "AlphaHappened", json: "{}")])
            try await client.append(to: "beta-1", events: [EventData(type: "BetaHappened", json: "{}")])
            var forward: [String] = []
            for try await event in client.readAll(pageSize: 2) where !event.originalStream.hasPrefix("$") {
                forward.append(event.originalStream)
            }
            #expect(forward == ["alpha-1", "beta-1"])
            var backward: [String] = []
            for try await event in client.readAll(direction: .backward) where !event.originalStream.hasPrefix("$") {
                backward.append(event.originalStream)
            }
            #expect(backward == ["beta-1", "alpha-1"])
            var filtered: [String] = []
            for try await event in client.readAll(filter: .eventTypePrefix("Beta"), pageSize: 1) { filtered.append(event.originalStream) }
            #expect(filtered == ["beta-1"])
            var noSystem = 0
            for try await event in client.readAll(filter: .excludeSystemEvents) {
                #expect(!(event.event?.type.hasPrefix("$") ?? true))
                noSystem += 1
            }
            #expect(noSystem == 2)
        }
    }

    @Test func perOperationCredentialsOverrideTheDefault() async throws {
        try await withClientAndNode(configureClient: { $0.defaultCredentials = nil }) { client, _ in
            await #expect(throws: EventStoreClientError.self) {
                _ = try await client.readAllSlice(from: .start, maxCount: 10)
            }
            let slice = try await client.readAllSlice(from: .start, maxCount: 10,
                                                      credentials: .password(login: "admin", password: "changeit"))
            // Only what a fresh database holds: system events.
            #expect(!slice.events.isEmpty && slice.events.allSatisfy { $0.event?.stream.hasPrefix("$") ?? false })
            do {
                _ = try await client.readAllSlice(from: .start, maxCount: 10, credentials: .password(login: "admin", password: "bad"))
                Issue.record("bad credentials accepted")
            } catch let error as EventStoreClientError {
                #expect(error.code == .notAuthenticated)
            }
        }
    }

    @Test func deleteSoftAndHard() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "del-1", events: numbered(2))
            try await client.deleteStream("del-1", expectedVersion: .exact(1))
            #expect(try await client.readEvent(stream: "del-1", number: 0) == .noStream)
            try await client.append(to: "del-1", events: numbered(1), expectedVersion: .noStream)
            #expect(try await client.readStreamSlice("del-1", from: 0, maxCount: 10).events.map(\.originalNumber) == [2])
            try await client.deleteStream("del-1", hard: true)
            #expect(try await client.readEvent(stream: "del-1", number: 2) == .streamDeleted)
            do {
                try await client.append(to: "del-1", events: numbered(1))
                Issue.record("append to a hard-deleted stream succeeded")
            } catch let error as EventStoreClientError {
                #expect(error.code == .streamDeleted)
            }
        }
    }

    @Test func metadataRoundTrip() async throws {
        try await withClientAndNode { client, _ in
            let empty = try await client.streamMetadata("meta-1")
            #expect(empty.metastreamVersion == -1 && empty.metadata == .empty)
            var metadata = StreamMetadata(maxCount: 2, maxAge: 3600, cacheControl: 10,
                                          acl: StreamACL(read: ["$all"], write: ["$admins"]))
            metadata.custom = [("owner", .string("team-a"))]
            try await client.setStreamMetadata("meta-1", metadata, expectedMetastreamVersion: .noStream)
            let read = try await client.streamMetadata("meta-1")
            #expect(read.metastreamVersion == 0)
            #expect(read.metadata == metadata)
            try await client.append(to: "meta-1", events: numbered(5))
            var visible: [Int64] = []
            for try await event in client.readStream("meta-1") { visible.append(event.originalNumber) }
            #expect(visible == [3, 4])
        }
    }

    @Test func transactionsCommitAtomically() async throws {
        try await withClientAndNode { client, _ in
            let transaction = try await client.startTransaction(stream: "tx-1", expectedVersion: .noStream)
            try await transaction.write(numbered(2))
            try await transaction.write(numbered(2, from: 2))
            #expect(try await client.readEvent(stream: "tx-1", number: 0) == .noStream)
            let result = try await transaction.commit()
            #expect(result.nextExpectedVersion == 3)
            #expect(try await client.readStreamSlice("tx-1", from: 0, maxCount: 10).events.count == 4)
        }
    }

    @Test func volatileSubscriptionDeliversNewEvents() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "live-1", events: numbered(2))
            let subscription = try await client.subscribe(to: "live-1")
            #expect(subscription.lastEventNumber == 1)
            try await client.append(to: "live-1", events: numbered(3, from: 2))
            var received: [Int64] = []
            for try await message in subscription {
                if case .event(let event) = message { received.append(event.originalNumber) }
                if received.count == 3 { break }
            }
            #expect(received == [2, 3, 4])
            let all = try await client.subscribe(to: nil, filter: .eventTypePrefix("Special"), checkpointInterval: 1)
            try await client.append(to: "live-2", events: [EventData(type: "Special", json: "{}")])
            var sawEvent = false
            for try await message in all {
                if case .event(let event) = message, event.event?.type == "Special" { sawEvent = true; break }
            }
            #expect(sawEvent)
        }
    }

    @Test func subscriptionToAllIsDeniedWithoutAdmin() async throws {
        try await withClientAndNode(configureClient: { $0.defaultCredentials = nil }) { client, _ in
            do {
                _ = try await client.subscribe(to: nil)
                Issue.record("subscription to $all without admin was confirmed")
            } catch let error as EventStoreClientError {
                #expect(error.code == .accessDenied)
            }
        }
    }

    /// EventStoreDB answers a denied filtered read with the unfiltered reply command; the client
    /// must report access denied, not a protocol violation (or, worse, an empty success).
    @Test func deniedFilteredReadIsAccessDenied() async throws {
        try await withClientAndNode(configureClient: { $0.defaultCredentials = nil }) { client, _ in
            for direction in [ReadDirection.forward, .backward] {
                do {
                    _ = try await client.readAllFilteredSlice(from: .start, maxCount: 10, filter: .eventTypePrefix("x"),
                                                              direction: direction)
                    Issue.record("a filtered read of $all without admin succeeded")
                } catch let error as EventStoreClientError {
                    #expect(error.code == .accessDenied)
                }
            }
        }
    }

    @Test func inspectorShowsQueuedOperationsWhileDisconnected() async throws {
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "127.0.0.1", port: 1)))
        configuration.maxReconnections = -1
        configuration.reconnectionDelay = .milliseconds(50)
        let client = EventStoreClient(configuration: configuration)
        let pending = Task { try await client.append(to: "never-1", events: numbered(1)) }
        let queued = await eventually { await client.operations.first?.state == "queued" }
        #expect(queued)
        let snapshot = await client.operations
        #expect(snapshot.first?.command == "WriteEvents")
        await client.close()
        await #expect(throws: EventStoreClientError.self) { try await pending.value }
    }
}
