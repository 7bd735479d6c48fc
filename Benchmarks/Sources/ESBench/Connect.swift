import EventStoreClient
import Foundation

/// Opens our client against the benchmark's node.
enum Connect {
    /// A connected client for `tcp://admin:changeit@127.0.0.1:<port>` (`--port`).
    static func client(_ args: Args) async throws -> EventStoreClient {
        let port = try args.int("port", 1113)
        let client = try EventStoreClient(connectionString: "tcp://admin:changeit@127.0.0.1:\(port)")
        try await client.waitUntilConnected()
        return client
    }
}
