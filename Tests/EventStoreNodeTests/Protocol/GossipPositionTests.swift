import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// `/gossip` reports the node's last commit position, kept in memory: it is answered on an event
/// loop, where a database query could stall every connection of that loop.
@Suite struct GossipPositionTests {
    /// The first member's `lastCommitPosition` in `/gossip`.
    static func gossipPosition(of node: EventStoreNodeServer) async throws -> Int64 {
        let response = try await ClusterAndRestartTests.httpGet(node.httpEndpoint, "/gossip")
        let json = try JSONValue(parsing: response.body)
        guard case .array(let members)? = json["members"], case .int(let position)? = members.first?["lastCommitPosition"] else {
            throw NodeProcessError(description: "no lastCommitPosition in \(response.body)")
        }
        return position
    }

    @Test(.timeLimit(.minutes(1)))
    func gossipReportsTheLastCommitPositionWithoutQueryingTheDatabase() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-gossip-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let node = try await EventStoreNodeServer.start(configuration)
        let client = try await node.connect()
        // A fresh database already holds the system events a fresh server writes (docs/node-fidelity.md).
        let fresh = try await client.readAll(commit: -1, prepare: -1, count: 1, forward: false)
        #expect(try await Self.gossipPosition(of: node) == (try #require(fresh.events.first).commitPosition))
        var last: Int64 = 0
        for round in 0..<5 {
            let reply = try await client.fill("gossip-\(round % 2)", count: round + 1)
            try #require(reply.result == .success)
            let tail = try await client.readAll(commit: -1, prepare: -1, count: 1, forward: false)
            last = try #require(tail.events.first).commitPosition
            #expect(last >= reply.commitPosition)

            // Right after the acknowledgement, and without borrowing a database connection.
            let reads = node.storageReadCount
            #expect(try await Self.gossipPosition(of: node) == last)
            #expect(try await Self.gossipPosition(of: node) == last)
            #expect(node.storageReadCount == reads, "answering /gossip read the database")
        }
        await client.close()
        await node.shutdown()

        let restarted = try await EventStoreNodeServer.startAgain(configuration)
        #expect(try await Self.gossipPosition(of: restarted) == last)
        await restarted.shutdown()
    }
}
