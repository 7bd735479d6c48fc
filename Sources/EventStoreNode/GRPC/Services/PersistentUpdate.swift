import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// `Update`: new settings for an existing group (its consumers are dropped and reconnect); a
/// group on `$all` keeps its filter.
extension PersistentSubscriptionsService {
    func update(
        request: ServerRequest<EventStore_Client_PersistentSubscriptions_UpdateReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_PersistentSubscriptions_UpdateResp> {
        let user = try manager(request.metadata)
        let options = request.message.options
        let (key, start) = try Self.target(of: options)
        let settings = Self.settings(options.settings, start: start, filter: nil)
        try Self.check(await groups.update(key, settings: settings, user: user), key)
        return ServerResponse(message: EventStore_Client_PersistentSubscriptions_UpdateResp())
    }

    /// The group an Update names and where it starts.
    private static func target(of options: EventStore_Client_PersistentSubscriptions_UpdateReq.Options) throws(RPCError)
        -> (PersistentGroupKey, PersistentStart) {
        switch options.streamOption {
        case .stream(let stream)?:
            let key = PersistentGroupKey(stream: try streamName(stream.streamIdentifier), group: options.groupName)
            switch stream.revisionOption {
            case .revision(let revision)?: return (key, .revision(revision))
            case .start?: return (key, .revision(0))
            case .end?: return (key, .revision(UInt64.max))
            case nil: throw GRPCFailure.invalidArgument("The revision option is missing.")
            }
        case .all(let all)?:
            let key = PersistentGroupKey(stream: StreamNames.all, group: options.groupName)
            switch all.allOption {
            case .position(let position)?:
                return (key, .position(commit: position.commitPosition, prepare: position.preparePosition))
            case .start?: return (key, .position(commit: 0, prepare: 0))
            case .end?: return (key, .position(commit: UInt64.max, prepare: UInt64.max))
            case nil: throw GRPCFailure.invalidArgument("The $all position option is missing.")
            }
        case nil:
            let key = PersistentGroupKey(stream: try streamName(options.streamIdentifier), group: options.groupName)
            return (key, .revision(options.settings.revision))
        }
    }
}
