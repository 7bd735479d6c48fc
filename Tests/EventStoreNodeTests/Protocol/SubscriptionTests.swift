import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Volatile and filtered subscriptions (docs/protocol.md §4.10).
@Suite struct SubscriptionTests {
    static func subscribe(_ client: TCPTestClient, _ stream: String, resolve: Bool = false,
                          credentials: TCPCredentials? = nil) async throws -> (UUID, ESSubscriptionConfirmation) {
        var request = ESSubscribeToStream()
        request.eventStreamID = stream
        request.resolveLinkTos = resolve
        let package = TCPPackage(command: .subscribeToStream, correlationID: UUID(), credentials: credentials, message: request)
        let reply = try await client.request(package)
        guard reply.command == .subscriptionConfirmation else { throw UnexpectedReply(package: reply) }
        return (package.correlationID, try reply.decodeMessage(as: ESSubscriptionConfirmation.self))
    }

    static func nextEvent(_ client: TCPTestClient, _ id: UUID, timeout: Duration = .seconds(10)) async throws -> ESResolvedEvent {
        let package = try await client.receive(id: id, timeout: timeout)
        guard package.command == .streamEventAppeared else { throw UnexpectedReply(package: package) }
        return try package.decodeMessage(as: ESStreamEventAppeared.self).event
    }

