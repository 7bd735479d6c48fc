import EventStoreClient
import EventStoreNode
import EventStoreShell
import EventStoreTesting
import Foundation
import Synchronization
import Testing

/// A session's output, kept for assertions.
final class CollectingSink: ShellSink {
    private let items = Mutex<[ShellOutputItem]>([])

    func emit(_ item: ShellOutputItem) { items.withLock { $0.append(item) } }

    /// Numbers of the events shown so far on `stream`.
    func numbers(of stream: String) -> [Int64] {
        items.withLock { items in
            items.compactMap { item in
                if case .event(let view, _) = item, view.stream == stream { return view.number }
                return nil
            }
        }
    }

    var tailStates: [TailStateChange] {
        items.withLock { $0.compactMap { if case .tailState(let change) = $0 { change } else { nil } } }
    }
}

/// `consume` in an interactive session rides out a node restart: it rejoins its group once the
/// client has reconnected, and the group goes on from its checkpoint.
@Suite struct ConsumeRejoinTests {
    @Test func aConsumerRejoinsAfterTheNodeRestarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-consume-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var nodeConfiguration = NodeConfiguration.durable(in: directory)
        var node = try await EventStoreNodeServer.start(nodeConfiguration)
        nodeConfiguration.tcpPort = node.tcpEndpoint.port
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "127.0.0.1", port: node.tcpEndpoint.port)))
        configuration.defaultCredentials = .password(login: "admin", password: "changeit")
        configuration.maxReconnections = -1
        configuration.reconnectionDelay = .milliseconds(50)
        let client = EventStoreClient(configuration: configuration)
        let sink = CollectingSink()
        var options = ShellOptions()
        options.interactive = true
        let session = ShellSession(client: client, sink: sink, options: options)

        for line in ["append jobs-1 Job '{}'", "group create jobs-1 g --from start", "consume jobs-1 g"] {
            #expect(await session.execute(line) == .ok, "\(line)")
        }
        #expect(await eventually { sink.numbers(of: "jobs-1") == [0] })

        await node.shutdown()
        node = try await EventStoreNodeServer.startAgain(nodeConfiguration)
        #expect(await session.execute("append jobs-1 Job '{}'") == .ok)
        // At least once: the group had not written a checkpoint yet (after 2 s and at least 10
        // events, by default), so the restarted node starts it over and event 0 comes again.
        #expect(await eventually(timeout: .seconds(20)) { sink.numbers(of: "jobs-1") == [0, 0, 1] },
                "after the restart: \(sink.numbers(of: "jobs-1"))")
        #expect(sink.tailStates.contains { !$0.isLive && ($0.reason ?? "").hasSuffix("rejoining") })
        _ = await session.execute("untail all")
        await client.close()
        await node.shutdown()
    }
}
