import EventStoreGRPC
import GRPCCore

/// The gRPC services the node serves, and the methods it answers `UNIMPLEMENTED` (removed from
/// the router, so grpc-swift answers for them and ``ServerFeaturesService`` does not list them).
/// Services of the API not listed here at all (Operations, Projections, Monitoring) are unknown
/// to the router and answered `UNIMPLEMENTED` the same way.
enum GRPCServices {
    static func make(
        node: NodeContext, members: @escaping @Sendable () -> [GossipMember], methods: @escaping @Sendable () -> [MethodDescriptor]
    ) -> [any RegistrableRPCService] {
        [
            GossipService(members: members),
            ServerFeaturesService(methods: methods),
            StreamsService(node: node),
            UsersService(node: node),
            PersistentSubscriptionsService(node: node),
        ]
    }

    /// Methods of the services above that the node does not implement.
    static let unimplemented: [MethodDescriptor] = []
}
