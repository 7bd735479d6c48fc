import EventStoreClient
import EventStoreNode
import Foundation

/// Starts an in-memory node and a client connected to it; both stop afterwards.
func withClientAndNode<T>(
    configureNode: (inout NodeConfiguration) -> Void = { _ in },
    configureClient: (inout ClientConfiguration) -> Void = { _ in },
    _ body: (EventStoreClient, EventStoreNodeServer) async throws -> T
) async throws -> T {
    var nodeConfiguration = NodeConfiguration.onFreePorts(.memory)
    configureNode(&nodeConfiguration)
    let node = try await EventStoreNodeServer.start(nodeConfiguration)
    var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: node.tcpEndpoint.host, port: node.tcpEndpoint.port)))
    configuration.defaultCredentials = .password(login: "admin", password: "changeit")
    configureClient(&configuration)
    let client = EventStoreClient(configuration: configuration)
    do {
        let result = try await body(client, node)
        await client.close()
        await node.shutdown()
        return result
    } catch {
        await client.close()
        await node.shutdown()
        throw error
    }
}

/// `count` JSON events `{"n": i}` of type `Numbered`.
func numbered(_ count: Int, from start: Int = 0) -> [EventData] {
    (start..<(start + count)).map { EventData(type: "Numbered", json: "{\"n\":\($0)}") }
}

