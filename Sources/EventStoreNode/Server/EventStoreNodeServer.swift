import EventStoreWire
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An embedded node that speaks EventStoreDB's TCP protocol, for tools and tests.
///
/// ```swift
/// var configuration = NodeConfiguration(storage: .memory)
/// configuration.tcpPort = 0
/// configuration.httpPort = 0
/// let node = try await EventStoreNodeServer.start(configuration)
/// print(node.tcpEndpoint)      // 127.0.0.1:<free port>
/// await node.shutdown()
/// ```
public final class EventStoreNodeServer: Sendable {
    /// Where clients connect over TCP.
    public let tcpEndpoint: NodeConfiguration.Endpoint
    /// The HTTP port: the gRPC client API, and `/gossip` and `/ping` over HTTP/1.1.
    public let httpEndpoint: NodeConfiguration.Endpoint
    /// The configuration the node runs with.
    public let configuration: NodeConfiguration

    private let storage: NodeStorage
    private let engine: NodeEngine
    private let tcpChannel: any Channel
    private let door: GRPCDoor
    private let threadPool: NIOThreadPool
    private let connections: ConnectionRegistry

    private init(configuration: NodeConfiguration, storage: NodeStorage, engine: NodeEngine, tcpChannel: any Channel,
                 door: GRPCDoor, threadPool: NIOThreadPool, connections: ConnectionRegistry) {
        self.connections = connections
        self.configuration = configuration
        self.storage = storage
        self.engine = engine
        self.tcpChannel = tcpChannel
        self.door = door
        self.threadPool = threadPool
        self.tcpEndpoint = NodeConfiguration.Endpoint(host: configuration.bindHost, port: tcpChannel.localAddress?.port ?? 0)
        self.httpEndpoint = NodeConfiguration.Endpoint(host: configuration.bindHost, port: door.port)
    }

    /// A short description of where the data lives: a path, or `memory`.
    public var databaseDescription: String {
        storage.isInMemory ? "memory" : storage.path
    }

    /// Opens the storage, binds both ports and starts serving.
    ///
    /// - Throws: ``NodeTLSError`` when `configuration.tls` names files that cannot be read or used
    ///   (checked before the storage is opened); storage and bind errors otherwise.
    public static func start(_ configuration: NodeConfiguration, logger: Logger = Logger(label: "esdb.node")) async throws
        -> EventStoreNodeServer {
        let sslContext = try configuration.tls.map { try NodeTLSError.makeContext(for: $0) }
        let storage: NodeStorage
        switch configuration.storage {
        case .file(let path): storage = try NodeStorage.open(path: path)
        case .memory: storage = try NodeStorage.openInMemory()
        }
        storage.whenWriterFails { reason in
            logger.critical("storage failed, the node refuses every write until restarted: \(reason)")
        }
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        do {
            let engine = try NodeEngine(storage: storage, access: AccessControl(denyAnonymous: configuration.denyAnonymous),
                                        accounts: configuration.users, threadPool: threadPool,
                                        transactionLimits: configuration.transactionLimits,
                                        runsStandardProjections: configuration.runsStandardProjections)
            let leaderInfo = configuration.followerOf.map { leader in
                var info = ESNotHandled.LeaderInfo()
                info.externalTcpAddress = leader.host
                info.externalTcpPort = Int32(leader.port)
                info.httpAddress = leader.host
                info.httpPort = Int32(configuration.leaderHTTPPort)
                return info
            }
            let context = NodeContext(engine: engine, configuration: configuration, logger: logger, leaderInfo: leaderInfo)
            let group = MultiThreadedEventLoopGroup.singleton
            let connections = ConnectionRegistry()
            let tcpChannel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    guard connections.add(channel, limit: configuration.maxConnections) else {
                        return channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                ConnectionRefusal(limit: configuration.maxConnections, logger: logger))
                        }
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        try channel.pipeline.syncOperations.addHandler(ReceivedBytesMarker())
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(TCPFrameEncoder()))
                        try channel.pipeline.syncOperations.addHandler(NodeConnectionHandler(node: context))
                    }
                }
                .bind(host: configuration.bindHost, port: configuration.tcpPort).get()
            let tcpPort = tcpChannel.localAddress?.port ?? configuration.tcpPort
            let selfID = UUID()
            let leaderID = UUID()
            let bindHost = configuration.bindHost
            let httpPortBox = PortBox()
            let writer = engine.writer
            let members: @Sendable () -> (members: [GossipMember], server: NodeConfiguration.Endpoint) = {
                let me = NodeConfiguration.Endpoint(host: bindHost, port: tcpPort)
                let position = writer.lastCommittedPosition  // in memory: no query on the event loop
                var members = [GossipMember(instanceID: selfID, state: leaderInfo == nil ? "Leader" : "Follower",
                                            tcp: me, httpPort: httpPortBox.port, lastCommitPosition: position)]
                if let leader = configuration.followerOf {
                    members.append(GossipMember(instanceID: leaderID, state: "Leader", tcp: leader,
                                                httpPort: configuration.leaderHTTPPort, lastCommitPosition: position))
                }
                return (members, NodeConfiguration.Endpoint(host: bindHost, port: httpPortBox.port))
            }
            let httpSSLContext = try configuration.tls.map(NIOSSLContext.httpPort(for:))
            let door: GRPCDoor
            do {
                door = try await GRPCDoor.start(node: context, sslContext: httpSSLContext, members: members) { channel in
                    connections.acceptedHTTP.add(1, ordering: .relaxed)
                    return connections.add(channel, limit: configuration.maxConnections)
                }
            } catch {
                try? await tcpChannel.close()
                throw error
            }
            httpPortBox.port = door.port
            return EventStoreNodeServer(configuration: configuration, storage: storage, engine: engine, tcpChannel: tcpChannel,
                                        door: door, threadPool: threadPool, connections: connections)
        } catch {
            storage.close()
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening, drops subscriptions, lets queued writes finish and closes the storage.
    public func shutdown() async {
        try? await tcpChannel.close()
        await connections.closeAll()
        await door.shutdown()
        await engine.tasks.shutdown()
        engine.shutdown()
        storage.close()
        try? await threadPool.shutdownGracefully()
    }

    /// Number of group commits so far (for benchmarks and tests).
    public var commitCount: Int { engine.writer.stats.commits }

    /// Number of request tasks still running (reads, deletes, transactions, subscribes).
    public var requestTaskCount: Int { engine.tasks.count }

    /// Number of live subscriptions across all connections (a closed connection's are gone).
    public var subscriptionCount: Int { engine.hub.count }

    /// The storage's fault injection, for tests (see ``StorageFaults``).
    package var storageFaults: StorageFaults { storage.faults }

    /// Connections accepted on the HTTP port so far (HTTP/1.1 and gRPC), for tests.
    package var acceptedHTTPConnections: Int { connections.acceptedHTTP.load(ordering: .relaxed) }

    /// Connections borrowed from the storage's reader pool so far (one per read), for tests.
    package var storageReadCount: Int { storage.reader.checkoutCount }
}

