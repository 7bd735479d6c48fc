import NIOCore

/// The first handler of a cleartext connection on the HTTP port: waits for enough bytes to tell
/// the HTTP/2 connection preface from an HTTP/1.1 request line, installs that protocol's pipeline
/// behind itself, replays what it has read and leaves.
final class HTTPVersionSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// What every HTTP/2 client sends first when it knows the server speaks HTTP/2 (RFC 9113 §3.4).
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let route: (HTTPPortProtocol, any Channel) throws -> Void
    private var buffered: ByteBuffer?

    init(route: @escaping (HTTPPortProtocol, any Channel) throws -> Void) {
        self.route = route
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
        context.fireChannelRead(wrapInboundOut(bytes))
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        buffered = nil
        context.fireChannelInactive()
    }
}
