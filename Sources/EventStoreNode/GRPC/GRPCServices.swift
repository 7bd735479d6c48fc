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

    /// The router the HTTP port serves: every service of ``make(node:members:methods:)`` registered,
    /// minus ``unimplemented``; `ServerFeatures` lists exactly the router's methods. Generic over the
    /// transport, so the gRPC fuzzer (`DetachedNode.grpcRouter(transport:)`) runs the same router
    /// over grpc-swift's in-process transport.
    static func router<Transport: ServerTransport>(
        node: NodeContext, members: @escaping @Sendable () -> [GossipMember], transport: Transport.Type = Transport.self
    ) -> RPCRouter<Transport> {
        let routerBox = LockedValue<[MethodDescriptor]>([])
        var router = RPCRouter<Transport>()
        for service in make(node: node, members: members, methods: { routerBox.value }) {
            service.registerMethods(with: &router)
        }
        for method in unimplemented { _ = router.removeHandler(forMethod: method) }
        routerBox.value = router.methods
        return router
    }
}
