import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// A request's `stream_option` oneof naming a stream or `$all` (each request declares its own
/// generated type with the same two members).
protocol PersistentStreamOption {
    /// The stream named; nil for `$all`.
    var namedStream: EventStore_Client_StreamIdentifier? { get }
}

/// The `options` of a request naming one group: `group_name` and a `stream_option`.
protocol PersistentGroupOptions {
    associatedtype StreamOption: PersistentStreamOption
    var groupName: String { get }
    var streamOption: StreamOption? { get }
}

extension PersistentSubscriptionsService {
    /// The stream a `stream_option` names (`$all` for `all`); a missing option is `INVALID_ARGUMENT`.
    static func stream(of option: (some PersistentStreamOption)?) throws(RPCError) -> String {
        guard let option else { throw GRPCFailure.invalidArgument("The stream option is missing.") }
        guard let identifier = option.namedStream else { return StreamNames.all }
        return try streamName(identifier)
    }

    /// The group a request's options name.
    static func groupKey(of options: some PersistentGroupOptions) throws(RPCError) -> PersistentGroupKey {
        PersistentGroupKey(stream: try stream(of: options.streamOption), group: options.groupName)
    }
}

extension EventStore_Client_PersistentSubscriptions_ReadReq.Options: PersistentGroupOptions {}
extension EventStore_Client_PersistentSubscriptions_DeleteReq.Options: PersistentGroupOptions {}
extension EventStore_Client_PersistentSubscriptions_GetInfoReq.Options: PersistentGroupOptions {}
extension EventStore_Client_PersistentSubscriptions_ReplayParkedReq.Options: PersistentGroupOptions {}

extension EventStore_Client_PersistentSubscriptions_ReadReq.Options.OneOf_StreamOption: PersistentStreamOption {
    var namedStream: EventStore_Client_StreamIdentifier? { if case .streamIdentifier(let id) = self { id } else { nil } }
}
extension EventStore_Client_PersistentSubscriptions_DeleteReq.Options.OneOf_StreamOption: PersistentStreamOption {
    var namedStream: EventStore_Client_StreamIdentifier? { if case .streamIdentifier(let id) = self { id } else { nil } }
}
extension EventStore_Client_PersistentSubscriptions_GetInfoReq.Options.OneOf_StreamOption: PersistentStreamOption {
    var namedStream: EventStore_Client_StreamIdentifier? { if case .streamIdentifier(let id) = self { id } else { nil } }
}
extension EventStore_Client_PersistentSubscriptions_ReplayParkedReq.Options.OneOf_StreamOption: PersistentStreamOption {
    var namedStream: EventStore_Client_StreamIdentifier? { if case .streamIdentifier(let id) = self { id } else { nil } }
}
extension EventStore_Client_PersistentSubscriptions_ListReq.StreamOption.OneOf_StreamOption: PersistentStreamOption {
    var namedStream: EventStore_Client_StreamIdentifier? { if case .stream(let id) = self { id } else { nil } }
}
