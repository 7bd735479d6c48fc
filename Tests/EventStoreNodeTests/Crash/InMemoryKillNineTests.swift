import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// SIGKILL of a real `esdb node --mem` process: its database lives in files under `/dev/shm` (or
/// the temporary directory), and none of them may outlive the process.
@Suite struct InMemoryKillNineTests {
    /// The directories an in-memory node may put its files in, and the prefix of its files' names.
    static func leftovers(of pid: pid_t) -> [String] {
        let prefix = "esdb-mem-\(pid)-"
        return ["/dev/shm", NSTemporaryDirectory()].flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix(prefix) }
                .map { (directory.hasSuffix("/") ? directory : directory + "/") + $0 }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aKilledInMemoryNodeLeavesNoFileBehind() async throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-mem-kill9-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logs) }
        let node = try await NodeProcess.start(options: ["--mem"], logDirectory: logs)
        defer {
            node.forceKill()
            Self.leftovers(of: node.pid).forEach { unlink($0) }  // Never leave a failed run's files behind.
        }

        // Enough writes for the database, its WAL and the WAL index to be in use.
        let client = try await TCPTestClient.connect(host: node.tcp.host, port: node.tcp.port)
        var last = ESWriteEventsCompleted()
        for round in 0..<50 {
            let events = (0..<20).map { TCPTestClient.newEvent("Filled", json: "{\"round\":\(round),\"i\":\($0)}") }
            last = try await client.write("mem-\(round % 5)", events: events)
            try #require(last.result == .success, "write \(round): \(last.result) \(last.message)")
        }
        let read = try await client.readStream("mem-4", from: 0, count: 4096)
        #expect(read.result == .success)
        #expect(read.events.count == 200)
        await client.close()
        try #require(node.isRunning, "the node died on its own; stderr: \(node.stderrText)")

        try await node.killNine()
        #expect(Self.leftovers(of: node.pid) == [], "files of the killed node (pid \(node.pid)) remain")
    }
}
