import EventStoreWire
import Logging
import NIOCore

/// Turns away a connection over `--max-connections`: one BadRequest saying why, then close.
enum ConnectionRefusal {
    static func refuse(_ channel: any Channel, limit: Int, logger: Logger) -> EventLoopFuture<Void> {
        logger.warning("refusing connection from \(channel.remoteAddress.map { "\($0)" } ?? "?"): \(limit) connections open")
        let package = TCPPackage(command: .badRequest, correlationID: .zero,
                                 payload: ByteBuffer(string: "Too many connections: this node accepts \(limit) at once."))
        guard let frame = try? package.encodedFrame() else { return channel.close() }
        return channel.writeAndFlush(frame).flatMap { channel.close() }.recover { _ in }
    }
}
