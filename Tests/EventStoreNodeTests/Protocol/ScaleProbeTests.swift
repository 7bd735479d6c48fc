import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Scale that a first hostile probe found the node to take, kept so. These load the machine, so
/// `scripts/test` runs this suite on its own after the others (`swift test --skip ScaleProbeTests`,
/// then `--filter ScaleProbeTests`): a 2-core machine shared with the other suites would turn
/// their timing into noise.
@Suite(.serialized) struct ScaleProbeTests {
    @Test func twoThousandIdleConnectionsLeaveTheNodeServing() async throws {
        try await withInMemoryNode { node in
            var idle: [TCPTestClient] = []
            for _ in 0..<2_000 { idle.append(try await node.connect()) }
            let client = try await node.connect()
            #expect(try await client.fill("busy-1", count: 3).result == .success)
            #expect(try await client.readStream("busy-1", from: 0, count: 10).numbers == [0, 1, 2])
            for connection in idle { await connection.close() }
        }
    }

    @Test func tenThousandSubscriptionsOnOneConnection() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var ids: [UUID] = []
            for n in 0..<10_000 {
                var request = ESSubscribeToStream()
                request.eventStreamID = "many-\(n)"
                let id = UUID()
                ids.append(id)
                try await client.send(TCPPackage(command: .subscribeToStream, correlationID: id, message: request))
            }
            for id in ids { #expect(try await client.receive(id: id, timeout: .seconds(60)).command == .subscriptionConfirmation) }
            #expect(node.subscriptionCount == 10_000)
            let writer = try await node.connect()
            try await writer.fill("many-9999", count: 1)
            #expect(try await client.receive(id: ids[9_999]).command == .streamEventAppeared)
        }
    }
}