    @Test func streamSubscriptionGetsOnlyNewEventsInOrder() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            try await subscriber.identify()
            let writer = try await node.connect()
            try await writer.fill("live-1", count: 3)
            let (id, confirmation) = try await Self.subscribe(subscriber, "live-1")
            #expect(confirmation.lastEventNumber == 2)
            #expect(confirmation.lastCommitPosition > 0)
            try await writer.fill("live-1", count: 5)
            try await writer.fill("other-1", count: 2)
            var numbers: [Int64] = []
            for _ in 0..<5 { numbers.append(try await Self.nextEvent(subscriber, id).event.eventNumber) }
            #expect(numbers == [3, 4, 5, 6, 7])
            // Unsubscribe → SubscriptionDropped(Unsubscribed) on the same id.
            let dropped = try await subscriber.request(TCPPackage(command: .unsubscribeFromStream, correlationID: id))
            #expect(dropped.command == .subscriptionDropped)
            #expect(try dropped.decodeMessage(as: ESSubscriptionDropped.self).reason == .unsubscribed)
            try await writer.fill("live-1", count: 1)
            try await subscriber.identify()
            #expect(!subscriber.unclaimed.contains { $0.correlationID == id })
        }
    }

    @Test func allSubscriptionSeesEveryCommitAfterConfirmation() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            let writer = try await node.connect()
            try await writer.fill("before-1", count: 2)
            let (id, confirmation) = try await Self.subscribe(subscriber, "", credentials: admin)
            #expect(!confirmation.hasLastEventNumber)
            try await writer.fill("after-1", count: 2)
            var seen: [String] = []
            for _ in 0..<2 { seen.append(try await Self.nextEvent(subscriber, id).event.eventStreamID) }
            #expect(seen == ["after-1", "after-1"])
            try await writer.fill("after-2", count: 1)
            #expect(try await Self.nextEvent(subscriber, id).event.eventStreamID == "after-2")
        }
    }

    @Test func allSubscriptionNeedsAdmin() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var request = ESSubscribeToStream()
            request.eventStreamID = ""
            request.resolveLinkTos = false
            let reply = try await client.request(TCPPackage(command: .subscribeToStream, correlationID: UUID(), message: request))
            #expect(reply.command == .subscriptionDropped)
            #expect(try reply.decodeMessage(as: ESSubscriptionDropped.self).reason == .accessDenied)
        }
    }

    @Test func categorySubscriptionResolvesLinks() async throws {
        try await withInMemoryNode(configure: SystemStreamTests.projecting) { node in
            let subscriber = try await node.connect()
            let writer = try await node.connect()
            let (id, confirmation) = try await Self.subscribe(subscriber, "$ce-cart", resolve: true, credentials: admin)
            #expect(confirmation.lastEventNumber == -1)
            try await writer.fill("cart-1", count: 2)
            try await writer.fill("cart-2", count: 1)
            var resolved: [(String, Int64, String)] = []
            for _ in 0..<3 {
                let event = try await Self.nextEvent(subscriber, id)
                resolved.append((event.event.eventStreamID, event.event.eventNumber, event.link.eventStreamID))
            }
            #expect(resolved.map(\.0) == ["cart-1", "cart-1", "cart-2"])
            #expect(resolved.map(\.1) == [0, 1, 0])
            #expect(resolved.allSatisfy { $0.2 == "$ce-cart" })
        }
    }

    /// A live link is resolved by the rules of a read: the target must be visible ($tb, $maxCount,
    /// $maxAge, deletion); else the link comes alone, as a read with resolveLinkTos returns it.
    /// As in EventStoreDB 20.x+, the target's ACL is not checked (docs/node-fidelity.md §Links).
    @Test func liveLinksResolveOnlyToTargetsAReadWouldReturn() async throws {
        try await withInMemoryNode(configure: {
            $0.users += [NodeUser(login: "bob", password: "pw")]
            $0.enableStandardProjections()
        }) { node in
            let bob = TCPCredentials.password(login: "bob", password: "pw")
            let writer = try await node.connect()
            _ = try await writer.setMetadata("$ce-vault", json: #"{"$acl":{"$r":"bob"}}"#, credentials: admin)
            _ = try await writer.setMetadata("vault-secret", json: #"{"$acl":{"$r":"$admins"}}"#, credentials: admin)
            _ = try await writer.setMetadata("vault-old", json: #"{"$tb":100}"#, credentials: admin)
            let bobs = try await node.connect()
            let (bobID, _) = try await Self.subscribe(bobs, "$ce-vault", resolve: true, credentials: bob)
            let admins = try await node.connect()
            let (adminID, _) = try await Self.subscribe(admins, "$ce-vault", resolve: true, credentials: admin)

            try await writer.fill("vault-secret", count: 1, credentials: admin)
            try await writer.fill("vault-old", count: 1, credentials: admin)
            try await writer.fill("vault-open", count: 1, credentials: admin)
            var seenByBob: [(hasEvent: Bool, stream: String)] = []
            var seenByAdmin: [(hasEvent: Bool, stream: String)] = []
            for _ in 0..<3 {
                let forBob = try await Self.nextEvent(bobs, bobID)
                seenByBob.append((forBob.hasEvent, forBob.hasEvent ? forBob.event.eventStreamID : forBob.link.eventStreamID))
                let forAdmin = try await Self.nextEvent(admins, adminID)
                seenByAdmin.append((forAdmin.hasEvent, forAdmin.hasEvent ? forAdmin.event.eventStreamID : forAdmin.link.eventStreamID))
            }
            #expect(seenByBob.map(\.hasEvent) == [true, false, true], "the target's ACL is not checked; vault-old#0 is truncated")
            #expect(seenByBob.map(\.stream) == ["vault-secret", "$ce-vault", "vault-open"])
            #expect(seenByAdmin.map(\.hasEvent) == [true, false, true], "admins read everything, but truncated is truncated")

            // Exactly what a read of the category returns to each of them.
            let bobsRead = try await writer.readStream("$ce-vault", from: 0, count: 10, resolve: true, credentials: bob)
            #expect(bobsRead.events.map(\.hasEvent) == seenByBob.map(\.hasEvent))
            let adminsRead = try await writer.readStream("$ce-vault", from: 0, count: 10, resolve: true, credentials: admin)
            #expect(adminsRead.events.map(\.hasEvent) == seenByAdmin.map(\.hasEvent))
        }
    }

    @Test func filteredSubscriptionSendsMatchesAndCheckpoints() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            let writer = try await node.connect()
            var filter = ESFilter()
            filter.context = .eventType
            filter.type = .prefix
            filter.data = ["Wanted"]
            var request = ESFilteredSubscribeToStream()
            request.eventStreamID = ""
            request.resolveLinkTos = false
            request.filter = filter
            request.checkpointInterval = 4
            let package = TCPPackage(command: .filteredSubscribeToStream, correlationID: UUID(), credentials: admin, message: request)
            #expect(try await subscriber.request(package).command == .subscriptionConfirmation)
            _ = try await writer.write("f-1", events: (0..<8).map { TCPTestClient.newEvent($0 % 4 == 0 ? "Wanted" : "Noise") })
            var commands: [TCPCommand] = []
            while commands.filter({ $0 == .streamEventAppeared }).count < 2 || commands.filter({ $0 == .checkpointReached }).count < 2 {
                commands.append(try await subscriber.receive(id: package.correlationID).command)
            }
            #expect(commands.filter { $0 == .streamEventAppeared }.count == 2)
        }
    }

    @Test func closedConnectionsLoseTheirSubscriptions() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            _ = try await Self.subscribe(subscriber, "gone-1")
            await subscriber.close()
            let writer = try await node.connect()
            try await writer.fill("gone-1", count: 3)
            #expect(try await writer.readStream("gone-1", from: 0, count: 10).numbers == [0, 1, 2])
        }
    }

    @Test func clientThatStopsReadingIsDisconnected() async throws {
        try await withInMemoryNode(configure: {
            $0.maxSendQueueBytes = 256 * 1024
            // Only the send queue may drop the stuck client here, not its unanswered heartbeats.
            $0.heartbeatInterval = .seconds(120)
            $0.heartbeatTimeout = .seconds(120)
        }) { node in
            let writer = try await node.connect()
            let subscriber = try await node.connect()
            _ = try await Self.subscribe(subscriber, "flood-1")
            // Pretend to be a stuck client: stop reading from the socket.
            try await subscriber.stopReading()
            #expect(node.subscriptionCount == 1)
            // Push until the node gives up on the subscriber: past what the kernel's socket buffers
            // absorb (autotuned, up to tens of MB on loopback) and the 256 KiB send-queue limit.
            let payload = String(repeating: "x", count: 8_000)
            var written = 0
            while node.subscriptionCount > 0, written < 40_000 {
                _ = try await writer.write("flood-1", events: (0..<20).map { _ in TCPTestClient.newEvent(json: "\"\(payload)\"") })
                written += 20
            }
            #expect(node.subscriptionCount == 0, "the stuck subscriber was still served after \(written) events (320 MB)")
            // Reading again, the client finds what was buffered, then the close.
            try await subscriber.resumeReading()
            try await subscriber.waitForClose(timeout: .seconds(10))
            let delivered = subscriber.unclaimed.filter { $0.command == .streamEventAppeared }.count
            #expect(delivered < written)
            // The node keeps serving everyone else.
            #expect(try await writer.readEvent("flood-1", 0).result == .success)
        }
    }
}
