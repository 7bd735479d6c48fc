import EventStoreNode

extension EventStoreNodeServer {
    /// Starts a node on the ports a stopped one had (for restart tests).
    ///
    /// Until the node is back, its port is an ordinary ephemeral port: an outbound connection (a
    /// client's own reconnection attempts, or another test's) may hold it as its local port for a
    /// moment, so binding is retried until `timeout`.
    ///
    /// ```swift
    /// await node.shutdown()
    /// node = try await EventStoreNodeServer.startAgain(configuration)   // configuration.tcpPort = the old port
    /// ```
    public static func startAgain(_ configuration: NodeConfiguration, within timeout: Duration = .seconds(20))
        async throws -> EventStoreNodeServer {
        try await retrying(for: timeout) { try await EventStoreNodeServer.start(configuration) }
    }
}
