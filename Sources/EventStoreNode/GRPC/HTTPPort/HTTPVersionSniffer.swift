import NIOCore

/// The first handler of a cleartext connection on the HTTP port: waits for enough bytes to tell
/// the HTTP/2 connection preface from an HTTP/1.1 request line, installs that protocol's pipeline
/// behind itself, replays what it has read and leaves. A connection that has not said which
/// protocol it speaks within ``timeout`` is closed (it would hold a connection slot forever).
final class HTTPVersionSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// What every HTTP/2 client sends first when it knows the server speaks HTTP/2 (RFC 9113 §3.4).
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// How long a new connection may take to send its first bytes.
    static let defaultTimeout = TimeAmount.seconds(10)

    private let route: (HTTPPortProtocol, any Channel) throws -> Void
    private let timeout: TimeAmount
    private var buffered: ByteBuffer?
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount = HTTPVersionSniffer.defaultTimeout, route: @escaping (HTTPPortProtocol, any Channel) throws -> Void) {
        self.timeout = timeout
        self.route = route
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armDeadline(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armDeadline(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func armDeadline(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
    }

    /// The protocol `bytes` begin, or nil while they are a strict prefix of the preface.
    static func classify(_ bytes: ByteBufferView) -> HTTPPortProtocol? {
        for (offset, byte) in bytes.prefix(preface.count).enumerated() where byte != preface[offset] {
            return .http1
        }
        return bytes.count >= preface.count ? .http2 : nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffered == nil {
            buffered = incoming
        } else {
            buffered!.writeBuffer(&incoming)
        }
        guard let bytes = buffered, let chosen = Self.classify(bytes.readableBytesView) else { return }
        do {
            try route(chosen, context.channel)
        } catch {
            context.close(promise: nil)
            return
        }
        buffered = nil
        deadline?.cancel()
        deadline = nil
        context.fireChannelRead(wrapInboundOut(bytes))
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        buffered = nil
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
