import GRPCNIOTransportHTTP2Posix
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Carries HTTP/2 connections accepted on the HTTP port to grpc-swift's server transport.
///
/// The transport consumes a `NIOAsyncChannel` of configured connections. Ours is a channel over
/// the read end of an idle pipe: it carries no bytes, only the connections fired through its
/// pipeline by ``deliver(_:)``; closing it (``close()``) ends the transport's listen loop.
final class ConnectionRelay: Sendable {
    typealias Connection = HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel

    let asyncChannel: NIOAsyncChannel<Connection, Never>
    private let channel: any Channel
    private let writeEnd: CInt
    private let injector: NIOLoopBound<Injector>

    private init(asyncChannel: NIOAsyncChannel<Connection, Never>, channel: any Channel, writeEnd: CInt,
                 injector: NIOLoopBound<Injector>) {
        self.asyncChannel = asyncChannel
        self.channel = channel
        self.writeEnd = writeEnd
        self.injector = injector
    }

    static func make(group: any EventLoopGroup) async throws -> ConnectionRelay {
        var ends: [CInt] = [0, 0]
        guard pipe(&ends) == 0 else { throw IOError(errnoCode: errno, reason: "pipe") }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let channel: any Channel
        do {
            channel = try await NIOPipeBootstrap(group: group).takingOwnershipOfDescriptor(input: readEnd).get()
        } catch {
            closeDescriptor(readEnd)
            closeDescriptor(writeEnd)
            throw error
        }
        return try await channel.eventLoop.submit {
            let injector = Injector()
            try channel.pipeline.syncOperations.addHandler(injector)
            let asyncChannel = try NIOAsyncChannel<Connection, Never>(wrappingChannelSynchronously: channel)
            return ConnectionRelay(asyncChannel: asyncChannel, channel: channel, writeEnd: writeEnd,
                                   injector: NIOLoopBound(injector, eventLoop: channel.eventLoop))
        }.get()
    }

    /// Hands a configured HTTP/2 connection to the transport; closes `socket` (the connection's
    /// own channel) when the transport has stopped listening.
    func deliver(_ connection: Connection, socket: any Channel) {
        let injector = self.injector
        channel.eventLoop.execute {
            if !injector.value.inject(connection) { socket.close(promise: nil) }
        }
    }

    /// Ends the stream of connections (the transport stops listening); idempotent.
    func close() {
        channel.close(promise: nil)
        let writeEnd = self.writeEnd
        channel.closeFuture.whenComplete { _ in closeDescriptor(writeEnd) }
    }

    /// Fires connections into the relay channel's pipeline, towards the async channel's handler.
    private final class Injector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = Connection
        private var context: ChannelHandlerContext?

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
        }

        /// The pipe never carries data; anything read is dropped.
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

        /// False when the relay is closed.
        func inject(_ connection: Connection) -> Bool {
            guard let context, context.channel.isActive else { return false }
            context.fireChannelRead(wrapInboundOut(connection))
            context.fireChannelReadComplete()
            return true
        }
    }
}

private func closeDescriptor(_ descriptor: CInt) {
    _ = close(descriptor)
}