/// Why the node's TLS settings cannot be used: an unreadable file, no certificate, a bad key.
public struct NodeTLSError: Error, Sendable, CustomStringConvertible {
    /// One line naming the file and the reason.
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    /// Loads the certificate chain and key and builds the server context, once per node.
    static func makeContext(for tls: NodeConfiguration.TLS, applicationProtocols: [String] = []) throws -> NIOSSLContext {
        let chainPath = tls.certificateChainPath
        let keyPath = tls.privateKeyPath
        let chainBytes = try readFile(chainPath, what: "certificate chain")
        let keyBytes = try readFile(keyPath, what: "private key")
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(chainBytes)
        } catch {
            throw NodeTLSError("cannot parse the TLS certificate chain \(chainPath) (expected PEM certificates): \(error)")
        }
        guard !chain.isEmpty else {
            throw NodeTLSError("the TLS certificate chain \(chainPath) holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw NodeTLSError("cannot parse the TLS private key \(keyPath) (expected an unencrypted PEM key): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = applicationProtocols
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw NodeTLSError("the TLS private key \(keyPath) does not fit the certificate in \(chainPath): \(error)")
        }
    }

    private static func readFile(_ path: String, what: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw NodeTLSError("cannot read the TLS \(what) \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NodeTLSError("cannot read the TLS \(what) \(path): not a readable file")
        }
        return Array(data)
    }
}

/// A port learned after binding, read by request handlers.
private final class PortBox: Sendable {
    private let value = Mutex(0)
    var port: Int {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// The node's open client connections, so shutdown can close them.
private final class ConnectionRegistry: Sendable {
    private let channels = Mutex([ObjectIdentifier: any Channel]())
    /// Connections accepted on the HTTP port so far.
    let acceptedHTTP = Atomic<Int>(0)

    /// Registers `channel` unless `limit` channels are open already; false when refused.
    func add(_ channel: any Channel, limit: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        let added = channels.withLock { channels in
            guard channels.count < limit else { return false }
            channels[id] = channel
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.channels.withLock { $0.removeValue(forKey: id) }
        }
        return true
    }

    func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
    }
}
