import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// A durable node whose commit fails as if fsync had returned EIO: nothing of the failed batch is
/// acknowledged, every later write is refused (the log cannot be trusted any more), reads go on,
/// and a restart brings the node back with exactly the acknowledged events.
@Suite struct StorageFailureNodeTests {
    @Test(.timeLimit(.minutes(2)))
    func aFailedFsyncMakesTheNodeReadOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-eio-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let node = try await EventStoreNodeServer.start(configuration)
        let client = try await node.connect()
        let before = try await client.fill("eio-1", count: 3)
        try #require(before.result == .success)

        // The fault hits a batch of concurrent writes: none is acknowledged, all are told why.
        node.storageFaults.failCommits(with: StorageFaults.fsyncFailed)
        let replies = try await withThrowingTaskGroup(of: ESWriteEventsCompleted.self) { group in
            for index in 0..<8 {
                group.addTask { try await client.fill("eio-\(index % 2 + 1)", count: 2) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for reply in replies {
            #expect(reply.result == .commitTimeout)
            #expect(reply.message.contains("storage failed") && reply.message.contains("read-only"), "\(reply.message)")
            #expect(reply.message.contains("disk I/O error"), "\(reply.message)")
        }

        // The fault is gone, but the node does not trust its log any more: every write is refused.
        node.storageFaults.failCommits(with: nil)
        for stream in ["eio-1", "eio-3", "$$eio-1"] {
            let reply = try await client.write(stream, events: [TCPTestClient.newEvent()])
            #expect(reply.result == .commitTimeout, "\(stream)")
            #expect(reply.message.contains("storage failed") && reply.message.contains("read-only"), "\(reply.message)")
        }

        // Reads go on, and show exactly the acknowledged events.
        let read = try await client.readStream("eio-1", from: 0, count: 100)
        #expect(read.result == .success)
        #expect(read.numbers == [0, 1, 2])
        #expect(try await client.readStream("eio-2", from: 0, count: 100).result == .noStream)
        let all = try await client.readAll(commit: 0, prepare: 0, count: 100)
        #expect(all.result == .success)
        #expect(all.events.filter { $0.event.eventStreamID.hasPrefix("eio-") }.count == 3)
        await client.close()
        await node.shutdown()

        // A restart opens the log afresh: writes are accepted and continue after the acknowledged ones.
        let restarted = try await EventStoreNodeServer.startAgain(configuration)
        let again = try await restarted.connect()
        #expect(try await again.readStream("eio-1", from: 0, count: 100).numbers == [0, 1, 2])
        let after = try await again.fill("eio-1", count: 1)
        #expect(after.result == .success)
        #expect(after.firstEventNumber == 3)
        #expect(after.commitPosition > before.commitPosition)
        await again.close()
        await restarted.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func aFullDiskRefusesTheWriteButNotTheNextOne() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try #require(try await client.fill("full-1", count: 2).result == .success)
            node.storageFaults.failCommits(with: StorageFaults.diskFull)
            let refused = try await client.fill("full-1", count: 1)
            #expect(refused.result == .commitTimeout)
            #expect(refused.message.contains("disk is full"), "\(refused.message)")
            #expect(!refused.message.contains("read-only"), "\(refused.message)")
            node.storageFaults.failCommits(with: nil)
            let accepted = try await client.fill("full-1", count: 1)
            #expect(accepted.result == .success)
            #expect(accepted.firstEventNumber == 2)
            #expect(try await client.readStream("full-1", from: 0, count: 10).numbers == [0, 1, 2])
            await client.close()
        }
    }
}
