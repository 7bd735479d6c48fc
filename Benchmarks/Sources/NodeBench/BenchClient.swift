import EventStoreWire
import Foundation
import NIOCore
import NIOPosix
import SwiftProtobuf

/// Why a benchmark request failed.
struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
}

/// A minimal pipelined protocol client: any number of requests in flight on one connection,
/// replies matched by correlation id, server heartbeats answered. No retries, no reconnects.
final class BenchClient: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects to a node's TCP endpoint.
    static func connect(host: String, port: Int) async throws -> BenchClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(TCPFrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(ReplyMatcher())
                }
            }
            .connect(host: host, port: port).get()
        return BenchClient(channel: channel)
    }

    /// Sends `package` and returns the first package with its correlation id.
    func request(_ package: TCPPackage) async throws -> TCPPackage {
        let reply = channel.eventLoop.makePromise(of: TCPPackage.self)
        channel.writeAndFlush(PendingRequest(package: package, reply: reply), promise: nil)
        return try await reply.futureResult.get()
    }

    /// Sends a message and decodes the reply as `R`; any other reply command is an error.
    func request<R: SwiftProtobuf.Message>(_ command: TCPCommand, _ message: some SwiftProtobuf.Message,
                                           as type: R.Type) async throws -> R {
        let reply = try await request(TCPPackage(command: command, correlationID: UUID(), message: message))
        guard reply.command == command.replyCommand else {
            throw BenchError(description: "\(command) answered with \(reply.command)")
        }
        return try reply.decodeMessage(as: type)
    }

    /// Closes the connection.
    func close() async {
        try? await channel.close()
    }
}

/// A request on its way to the socket, with the promise its reply completes.
private struct PendingRequest: Sendable {
    var package: TCPPackage
    var reply: EventLoopPromise<TCPPackage>
}

/// Keeps the reply promises of in-flight requests (event-loop confined) and completes them.
private final class ReplyMatcher: ChannelDuplexHandler {
    typealias InboundIn = TCPPackage
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = TCPPackage

    private var waiting: [UUID: EventLoopPromise<TCPPackage>] = [:]

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        let id = request.package.correlationID
        waiting[id] = request.reply
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenFailure { [weak self] error in
            self?.waiting.removeValue(forKey: id)?.fail(error)
        }
        promise.map { written.futureResult.cascade(to: $0) }
        context.write(wrapOutboundOut(request.package), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let package = unwrapInboundIn(data)
        if package.command == .heartbeatRequest {
            context.writeAndFlush(wrapOutboundOut(TCPPackage(command: .heartbeatResponse, correlationID: package.correlationID)),
                                  promise: nil)
            return
        }
        waiting.removeValue(forKey: package.correlationID)?.succeed(package)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let pending = waiting
        waiting = [:]
        pending.values.forEach { $0.fail(BenchError(description: "connection closed")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
