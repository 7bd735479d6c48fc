import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// `Create`: a group on a stream (from a revision, its start or its end) or on `$all` (from a
/// position, the start or the end, through an optional filter).
extension PersistentSubscriptionsService {
    func create(
        request: ServerRequest<EventStore_Client_PersistentSubscriptions_CreateReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_PersistentSubscriptions_CreateResp> {
        let user = try manager(request.metadata)
        let options = request.message.options
        let (key, start, filter) = try Self.target(of: options)
        let settings = Self.settings(options.settings, start: start, filter: filter)
        try Self.check(await groups.create(key, settings: settings, user: user), key)
        return ServerResponse(message: EventStore_Client_PersistentSubscriptions_CreateResp())
    }

    /// The group a Create names, where it starts and its filter.
    private static func target(of options: EventStore_Client_PersistentSubscriptions_CreateReq.Options) throws(RPCError)
        -> (PersistentGroupKey, PersistentStart, PersistentAllFilter?) {
        switch options.streamOption {
        case .stream(let stream)?:
            let key = PersistentGroupKey(stream: try streamName(stream.streamIdentifier), group: options.groupName)
            switch stream.revisionOption {
            case .revision(let revision)?: return (key, .revision(revision), nil)
            case .start?: return (key, .revision(0), nil)
            case .end?: return (key, .revision(UInt64.max), nil)
            case nil: throw GRPCFailure.invalidArgument("The revision option is missing.")
            }
        case .all(let all)?:
            let key = PersistentGroupKey(stream: StreamNames.all, group: options.groupName)
            let start: PersistentStart
            switch all.allOption {
            case .position(let position)?: start = .position(commit: position.commitPosition, prepare: position.preparePosition)
            case .start?: start = .position(commit: 0, prepare: 0)
            case .end?: start = .position(commit: UInt64.max, prepare: UInt64.max)
            case nil: throw GRPCFailure.invalidArgument("The $all position option is missing.")
            }
            switch all.filterOption {
            case .filter(let filter)?: return (key, start, try allFilter(filter))
            case .noFilter?, nil: return (key, start, nil)
            }
        case nil:
            // Before 21.10 clients named the stream in `stream_identifier` and the start in `settings.revision`.
            let key = PersistentGroupKey(stream: try streamName(options.streamIdentifier), group: options.groupName)
            return (key, .revision(options.settings.revision), nil)
        }
    }

    /// A `$all` filter; prefixes unless a regular expression is given, as the server reads it.
    private static func allFilter(
        _ options: EventStore_Client_PersistentSubscriptions_CreateReq.AllOptions.FilterOptions
    ) throws(RPCError) -> PersistentAllFilter {
        let context: PersistentAllFilter.Context
        let expression: EventStore_Client_PersistentSubscriptions_CreateReq.AllOptions.FilterOptions.Expression
        switch options.filter {
        case .streamIdentifier(let value)?: (context, expression) = (.streamID, value)
        case .eventType(let value)?: (context, expression) = (.eventType, value)
        case nil: throw GRPCFailure.invalidArgument("The filter names neither stream identifiers nor event types.")
        }
        do {
            return expression.regex.isEmpty
                ? try PersistentAllFilter(context: context, kind: .prefix, data: expression.prefix)
                : try PersistentAllFilter(context: context, kind: .regex, data: [expression.regex])
        } catch {
            throw GRPCFailure.invalidArgument("Invalid filter: \(error)")
        }
    }
}
