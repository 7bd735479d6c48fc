import EventStoreGRPC
import GRPCCore

/// `event_store.client.server_features.ServerFeatures`: the methods this node really serves —
/// read from the node's router, so an unimplemented method is never listed — with the features
/// KurrentDB attaches to them, and the version whose behaviour the node follows.
struct ServerFeaturesService: EventStore_Client_ServerFeatures_ServerFeatures.SimpleServiceProtocol {
    /// The server version reported: the first three components, as the server does.
    static let version = "24.10.0"

    /// Every method the node's router serves.
    let methods: @Sendable () -> [MethodDescriptor]

    func getSupportedMethods(request: EventStore_Client_Empty, context: ServerContext) async throws
        -> EventStore_Client_ServerFeatures_SupportedMethods {
        var supported = EventStore_Client_ServerFeatures_SupportedMethods()
        supported.eventStoreServerVersion = Self.version
        supported.methods = methods().filter { $0.service.fullyQualifiedService.contains("client") }.map(Self.describe)
        return supported
    }

    /// One method as `SupportedMethod`: lower-case names, and the server's feature strings.
    static func describe(_ method: MethodDescriptor) -> EventStore_Client_ServerFeatures_SupportedMethod {
        var supported = EventStore_Client_ServerFeatures_SupportedMethod()
        let service = method.service.fullyQualifiedService
        supported.methodName = method.method.lowercased()
        supported.serviceName = service.lowercased()
        if service.contains("PersistentSubscriptions") {
            supported.features = ["stream", "all"]
        } else if service.contains("Streams"), method.method.contains("Read") {
            supported.features = ["position", "events"]
        } else if service.contains("Streams"), method.method.contains("BatchAppend") {
            supported.features = ["deadline_duration"]
        }
        return supported
    }
}
