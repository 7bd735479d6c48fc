import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The node's HTTP port: the KurrentDB gRPC client API and HTTP/1.1 `/gossip`, `/ping` on one
/// socket (``HTTPPortListener``), served by grpc-swift over the same engine as the TCP door.
final class GRPCDoor: Sendable {
    /// The port bound (the configured one, or the free one picked for 0).
    let port: Int
    private let server: GRPCServer<HTTP2ServerTransport.Custom<HTTPPortListener>>
    private let serving: Task<Void, any Error>
    private let listeningChannel: LockedValue<(any Channel)?>

    private init(port: Int, server: GRPCServer<HTTP2ServerTransport.Custom<HTTPPortListener>>,
                 serving: Task<Void, any Error>, listeningChannel: LockedValue<(any Channel)?>) {
        self.port = port
        self.server = server
        self.serving = serving
        self.listeningChannel = listeningChannel
    }

    /// Transport settings as KurrentDB's: clients may ping every 10 s with no call open (its
    /// clients do), the node pings every 10 s, requests up to 16 MiB (docs/grpc.md §2.9).
    static var transportConfig: HTTP2ServerTransport.Custom<HTTPPortListener>.Config {
        var config = HTTP2ServerTransport.Custom<HTTPPortListener>.Config.defaults
        config.connection.keepalive = HTTP2ServerTransport.Config.Keepalive(
            time: .seconds(10), timeout: .seconds(10),
            clientBehavior: HTTP2ServerTransport.Config.ClientKeepaliveBehavior(
                minPingIntervalWithoutCalls: .seconds(5), allowWithoutCalls: true))
        config.connection.maxIdleTime = nil
        config.rpc.maxRequestPayloadSize = 16 * 1024 * 1024
        return config
    }

    /// Binds the HTTP port and starts serving; throws when the port cannot be bound.
    static func start(
        node: NodeContext, sslContext: NIOSSLContext?, members: @escaping @Sendable () -> (members: [GossipMember], server: NodeConfiguration.Endpoint),
        admit: @escaping @Sendable (any Channel) -> Bool
    ) async throws -> GRPCDoor {
        let listeningChannel = LockedValue<(any Channel)?>(nil)
        let listener = HTTPPortListener(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, host: node.configuration.bindHost,
            port: node.configuration.httpPort, sslContext: sslContext,
            makeHTTP1Handler: { GossipHTTPHandler(members: members) }, admit: admit,
            didBind: { channel in listeningChannel.value = channel })
        let transport = HTTP2ServerTransport.Custom(listenerFactory: listener, config: transportConfig)
        let router = GRPCServices.router(node: node, members: { members().members }, transport: type(of: transport))
        let server = GRPCServer(transport: transport, router: router)
        let serving = Task { try await server.serve() }
        // Resolves once the listener is up or has failed (the relay has no socket address itself).
        _ = await transport.listeningAddress
        guard let port = listeningChannel.value?.localAddress?.port else {
            // The listener failed: serve() has ended with the reason.
            try await serving.value
            throw GRPCDoorError.notListening
        }
        return GRPCDoor(port: port, server: server, serving: serving, listeningChannel: listeningChannel)
    }

    /// Stops accepting, ends every call (subscriptions included) and waits for the server to stop.
    func shutdown() async {
        server.beginGracefulShutdown()
        if let channel = listeningChannel.value { try? await channel.close() }
        serving.cancel()
        _ = try? await serving.value
    }
}

/// The gRPC server ended before it listened, without saying why.
struct GRPCDoorError: Error, CustomStringConvertible {
    static let notListening = GRPCDoorError()
    var description: String { "the HTTP port's gRPC server stopped before listening" }
}

/// A value read and written from any thread (the bound socket, the router's method list).
final class LockedValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        storage = Mutex(value)
    }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
