import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import NIOCore
import Testing

/// What a hostile or broken client must not be able to do to the node or to other clients
/// (docs/node-fidelity.md §Limits).
@Suite struct HostileClientTests {
    /// EventStoreDB counts only bytes already waiting to be sent, so one reply larger than the
    /// 10 MiB send-queue limit still reaches a client that reads.
    @Test func aReplyLargerThanTheSendQueueLimitIsDelivered() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            let (allID, _) = try await SubscriptionTests.subscribe(subscriber, "", credentials: admin)
            let client = try await node.connect()
            let body = "\"" + String(repeating: "x", count: 11 * 1024 * 1024) + "\""
            // Generous bounds: 11 MiB through SQLite and back is slow on a loaded 2-core machine.
            let request = ESWriteEvents.with {
                $0.eventStreamID = "big-1"
                $0.expectedVersion = -2
                $0.events = [TCPTestClient.newEvent("Big", json: body)]
            }
            let written = try await client.request(.writeEvents, message: request, as: ESWriteEventsCompleted.self, timeout: .seconds(60))
            #expect(written.result == .success)
            let read = try await client.request(.readEvent, message: ESReadEvent.with {
                $0.eventStreamID = "big-1"
                $0.eventNumber = 0
            }, as: ESReadEventCompleted.self, timeout: .seconds(60))
            #expect(read.result == .success && read.event.event.data.count == body.utf8.count)
            var seen = try await SubscriptionTests.nextEvent(subscriber, allID, timeout: .seconds(60))
            while seen.event.eventStreamID != "big-1" {
                seen = try await SubscriptionTests.nextEvent(subscriber, allID, timeout: .seconds(60))
            }
            #expect(seen.event.data.count == body.utf8.count)
            #expect(!subscriber.isClosed)
        }
    }

    /// The heartbeat counts bytes, not whole frames: a frame that takes longer than the heartbeat
    /// timeout to arrive does not get its sender disconnected.
    @Test func aSlowUploadIsNotCutOff() async throws {
        // The server's defaults: a request after 2 s of silence, closed 1 s later.
        try await withInMemoryNode(configure: {
            $0.heartbeatInterval = .seconds(2)
            $0.heartbeatTimeout = .seconds(1)
        }) { node in
            let client = try await node.connect(answerHeartbeats: false)
            var request = ESWriteEvents()
            request.eventStreamID = "slow-1"
            request.expectedVersion = -2
            request.events = [TCPTestClient.newEvent("Slow", json: "\"" + String(repeating: "s", count: 256 * 1024) + "\"")]
            let package = TCPPackage(command: .writeEvents, correlationID: UUID(), message: request)
            let frame = Array(try package.encodedFrame().readableBytesView)
            // 6 s for the whole frame, well over interval + timeout (3 s), bytes arriving every 100 ms.
            let chunks = 60
            let size = (frame.count + chunks - 1) / chunks
            for start in stride(from: 0, to: frame.count, by: size) {
                try await client.sendRaw(Array(frame[start..<min(start + size, frame.count)]))
                try await Task.sleep(for: .milliseconds(100))
            }
            let reply = try await client.receive(id: package.correlationID)
            #expect(reply.command == .writeEventsCompleted)
            #expect(try reply.decodeMessage(as: ESWriteEventsCompleted.self).result == .success)
        }
    }

    @Test func connectionsOverTheLimitAreRefusedWithAReason() async throws {
        try await withInMemoryNode(configure: { $0.maxConnections = 2 }) { node in
            // A round trip each, so the node has accepted them before the third arrives (the kernel
            // completes a client's connect before the node's accept).
            let first = try await node.connect()
            #expect(try await first.request(TCPPackage(command: .ping, correlationID: UUID())).command == .pong)
            let second = try await node.connect()
            #expect(try await second.request(TCPPackage(command: .ping, correlationID: UUID())).command == .pong)
            let third = try await node.connect()
            let refusal = try await third.receive(id: .zero)
            #expect(refusal.command == .badRequest)
            #expect(String(buffer: refusal.payload).contains("Too many connections"))
            try await third.waitForClose()
            // The others are unaffected; once one leaves, a new connection is accepted.
            #expect(try await first.fill("limit-1", count: 1).result == .success)
            await second.close()
            let again = try await retrying(for: .seconds(10)) { () async throws -> TCPTestClient in
                let client = try await node.connect()
                guard (try? await client.fill("limit-1", count: 1)) != nil else {
                    await client.close()
                    throw UnexpectedReply(package: TCPPackage(command: .badRequest, correlationID: .zero))
                }
                return client
            }
            #expect(!again.isClosed)
        }
    }

    @Test func subscriptionsPerConnectionAreBounded() async throws {
        try await withInMemoryNode(configure: { $0.maxSubscriptionsPerConnection = 2 }) { node in
            let client = try await node.connect()
            _ = try await SubscriptionTests.subscribe(client, "sub-1")
            _ = try await SubscriptionTests.subscribe(client, "sub-2")
            var request = ESSubscribeToStream()
            request.eventStreamID = "sub-3"
            let reply = try await client.request(TCPPackage(command: .subscribeToStream, correlationID: UUID(), message: request))
            #expect(reply.command == .badRequest)
            #expect(String(buffer: reply.payload).contains("Too many subscriptions"))
            // Another connection has its own allowance.
            _ = try await SubscriptionTests.subscribe(try await node.connect(), "sub-3")
        }
    }

    /// A client that stops reading is dropped with a reason; others go on.
    @Test func aSubscriberThatStopsReadingIsDroppedAndOthersGoOn() async throws {
        try await withInMemoryNode(configure: {
            $0.maxSendQueueBytes = 256 * 1024
            // Only the send queue may drop anyone here, not a heartbeat answered late on a busy machine.
            $0.heartbeatInterval = .seconds(120)
            $0.heartbeatTimeout = .seconds(120)
        }) { node in
            let stuck = try await node.connect(answerHeartbeats: true)
            _ = try await SubscriptionTests.subscribe(stuck, "", credentials: admin)
            let healthy = try await node.connect()
            let (healthyID, _) = try await SubscriptionTests.subscribe(healthy, "pushed-1")
            try await stuck.stopReading()
            let writer = try await node.connect()
            let body = "\"" + String(repeating: "p", count: 16 * 1024) + "\""
            #expect(await eventually(timeout: .seconds(30)) {
                _ = try? await writer.write("pushed-1", events: [TCPTestClient.newEvent("P", json: body)])
                return node.subscriptionCount == 1
            })
            #expect(try await SubscriptionTests.nextEvent(healthy, healthyID).event.eventStreamID == "pushed-1")
        }
    }

    /// A catastrophic-backtracking pattern costs pattern × subject steps, so a filtered subscriber
    /// with `^(a+)+$` neither stalls other clients' writes nor misses or invents matches.
    @Test func aPathologicalRegexDoesNotStallTheNode() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            let (id, confirmation) = try await subscriber.subscribeFiltered(.eventType, .regex, ["^(a+)+$"])
            #expect(confirmation.command == .subscriptionConfirmation)
            let writer = try await node.connect()
            let evil = String(repeating: "a", count: 64) + "!"
            #expect(try await writer.write("evil-1", events: [TCPTestClient.newEvent(evil)]).result == .success)
            #expect(try await writer.write("evil-1", events: [TCPTestClient.newEvent(String(repeating: "a", count: 64))]).result
                == .success)
            let delivered = try await SubscriptionTests.nextEvent(subscriber, id)
            #expect(delivered.event.eventType == String(repeating: "a", count: 64))
            // A filtered read with the same pattern answers too.
            var read = ESFilteredReadAllEvents()
            read.commitPosition = 0
            read.preparePosition = 0
            read.maxCount = 100
            read.filter.context = .eventType
            read.filter.type = .regex
            read.filter.data = ["^(a+)+$"]
            let page = try await writer.request(.filteredReadAllEventsForward, message: read, credentials: admin,
                                                as: ESFilteredReadAllEventsCompleted.self)
            #expect(page.events.map(\.event.eventType) == [String(repeating: "a", count: 64)])
        }
    }

    @Test func aRegexTheNodeCannotRunIsABadRequestThatSaysWhy() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let (_, reply) = try await client.subscribeFiltered(.streamID, .regex, ["(a)\\1"])
            #expect(reply.command == .badRequest)
            #expect(String(buffer: reply.payload).contains("not supported"))
            #expect(node.subscriptionCount == 0)
        }
    }

    // MARK: What a first hostile probe found sound, kept so

    @Test func everyUnknownCommandIsABadRequestAndTheConnectionStays() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var unknown = 0
            for byte in UInt8.min...UInt8.max where !TCPCommand(rawValue: byte).isKnown {
                unknown += 1
                let reply = try await client.request(TCPPackage(command: TCPCommand(rawValue: byte), correlationID: UUID()))
                #expect(reply.command == .badRequest, "command 0x\(String(byte, radix: 16))")
            }
            #expect(unknown > 200)
            #expect(try await client.request(TCPPackage(command: .ping, correlationID: UUID())).command == .pong)
        }
    }

    /// Requests run in tasks the server owns: shutting down ends them all, none outlives the node.
    @Test func requestTasksEndWithTheNode() async throws {
        let node = try await EventStoreNodeServer.start(.onFreePorts(.memory))
        let client = try await node.connect()
        try await client.fill("tasks-1", count: 10)
        for _ in 0..<500 {
            var read = ESReadStreamEvents()
            read.eventStreamID = "tasks-1"
            read.maxCount = 10
            try await client.send(TCPPackage(command: .readStreamEventsForward, correlationID: UUID(), message: read))
        }
        await node.shutdown()
        #expect(node.requestTaskCount == 0)
    }

    // MARK: Found by the server-side fuzzer (scripts/fuzz-node.sh)

    /// A consumer whose connection closes while its connect is being authorized is not added later
    /// (it would hold a slot of the group, and its messages would time out, until the node stops).
    @Test func aConsumerWhoseConnectionClosedWhileConnectingIsNotAdded() async throws {
        try await withInMemoryNode { node in
            let admin = try await node.connect()
            var settings = PersistentSubscriptionTests.settings("late-1", "g")
            settings.subscriberMaxCount = 1
            #expect(try await admin.createGroup(settings).result == .success)
            for _ in 0..<20 {
                let doomed = try await node.connect()
                var request = ESConnectToPersistentSubscription()
                request.eventStreamID = "late-1"
                request.subscriptionID = "g"
                request.allowedInFlightMessages = 1
                try await doomed.send(TCPPackage(command: .connectToPersistentSubscription, correlationID: UUID(),
                                                 credentials: TCPCredentials.password(login: "admin", password: "changeit"),
                                                 message: request))
                await doomed.close()
            }
            // The only slot is free: a live consumer gets in (wait until the closes are processed).
            let consumer = try await node.connect()
            #expect(try await eventually(timeout: .seconds(20)) {
                guard let (id, _) = try? await consumer.connectGroup("late-1", "g", allowed: 1) else { return false }
                try await consumer.send(TCPPackage(command: .unsubscribeFromStream, correlationID: id))
                return true
            })
        }
    }

    /// A group starting at the end of a hard-deleted stream (whose last number is Int64.max).
    @Test func aGroupOnAHardDeletedStreamDoesNotCrashTheNode() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("gone-2", count: 1)
            _ = try await client.delete("gone-2", hard: true)
            let created = try await client.createGroup(PersistentSubscriptionTests.settings("gone-2", "g", startFrom: -1))
            #expect(created.result == .success)
            #expect(try await client.updateGroup(PersistentSubscriptionTests.settings("gone-2", "g", startFrom: -1)).result == .success)
            #expect(try await client.fill("alive-2", count: 1).result == .success)
        }
    }

    /// A second subscribe on a correlation id still in use is refused; the first is answered.
    @Test func aSubscribeReusingALiveIDIsRefusedAndTheFirstIsAnswered() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var request = ESSubscribeToStream()
            request.eventStreamID = "dup-1"
            let id = UUID()
            try await client.send(TCPPackage(command: .subscribeToStream, correlationID: id, message: request))
            try await client.send(TCPPackage(command: .subscribeToStream, correlationID: id, message: request))
            let answers = [try await client.receive(id: id).command, try await client.receive(id: id).command]
            #expect(Set(answers) == [.subscriptionConfirmation, .badRequest])
            #expect(node.subscriptionCount == 1)
        }
    }
}
