import EventStoreNode
import Foundation

/// Starts an in-memory node on free loopback ports (TCP and HTTP), runs `body` with it, and shuts it
/// down afterwards, also when `body` throws.
///
/// ```swift
/// try await withInMemoryNode { node in
///     let client = try await TCPTestClient.connect(host: node.tcpEndpoint.host, port: node.tcpEndpoint.port)
///     …
/// }
/// ```
public func withInMemoryNode<T>(
    configure: (inout NodeConfiguration) -> Void = { _ in },
    _ body: (EventStoreNodeServer) async throws -> T
) async throws -> T {
    var configuration = NodeConfiguration.onFreePorts(.memory)
    configure(&configuration)
    let node = try await EventStoreNodeServer.start(configuration)
    do {
        let result = try await body(node)
        await node.shutdown()
        return result
    } catch {
        await node.shutdown()
        throw error
    }
}

extension NodeConfiguration {
    /// A test node's configuration: `storage`, TCP and HTTP on free loopback ports, and a lenient
    /// heartbeat (5 s / 5 s instead of the server's 2 s / 1 s): on a loaded 2-core machine a test
    /// client's event loop can stall for seconds, and a test about something else must not lose its
    /// connection to that. Tests of the heartbeat set their own values.
    public static func onFreePorts(_ storage: Storage) -> NodeConfiguration {
        var configuration = NodeConfiguration(storage: storage)
        configuration.tcpPort = 0
        configuration.httpPort = 0
        configuration.heartbeatInterval = .seconds(5)
        configuration.heartbeatTimeout = .seconds(5)
        return configuration
    }

    /// A durable test node's configuration: its database in `directory`, on free loopback ports.
    public static func durable(in directory: URL) -> NodeConfiguration {
        onFreePorts(.file(directory.appendingPathComponent("events.sqlite").path))
    }
}
