import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// `event_store.client.persistent_subscriptions.PersistentSubscriptions`: the node's persistent
/// subscription groups — the same ``PersistentSubscriptions`` engine the TCP door uses, so a group
/// made at one door is listed, consumed and acknowledged at the other. Each method is a thin
/// translation, in its own file (`Persistent*.swift`): read the request, call the engine, answer
/// with the server's statuses and `exception` trailers (docs/grpc.md §2.5–§2.6).
struct PersistentSubscriptionsService: EventStore_Client_PersistentSubscriptions_PersistentSubscriptions.ServiceProtocol {
    let node: NodeContext

    var groups: PersistentSubscriptions { node.engine.persistent }

    /// A stream name as the API carries it; non-UTF-8 bytes are refused.
    static func streamName(_ identifier: EventStore_Client_StreamIdentifier) throws(RPCError) -> String {
        guard let name = identifier.name else { throw GRPCFailure.invalidArgument("The stream name is not valid UTF-8.") }
        return name
    }

    /// A management outcome as the server answers it; nothing for success.
    static func check(_ outcome: PersistentSubscriptions.ManagementOutcome, _ key: PersistentGroupKey) throws(RPCError) {
        switch outcome {
        case .success: return
        case .accessDenied: throw GRPCFailure.accessDenied()
        case .alreadyExists: throw GRPCFailure.persistentSubscriptionExists(stream: key.stream, group: key.group)
        case .doesNotExist: throw GRPCFailure.persistentSubscriptionDoesNotExist(stream: key.stream, group: key.group)
        case .fail(let reason): throw GRPCFailure.persistentSubscriptionFailed(stream: key.stream, group: key.group, reason: reason)
        }
    }

    /// Create, Update, Delete, ReplayParked and RestartSubsystem: the leader's alone, for an
    /// administrator or operator (checked first, as the server's authorization runs first).
    func manager(_ metadata: Metadata) throws(RPCError) -> NodeUser? {
        try node.requireLeader()
        let user = try node.caller(of: metadata)
        guard PersistentSubscriptions.mayManage(user) else { throw GRPCFailure.accessDenied() }
        return user
    }
}
