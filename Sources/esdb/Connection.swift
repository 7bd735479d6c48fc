import EventStoreClient
import EventStoreNode
import Foundation

/// The client the shell talks through, and the embedded node when there is no connection string.
struct Connection {
    let client: EventStoreClient
    let node: EventStoreNodeServer?
    let description: String

    /// One line for the top of the REPL/TUI.
    var banner: String {
        node == nil ? "esdb \(ESDBVersion.current) — connected to \(description)"
            : "esdb \(ESDBVersion.current) — embedded node \(description)"
    }

    /// Connects to `target`, or starts an embedded node and connects to it over TCP.
    static func open(target: String?, inMemory: Bool) async throws -> Connection {
        if let target {
            var configuration = try ClientConfiguration(connectionString: target)
            // A terminal session keeps reconnecting unless the connection string says otherwise.
            if !target.lowercased().replacingOccurrences(of: " ", with: "").contains("maxreconnections=") {
                configuration.maxReconnections = -1
            }
            let client = EventStoreClient(configuration: configuration)
            try await waitConnected(client, timeout: .seconds(10))
            return Connection(client: client, node: nil, description: configuration.connectionString)
        }
        var nodeConfiguration = NodeConfiguration(storage: inMemory ? .memory : .file(NodeCommand.defaultDataDirectory() + "/events.sqlite"))
        nodeConfiguration.tcpPort = 0
        nodeConfiguration.httpPort = 0
        // The browser's streams pane reads `$streams`: the embedded node runs the standard projections.
        nodeConfiguration.runProjections = .system
        nodeConfiguration.startStandardProjections = true
        let node = try await EventStoreNodeServer.start(nodeConfiguration)
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: node.tcpEndpoint.host, port: node.tcpEndpoint.port)))
        configuration.defaultCredentials = .password(login: "admin", password: "changeit")
        configuration.connectionName = "esdb-shell"
        configuration.maxReconnections = -1
        let client = EventStoreClient(configuration: configuration)
        try await waitConnected(client, timeout: .seconds(10))
        return Connection(client: client, node: node,
                          description: "tcp://admin@\(node.tcpEndpoint) (\(node.databaseDescription))")
    }

    static func waitConnected(_ client: EventStoreClient, timeout: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.waitUntilConnected() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw EventStoreClientError(.cannotConnect, "no connection within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    func close() async {
        await client.close()
        await node?.shutdown()
    }
}
