import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// `ReplayParked`: the group's parked events (`$persistentsubscription-<stream>::<group>-parked`)
/// are delivered again, all of them or those before `stop_at`.
extension PersistentSubscriptionsService {
    func replayParked(
        request: ServerRequest<EventStore_Client_PersistentSubscriptions_ReplayParkedReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_PersistentSubscriptions_ReplayParkedResp> {
        let user = try manager(request.metadata)
        let options = request.message.options
        let key = try Self.groupKey(of: options)
        let stopAt: Int64?
        switch options.stopAtOption {
        case .stopAt(let number)?: stopAt = number
        case .noLimit?: stopAt = nil
        case nil: throw GRPCFailure.invalidArgument("The stop-at option is missing.")
        }
        switch await groups.replayParked(key, stopAt: stopAt, user: user) {
        case .success: break
        case .accessDenied: throw GRPCFailure.accessDenied()
        case .doesNotExist: throw GRPCFailure.persistentSubscriptionDoesNotExist(stream: key.stream, group: key.group)
        case .fail(let reason): throw GRPCFailure.persistentSubscriptionFailed(stream: key.stream, group: key.group, reason: reason)
        }
        return ServerResponse(message: EventStore_Client_PersistentSubscriptions_ReplayParkedResp())
    }
}
