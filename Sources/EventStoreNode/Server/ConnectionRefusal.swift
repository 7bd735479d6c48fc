import EventStoreWire
import Logging
import NIOCore

/// Turns away a connection over `--max-connections`: once the channel is active, one BadRequest
/// saying why, then close. It is the only handler of such a channel.
final class ConnectionRefusal: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limit: Int
    private let logger: Logger

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        logger.warning("refusing connection from \(context.remoteAddress.map { "\($0)" } ?? "?"): \(limit) connections open")
        let package = TCPPackage(command: .badRequest, correlationID: .zero,
                                 payload: ByteBuffer(string: "Too many connections: this node accepts \(limit) at once."))
        guard let frame = try? package.encodedFrame() else {
            context.close(promise: nil)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Whatever the client sends is ignored: the connection is closing.
    }
}
