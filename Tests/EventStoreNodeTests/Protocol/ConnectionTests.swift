import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import NIOCore
import Testing

/// Connection-level behaviour: heartbeats, ping, identify, authentication, bad input.
@Suite struct ConnectionTests {
    @Test func pingIsEchoed() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let ping = TCPPackage(command: .ping, correlationID: UUID(), payload: ByteBuffer(bytes: [1, 2, 3]))
            let pong = try await client.request(ping)
            #expect(pong.command == .pong)
            #expect(Array(pong.payload.readableBytesView) == [1, 2, 3])
        }
    }

    @Test func heartbeatRequestIsAnswered() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let reply = try await client.request(TCPPackage(command: .heartbeatRequest, correlationID: UUID()))
            #expect(reply.command == .heartbeatResponse)
        }
    }

    @Test func identifyClientIsConfirmed() async throws {
        try await withInMemoryNode { node in
            try await node.connect().identify()
        }
    }

    @Test func silentClientIsProbedThenClosed() async throws {
        try await withInMemoryNode(configure: {
            $0.heartbeatInterval = .milliseconds(100)
            $0.heartbeatTimeout = .milliseconds(100)
        }) { node in
            let client = try await node.connect(answerHeartbeats: false)
            try await client.waitForClose(timeout: .seconds(5))
            #expect(client.unclaimed.contains { $0.command == .heartbeatRequest })
        }
    }

    @Test func answeringClientStaysConnected() async throws {
        try await withInMemoryNode(configure: {
            $0.heartbeatInterval = .milliseconds(50)
            $0.heartbeatTimeout = .seconds(2)   // generous: answers may be slow on a loaded machine
        }) { node in
            let client = try await node.connect(answerHeartbeats: true)
            // Wait until at least three probes were answered, then check the connection still works.
            let deadline = ContinuousClock.now + .seconds(5)
            while client.unclaimed.filter({ $0.command == .heartbeatRequest }).count < 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(client.unclaimed.filter { $0.command == .heartbeatRequest }.count >= 3)
            #expect(!client.isClosed)
            try await client.identify()
        }
    }

    @Test func authenticateOutcomes() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let missing = try await client.request(TCPPackage(command: .authenticate, correlationID: UUID()))
            #expect(missing.command == .notAuthenticated)
            #expect(String(buffer: missing.payload) == "No user credentials provided.")
            let good = try await client.request(TCPPackage(command: .authenticate, correlationID: UUID(), credentials: admin))
            #expect(good.command == .authenticated)
            // The connection now reads $all as admin without per-request credentials.
            let all = try await client.readAll(commit: 0, prepare: 0, count: 10, credentials: nil)
            #expect(all.result == .success)
            let bad = try await client.request(TCPPackage(command: .authenticate, correlationID: UUID(),
                                                          credentials: .password(login: "admin", password: "wrong")))
            #expect(bad.command == .notAuthenticated)
            // A rejected default makes later requests without credentials NotAuthenticated.
            var read = ESReadEvent()
            read.eventStreamID = "s"
            read.eventNumber = 0
            read.resolveLinkTos = false
            read.requireLeader = false
            let afterRejected = try await client.request(TCPPackage(command: .readEvent, correlationID: UUID(), message: read))
            #expect(afterRejected.command == .notAuthenticated)
        }
    }

    @Test func badPerRequestCredentialsGetNotAuthenticatedWithTheRequestID() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var read = ESReadEvent()
            read.eventStreamID = "s"
            read.eventNumber = 0
            read.resolveLinkTos = false
            read.requireLeader = false
            let request = TCPPackage(command: .readEvent, correlationID: UUID(),
                                     credentials: .password(login: "nobody", password: "x"), message: read)
            let reply = try await client.request(request)
            #expect(reply.command == .notAuthenticated)
            #expect(reply.correlationID == request.correlationID)
            let token = TCPPackage(command: .readEvent, correlationID: UUID(), credentials: .token("abc"), message: read)
            #expect(try await client.request(token).command == .notAuthenticated)
        }
    }

    @Test func trustedWriteIsRejectedAndClosed() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let package = TCPPackage(command: .writeEvents, flags: .trustedWrite, correlationID: UUID())
            let reply = try await client.request(package)
            #expect(reply.command == .badRequest)
            try await client.waitForClose()
        }
    }

    @Test func framingErrorsGetZeroIDBadRequestAndCloseWithoutHurtingOthers() async throws {
        try await withInMemoryNode { node in
            let bystander = try await node.connect()
            try await bystander.fill("bystander-1", count: 3)
            for garbage: [UInt8] in [[0, 0, 0, 0], [0xff, 0xff, 0xff, 0x7f], [5, 0, 0, 0, 1, 2, 3, 4, 5],
                                     [20, 0, 0, 0, 0x82, 0x01] + [UInt8](repeating: 0, count: 16) + [0xfe, 0x01]] {
                let client = try await node.connect()
                try await client.sendRaw(garbage)
                let reply = try await client.receive(id: .zero)
                #expect(reply.command == .badRequest)
                try await client.waitForClose()
            }
            let read = try await bystander.readStream("bystander-1", from: 0, count: 10)
            #expect(read.numbers == [0, 1, 2])
        }
    }

    @Test func unknownCommandsAndBadPayloadsGetBadRequestButKeepTheConnection() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let unknown = try await client.request(TCPPackage(command: TCPCommand(rawValue: 0x42), correlationID: UUID()))
            #expect(unknown.command == .badRequest)
            let garbage = try await client.request(TCPPackage(command: .writeEvents, correlationID: UUID(),
                                                              payload: ByteBuffer(bytes: [0x0a, 0xff, 0x01])))
            #expect(garbage.command == .badRequest)
            let replyCommand = try await client.request(TCPPackage(command: .writeEventsCompleted, correlationID: UUID()))
            #expect(replyCommand.command == .badRequest)
            let scavenge = try await client.request(TCPPackage(command: .scavengeDatabase, correlationID: UUID()))
            #expect(scavenge.command == .badRequest)
            #expect(String(buffer: scavenge.payload).contains("Scavenging is not supported"))
            #expect(!client.isClosed)
            try await client.identify()
        }
    }
}
