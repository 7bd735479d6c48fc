import EventStoreWire
import NIOCore

/// The last handler of a client connection's pipeline: passes packages and the connection's
/// end to the driver, tagged with the connection's generation so stale events are ignored.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = TCPPackage

    private let driver: ConnectionDriver
    private let generation: Int
    private var failure: String?

    init(driver: ConnectionDriver, generation: Int) {
        self.driver = driver
        self.generation = generation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver.received(unwrapInboundIn(data), generation: generation)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        driver.flushIfNeeded()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failure = "\(error)"
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.connectionClosed(generation: generation, reason: failure ?? "connection closed by the server")
    }
}
