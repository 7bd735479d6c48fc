import EventStoreWire
import Foundation
import NIOCore
import NIOHTTP1

/// A cluster member as `/gossip` reports it.
struct GossipMember: Sendable {
    var instanceID: UUID
    var state: String
    var tcp: NodeConfiguration.Endpoint
    var httpPort: Int
    var lastCommitPosition: Int64

    /// The member object in the 20.x shape, plus the 5.x http keys so older parsers work too.
    var json: JSONValue {
        .object([
            ("instanceId", .string(instanceID.dotNetString)),
            ("timeStamp", .string(ISO8601DateFormatter().string(from: Date()))),
            ("state", .string(state)),
            ("isAlive", .bool(true)),
            ("internalTcpIp", .string(tcp.host)), ("internalTcpPort", .int(0)), ("internalSecureTcpPort", .int(0)),
            ("externalTcpIp", .string(tcp.host)), ("externalTcpPort", .int(Int64(tcp.port))),
            ("externalSecureTcpPort", .int(0)),
            ("httpEndPointIp", .string(tcp.host)), ("httpEndPointPort", .int(Int64(httpPort))),
            ("externalHttpIp", .string(tcp.host)), ("externalHttpPort", .int(Int64(httpPort))),
            ("internalHttpIp", .string(tcp.host)), ("internalHttpPort", .int(Int64(httpPort))),
            ("lastCommitPosition", .int(lastCommitPosition)), ("writerCheckpoint", .int(lastCommitPosition)),
            ("chaserCheckpoint", .int(lastCommitPosition)), ("epochPosition", .int(0)), ("epochNumber", .int(0)),
            ("epochId", .string(UUID.zero.dotNetString)), ("nodePriority", .int(0)), ("isReadOnlyReplica", .bool(false)),
        ])
    }
}

/// Serves `GET /gossip` (cluster members) and `GET /ping` over HTTP/1.1.
final class GossipHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The current members; called on the event loop for every request, so it must not block (no
    /// database query: the node passes positions it keeps in memory).
    private let members: @Sendable () -> (members: [GossipMember], server: NodeConfiguration.Endpoint)
    private var request: HTTPRequestHead?

    init(members: @escaping @Sendable () -> (members: [GossipMember], server: NodeConfiguration.Endpoint)) {
        self.members = members
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    /// A request the HTTP parser cannot read has been answered 400 by NIO's error handler; the
    /// connection is closed (the parser cannot recover its place in the byte stream).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let (status, body): (HTTPResponseStatus, JSONValue)
        switch (head.method, path) {
        case (.GET, "/gossip"):
            let snapshot = members()
            status = .ok
            body = .object([("members", .array(snapshot.members.map(\.json))), ("serverIp", .string(snapshot.server.host)),
                            ("serverPort", .int(Int64(snapshot.server.port)))])
        case (.GET, "/ping"):
            status = .ok
            body = .object([("text", .string("Ping request successfully handled"))])
        default:
            status = .notFound
            body = .object([("error", .string("not found: \(head.method) \(path)"))])
        }
        let bytes = ByteBuffer(string: body.compactText)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { loopBound.value.close(promise: nil) }
        }
    }
}
