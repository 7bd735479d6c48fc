import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Soft and hard deletes (docs/protocol.md §4.7), metadata streams and visibility (§4.13).
@Suite struct DeleteAndMetadataTests {
    @Test func softDeleteHidesTheStreamAndRewriteContinuesNumbering() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("soft-1", count: 3)
            #expect(try await client.delete("soft-1", expected: 2, hard: false).result == .success)
            #expect(try await client.readStream("soft-1", from: 0, count: 10).result == .noStream)
            #expect(try await client.readEvent("soft-1", -1).result == .noStream)
            let again = try await client.write("soft-1", expected: -1, events: [TCPTestClient.newEvent()])
            #expect(again.result == .success && again.firstEventNumber == 3)
            let read = try await client.readStream("soft-1", from: 0, count: 10)
            #expect(read.result == .success)
            #expect(read.numbers == [3])
            let meta = try await client.readEvent("$$soft-1", -1)
            #expect(meta.event.event.json.contains("\"$tb\":3"))
        }
    }

    @Test func hardDeleteIsForever() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.identify()
            try await client.fill("hard-1", count: 2)
            #expect(try await client.delete("hard-1", hard: true).result == .success)
            let read = try await client.readStream("hard-1", from: 0, count: 10)
            #expect(read.result == .streamDeleted)
            #expect(read.lastEventNumber == Int64.max)
            #expect(try await client.readEvent("hard-1", 0).result == .streamDeleted)
            let write = try await client.write("hard-1", expected: -1, events: [TCPTestClient.newEvent()])
            #expect(write.result == .streamDeleted)
            #expect(try await client.write("hard-1", events: [TCPTestClient.newEvent()]).result == .streamDeleted)
            #expect(try await client.delete("hard-1", hard: true).result == .streamDeleted)
        }
    }

    @Test func v1ClientsSeeHardDeletedAsInt32Max() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()   // never identifies: V1
            try await client.fill("hard-2", count: 1)
            _ = try await client.delete("hard-2", hard: true)
            #expect(try await client.readStream("hard-2", from: 0, count: 1).lastEventNumber == Int64(Int32.max))
        }
    }

    @Test func deleteChecksExpectedVersion() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("del-1", count: 2)
            let stale = try await client.delete("del-1", expected: 0, hard: false)
            #expect(stale.result == .wrongExpectedVersion && !stale.hasCurrentVersion)  // not set, as 23.10
        }
    }

    @Test func maxCountAndTruncateBeforeLimitWhatIsVisible() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("meta-1", count: 10)
            #expect(try await client.setMetadata("meta-1", json: "{\"$maxCount\":3,\"custom\":\"kept\"}").result == .success)
            #expect(try await client.readStream("meta-1", from: 0, count: 100).numbers == [7, 8, 9])
            let below = try await client.readStream("meta-1", from: 0, count: 5)
            #expect(below.events.isEmpty && below.nextEventNumber == 7 && !below.isEndOfStream)
            #expect(try await client.readEvent("meta-1", 2).result == .notFound)
            #expect(try await client.readEvent("meta-1", 8).result == .success)
            #expect(try await client.readStream("meta-1", from: -1, count: 100, forward: false).numbers == [9, 8, 7])
            #expect(try await client.setMetadata("meta-1", json: "{\"$tb\":9}").result == .success)
            #expect(try await client.readStream("meta-1", from: 0, count: 100).numbers == [9])
            let meta = try await client.readEvent("$$meta-1", -1)
            #expect(meta.result == .success && meta.event.event.eventType == "$metadata")
        }
    }

    @Test func maxAgeHidesOldEvents() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("age-1", count: 2)
            #expect(try await client.readStream("age-1", from: 0, count: 10).numbers == [0, 1])
            _ = try await client.setMetadata("age-1", json: "{\"$maxAge\":1}")
            let deadline = ContinuousClock.now + .seconds(10)
            var visible: [Int64] = [0, 1]
            while !visible.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                visible = try await client.readStream("age-1", from: 0, count: 10).numbers
            }
            #expect(visible.isEmpty)
        }
    }

    @Test func metastreamOfExistingStreamWithoutMetadataReadsAsEmptySuccess() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("plain-1", count: 1)
            let meta = try await client.readEvent("$$plain-1", -1)
            #expect(meta.result == .success)
            #expect(!meta.event.hasEvent)
            #expect(try await client.readEvent("$$missing-1", -1).result == .noStream)
        }
    }
}
