import GRPCNIOTransportHTTP2Posix
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// The node's HTTP port, as KurrentDB serves it: HTTP/1.1 (`/gossip`, `/ping`, `/info`) and gRPC
/// over HTTP/2 on one socket (docs/grpc.md §1).
///
/// Without TLS the first bytes decide: the HTTP/2 connection preface means gRPC (prior knowledge,
/// as every KurrentDB client sends in cleartext), anything else is HTTP/1.1. With TLS, ALPN decides
/// (`h2` or `http/1.1`; no ALPN means HTTP/1.1).
///
/// grpc-swift's server transport takes accepted connections from a ``HTTP2ServerTransport/ListenerFactory``.
/// This factory binds the real socket itself, gives HTTP/1.1 connections their own pipeline, and
/// hands only the HTTP/2 ones to the transport through a ``ConnectionRelay``.
struct HTTPPortListener: HTTP2ServerTransport.ListenerFactory {
    let eventLoopGroup: any EventLoopGroup
    let host: String
    let port: Int
    /// TLS for the port (with ALPN `h2` and `http/1.1`); nil for cleartext.
    let sslContext: NIOSSLContext?
    /// Builds the HTTP/1.1 request handler of one connection.
    let makeHTTP1Handler: @Sendable () -> any ChannelHandler
    /// Admits a new connection (the node's connection limit); false closes it at once.
    let admit: @Sendable (any Channel) -> Bool
    /// Learns the bound socket, once (port 0 picks a free one).
    let didBind: @Sendable (any Channel) -> Void

    func makeListeningChannel(
        listenerConfigurator: HTTP2ServerTransport.ListenerConfigurator,
        connectionConfigurator: HTTP2ServerTransport.ConnectionConfigurator
    ) async throws -> NIOAsyncChannel<HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel, Never> {
        let relay = try await ConnectionRelay.make(group: eventLoopGroup)
        let (sslContext, makeHTTP1Handler, admit) = (self.sslContext, self.makeHTTP1Handler, self.admit)
        let serverChannel: any Channel
        do {
            serverChannel = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .serverChannelInitializer { channel in listenerConfigurator.configure(channel: channel) }
                .childChannelInitializer { channel in
                    // A failed initializer closes the connection.
                    guard admit(channel) else { return channel.eventLoop.makeFailedFuture(ConnectionLimitReached()) }
                    return channel.eventLoop.makeCompletedFuture {
                        let route: @Sendable (HTTPPortProtocol, any Channel) throws -> Void = { chosen, channel in
                            switch chosen {
                            case .http1:
                                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                                try channel.pipeline.syncOperations.addHandler(makeHTTP1Handler())
                            case .http2:
                                let configured = connectionConfigurator.configure(
                                    channel: channel, tls: sslContext == nil ? .none : .configured(requireALPN: false))
                                configured.whenSuccess { relay.deliver($0, socket: channel) }
                                configured.whenFailure { _ in channel.close(promise: nil) }
                            }
                        }
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                            try channel.pipeline.syncOperations.addHandler(
                                ApplicationProtocolNegotiationHandler { (result: ALPNResult, channel: any Channel) in
                                    channel.eventLoop.makeCompletedFuture {
                                        if case .negotiated("h2") = result {
                                            try route(.http2, channel)
                                        } else {
                                            try route(.http1, channel)
                                        }
                                    }
                                })
                        } else {
                            try channel.pipeline.syncOperations.addHandler(HTTPVersionSniffer(route: route))
                        }
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            relay.close()
            throw error
        }
        // The transport's listen loop ends when the relay ends; the relay ends with the socket.
        serverChannel.closeFuture.whenComplete { _ in relay.close() }
        didBind(serverChannel)
        return relay.asyncChannel
    }
}

/// A connection over the node's connection limit, closed as soon as it is accepted.
struct ConnectionLimitReached: Error {}

/// Which protocol a connection on the HTTP port speaks.
enum HTTPPortProtocol: Sendable {
    case http1
    case http2
}

extension NIOSSLContext {
    /// The server context of the HTTP port: the node's certificate with ALPN `http/1.1` and `h2`.
    ///
    /// The server's order wins: a client offering both (a browser, curl) gets HTTP/1.1 and so
    /// `/gossip` and `/ping`, while gRPC clients, which offer only `h2`, get HTTP/2. (The HTTP/2
    /// side serves gRPC only.)
    static func httpPort(for tls: NodeConfiguration.TLS) throws -> NIOSSLContext {
        try NodeTLSError.makeContext(for: tls, applicationProtocols: ["http/1.1", "h2"])
    }
}
