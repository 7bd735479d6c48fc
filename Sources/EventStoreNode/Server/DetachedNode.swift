import EventStoreWire
import Foundation
import GRPCCore
import Logging
import NIOCore
import NIOPosix

/// A node without sockets, for the server-side fuzzer (`Sources/NodeFuzzer`, `scripts/fuzz-node.sh`).
///
/// It is what ``EventStoreNodeServer/start(_:logger:)`` builds minus the listening channels: the
/// storage, the engine and the context every connection shares. ``addConnection(to:)`` installs the
/// handlers a TCP connection of the server gets (received-bytes marker, frame decoder, frame encoder,
/// `NodeConnectionHandler`) on any channel's pipeline — the fuzzer's is a `NIOAsyncTestingChannel`.
/// ``grpcRouter(transport:)`` is the HTTP port's gRPC router over the same context, for the gRPC
/// fuzzer (`Sources/GRPCFuzzer`, `scripts/fuzz-grpc.sh`), which serves it on an in-process transport.
/// Package access only: not part of the library's API.
package final class DetachedNode: Sendable {
    private let storage: NodeStorage
    private let engine: NodeEngine
    private let context: NodeContext

    /// Opens the storage `configuration` names and starts the engine on `threadPool` (which the
    /// caller owns and may share between nodes). The node is a leader (`followerOf` is ignored);
    /// the ports and TLS settings are unused. `logger` defaults to one that discards everything.
    package init(configuration: NodeConfiguration, threadPool: NIOThreadPool,
                 logger: Logger = Logger(label: "esdb.node.detached", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        switch configuration.storage {
        case .file(let path): storage = try NodeStorage.open(path: path)
        case .memory: storage = try NodeStorage.openInMemory()
        }
        do {
            engine = try NodeEngine(storage: storage, access: AccessControl(denyAnonymous: configuration.denyAnonymous),
                                    accounts: configuration.users, threadPool: threadPool,
                                    transactionLimits: configuration.transactionLimits,
                                    runsStandardProjections: configuration.runsStandardProjections)
        } catch {
            storage.close()
            throw error
        }
        context = NodeContext(engine: engine, configuration: configuration, logger: logger, leaderInfo: nil)
    }

    /// Adds a client connection's handlers to `pipeline` (call on the channel's event loop, before
    /// the channel becomes active). Returns the connection's handler as an opaque object: once the
    /// channel has closed and the work its requests started is done, nothing else should hold it,
    /// so a weak reference to it tells whether the node leaked the connection.
    package func addConnection(to pipeline: ChannelPipeline.SynchronousOperations) throws -> AnyObject {
        try context.addConnectionHandlers(to: pipeline)
    }

    /// The gRPC services the node's HTTP port registers (Streams, Users, Gossip, ServerFeatures…),
    /// built over this node's context. Gossip lists the node itself, a leader on port 0.
    package var grpcServices: [any RegistrableRPCService] {
        GRPCServices.make(node: context, members: { [Self.member] }, methods: { [] })
    }

    /// The router the HTTP port serves (``grpcServices`` registered, the methods the node answers
    /// `UNIMPLEMENTED` removed, `ServerFeatures` listing the rest), for any transport: pass it to a
    /// `GRPCServer` with that transport. With `followerOf`, the services see the configuration of a
    /// node following that leader (the engine is the same): a request with `requires-leader: true`
    /// is then refused with the leader's endpoint, as on a follower's HTTP port.
    package func grpcRouter<Transport: ServerTransport>(
        transport: Transport.Type = Transport.self, followerOf leader: NodeConfiguration.Endpoint? = nil
    ) -> RPCRouter<Transport> {
        var node = context
        if let leader {
            var configuration = context.configuration
            configuration.followerOf = leader
            configuration.leaderHTTPPort = leader.port
            node = NodeContext(engine: engine, configuration: configuration, logger: context.logger, leaderInfo: nil)
        }
        return GRPCServices.router(node: node, members: { [Self.member] }, transport: transport)
    }

    /// The member Gossip reports for a detached node: a leader with no ports.
    private static let member = GossipMember(instanceID: UUID(), state: "Leader", tcp: .init(host: "127.0.0.1", port: 0),
                                             httpPort: 0, lastCommitPosition: 0)

    /// Request tasks still running (reads, deletes, subscriptions of both doors).
    package var requestTaskCount: Int { engine.tasks.count }

    /// The engine, as an opaque object: after ``shutdown()`` nothing should keep it alive, so a weak
    /// reference to it tells whether a stopped node leaked.
    package var engineObject: AnyObject { engine }

    /// The group-commit writer's core (its thread's state and log connection), as an opaque object;
    /// like the engine, it should be freed once the node has shut down and been released.
    package var writerCoreObject: AnyObject { engine.writer.coreObject }

    /// Live volatile subscriptions, over all connections.
    package var subscriptionCount: Int { engine.hub.count }

    /// Write jobs waiting for the writer thread.
    package var queuedWriteCount: Int { engine.writer.queuedJobCount }

    /// Stops the engine (queued writes finish) and closes and deletes the storage. Blocks while the
    /// writer drains.
    package func shutdown() {
        engine.shutdown()
        storage.close()
    }
}

extension NodeContext {
    /// The handlers of one client connection, in pipeline order: the same as
    /// `EventStoreNodeServer.start`'s child channel initializer adds after its optional TLS handler
    /// (keep the two in step; the server may call this once its initializer is free to change).
    @discardableResult
    func addConnectionHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws -> NodeConnectionHandler {
        let handler = NodeConnectionHandler(node: self)
        try pipeline.addHandler(ReceivedBytesMarker())
        try pipeline.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
        try pipeline.addHandler(MessageToByteHandler(TCPFrameEncoder()))
        try pipeline.addHandler(handler)
        return handler
    }
}
