import EventStoreGRPC
import GRPCCore

/// `RestartSubsystem`: every group stops — its consumers are dropped — and is loaded again from
/// the stored configuration and checkpoints.
extension PersistentSubscriptionsService {
    func restartSubsystem(
        request: ServerRequest<EventStore_Client_Empty>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_Empty> {
        _ = try manager(request.metadata)
        guard await groups.restart() else {
            throw GRPCFailure.persistentSubscriptionFailed(
                stream: "", group: "", reason: "Persistent Subscriptions cannot be restarted as it is in the wrong state.")
        }
        return ServerResponse(message: EventStore_Client_Empty())
    }
}
