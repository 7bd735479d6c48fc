import NIOCore

/// Sits before the frame decoder and tells the connection handler, by a user event, that bytes
/// arrived — whole frames or not. The server's heartbeat counts received bytes (docs/protocol.md §4.2).
final class ReceivedBytesMarker: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The user event fired for every read.
    struct Event: Sendable {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(Event())
        context.fireChannelRead(data)
    }
}
