@testable import EventStoreNode
import EventStoreGRPC
import EventStoreTesting
import Foundation
import GRPCCore
import GRPCProtobuf
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

/// Bad input on the HTTP port: each bad connection is closed or refused with the status KurrentDB
/// would send, and the node goes on serving everyone else.
@Suite struct HTTPPortHostileTests {
    @Test func prefaceIsTellingApartFromHTTP1() {
        let preface = HTTPVersionSniffer.preface
        #expect(HTTPVersionSniffer.classify(ByteBuffer(bytes: preface).readableBytesView) == .http2)
        #expect(HTTPVersionSniffer.classify(ByteBuffer(bytes: preface.prefix(10)).readableBytesView) == nil)
        #expect(HTTPVersionSniffer.classify(ByteBuffer(string: "GET /gossip HTTP/1.1\r\n").readableBytesView) == .http1)
        #expect(HTTPVersionSniffer.classify(ByteBuffer(string: "P").readableBytesView) == nil)
        #expect(HTTPVersionSniffer.classify(ByteBuffer(string: "POST").readableBytesView) == .http1)
    }

    @Test func silentConnectionIsClosedAfterTheTimeout() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(HTTPVersionSniffer(timeout: .seconds(10)) { _, _ in
            Issue.record("no protocol was chosen")
        })
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "PRI * HT"))
        loop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func garbageAfterThePrefaceClosesThatConnectionOnly() async throws {
        try await withInMemoryNode { node in
            var garbage = HTTPVersionSniffer.preface
            garbage += [UInt8](repeating: 0xFF, count: 64)
            let answer = try await Self.exchange(garbage, with: node.httpEndpoint)
            // NIOHTTP2 answers a broken first frame with GOAWAY (frame type 7) and closes.
            #expect(answer.count >= 9 && answer.contains(0x07))
            try await Self.expectStillServing(node)
        }
    }

    @Test func malformedHTTP1RequestGets400() async throws {
        try await withInMemoryNode { node in
            let answer = try await Self.exchange(Array("HELLO\u{0}\r\n\r\n".utf8), with: node.httpEndpoint)
            #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 400"))
            try await Self.expectStillServing(node)
        }
    }

    /// Requests up to 16 MiB are read (KurrentDB's limit; grpc-swift's default is 4 MiB); a larger
    /// one fails the call alone. (KurrentDB answers RESOURCE_EXHAUSTED; grpc-swift's server resets
    /// the stream instead: docs/grpc.md.)
    @Test func requestsUpTo16MiBAreReadAndLargerOnesFailAlone() async throws {
        try await withInMemoryNode { node in
            let fifteen = try await Self.gossip(node, messageBytes: 15 * 1024 * 1024)
            #expect(fifteen.members.count == 1)
            let error = await #expect(throws: RPCError.self) {
                try await Self.gossip(node, messageBytes: 17 * 1024 * 1024)
            }
            #expect(error != nil)
            try await Self.expectStillServing(node)
        }
    }

    /// Gossip.Read with an `Empty` request padded by an unknown field to `messageBytes`.
    static func gossip(_ node: EventStoreNodeServer, messageBytes: Int) async throws -> EventStore_Client_Gossip_ClusterInfo {
        // Field 1, length-delimited: tag, varint length, payload.
        let payloadLength = messageBytes - 5
        var message: [UInt8] = [0x0A]
        var length = payloadLength
        while length >= 0x80 {
            message.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        message.append(UInt8(length))
        message += [UInt8](repeating: 0x41, count: messageBytes - message.count)
        let padded = message
        return try await node.withGRPCClient { client in
            try await client.unary(
                request: ClientRequest(message: padded),
                descriptor: EventStore_Client_Gossip_Gossip.Method.Read.descriptor,
                serializer: RawBytes(), deserializer: ProtobufDeserializer<EventStore_Client_Gossip_ClusterInfo>(),
                options: CallOptions.defaults.with { $0.maxRequestMessageBytes = 32 * 1024 * 1024 }
            ) { try $0.message }
        }
    }

    /// A gossip call still succeeds.
    static func expectStillServing(_ node: EventStoreNodeServer) async throws {
        let info = try await node.withGRPCClient { client in
            try await EventStore_Client_Gossip_Gossip.Client(wrapping: client).read(EventStore_Client_Empty())
        }
        #expect(info.members.count == 1)
    }

    /// Writes `bytes` on a new connection and returns what the node sent until it closed the
    /// connection; fails after 20 s.
    static func exchange(_ bytes: [UInt8], with endpoint: NodeConfiguration.Endpoint) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: bytes))
                    var received: [UInt8] = []
                    for try await chunk in inbound { received += chunk.readableBytesView }
                    return received
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw ExchangeTimedOut() }
            return first
        }
    }
}

/// The node neither answered nor closed the connection within the deadline.
private struct ExchangeTimedOut: Error {}

extension CallOptions {
    /// These options with `change` applied.
    func with(_ change: (inout CallOptions) -> Void) -> CallOptions {
        var copy = self
        change(&copy)
        return copy
    }
}
