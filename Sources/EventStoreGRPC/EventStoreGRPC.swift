import GRPCCore

/// The EventStoreDB / KurrentDB v1 gRPC client API as Swift types: messages and service stubs.
///
/// Everything in `Generated/` is produced from the `.proto` files in `Protos/grpc/` by
/// `scripts/generate-grpc-protos.sh` (protoc with `protoc-gen-swift` and `protoc-gen-grpc-swift-2`)
/// and committed; do not edit it by hand. Proto packages, services, methods, messages and field
/// numbers are those a KurrentDB server answers on its HTTP port, so the gRPC paths are the
/// server's, e.g. `/event_store.client.streams.Streams/Read`.
///
/// Swift names follow the proto package: `event_store.client.streams.ReadReq` is
/// `EventStore_Client_Streams_ReadReq`, the shared `event_store.client.UUID` is `EventStore_Client_UUID`,
/// and the service `event_store.client.streams.Streams` is the namespace
/// `EventStore_Client_Streams_Streams`, holding `Client`/`ClientProtocol` for callers and
/// `StreamingServiceProtocol`/`ServiceProtocol`/`SimpleServiceProtocol` for servers.
/// `Google_Rpc_Status` is the server's variant of `google.rpc.Status` (one `Any` detail, not a list).
public enum GRPCClientAPI {
    /// Every service of the v1 client API.
    public static let services: [GRPCCore.ServiceDescriptor] = [
        EventStore_Client_Streams_Streams.descriptor,
        EventStore_Client_PersistentSubscriptions_PersistentSubscriptions.descriptor,
        EventStore_Client_Gossip_Gossip.descriptor,
        EventStore_Client_ServerFeatures_ServerFeatures.descriptor,
        EventStore_Client_Operations_Operations.descriptor,
        EventStore_Client_Users_Users.descriptor,
        EventStore_Client_Projections_Projections.descriptor,
        EventStore_Client_Monitoring_Monitoring.descriptor,
    ]

    /// Every method of every service in ``services``, with its streaming kind.
    public static let methods: [GRPCCore.MethodDescriptor] =
        EventStore_Client_Streams_Streams.Method.descriptors
        + EventStore_Client_PersistentSubscriptions_PersistentSubscriptions.Method.descriptors
        + EventStore_Client_Gossip_Gossip.Method.descriptors
        + EventStore_Client_ServerFeatures_ServerFeatures.Method.descriptors
        + EventStore_Client_Operations_Operations.Method.descriptors
        + EventStore_Client_Users_Users.Method.descriptors
        + EventStore_Client_Projections_Projections.Method.descriptors
        + EventStore_Client_Monitoring_Monitoring.Method.descriptors
}
