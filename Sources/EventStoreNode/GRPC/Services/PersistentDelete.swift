import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// `Delete`: removes a group (its consumers are dropped with `persistent-subscription-dropped`).
extension PersistentSubscriptionsService {
    func delete(
        request: ServerRequest<EventStore_Client_PersistentSubscriptions_DeleteReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_PersistentSubscriptions_DeleteResp> {
        let user = try manager(request.metadata)
        let options = request.message.options
        let key = try Self.groupKey(of: options)
        try Self.check(await groups.delete(key, user: user), key)
        return ServerResponse(message: EventStore_Client_PersistentSubscriptions_DeleteResp())
    }
}
