import EventStoreNode
import Foundation

/// `ESBench node --db DIR`: the same durable node as `esdb node --db DIR --tcp-port 0 --http-port 0`
/// (SQLite WAL, synchronous=FULL, group commit), for when the `esdb` executable does not build.
/// Prints the same ready line and runs until it is killed.
enum NodeRunner {
    static func run(_ args: Args) async throws {
        let directory = args.string("db", FileManager.default.temporaryDirectory.appendingPathComponent("esdb-bench-node").path)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = NodeConfiguration(storage: .file(directory + "/events.sqlite"))
        configuration.tcpPort = try args.int("tcp-port", 0)
        configuration.httpPort = try args.int("http-port", 0)
        let node = try await EventStoreNodeServer.start(configuration)
        let ready = "esdb node ready tcp=\(node.tcpEndpoint) http=\(node.httpEndpoint) db=\(node.databaseDescription)\n"
        FileHandle.standardOutput.write(Data(ready.utf8))
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
