import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Writes and expected versions (docs/protocol.md §4.5).
@Suite struct WriteTests {
    @Test func firstWriteNumbersFromZeroAndReportsPositions() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let reply = try await client.fill("orders-1", count: 3)
            #expect(reply.result == .success)
            #expect(reply.firstEventNumber == 0)
            #expect(reply.lastEventNumber == 2)
            #expect(reply.commitPosition > 0)
            #expect(reply.preparePosition == reply.commitPosition)
            let next = try await client.fill("orders-1", count: 2)
            #expect(next.firstEventNumber == 3 && next.lastEventNumber == 4)
            #expect(next.commitPosition > reply.commitPosition)
        }
    }

    @Test func expectedVersionRules() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            #expect(try await client.write("s-1", expected: -1, events: [TCPTestClient.newEvent()]).result == .success)
            let noStreamAgain = try await client.write("s-1", expected: -1, events: [TCPTestClient.newEvent()])
            #expect(noStreamAgain.result == .wrongExpectedVersion)
            #expect(noStreamAgain.currentVersion == 0)
            #expect(noStreamAgain.firstEventNumber == Int64(Int32.min))
            #expect(try await client.write("s-1", expected: 0, events: [TCPTestClient.newEvent()]).result == .success)
            let stale = try await client.write("s-1", expected: 0, events: [TCPTestClient.newEvent()])
            #expect(stale.result == .wrongExpectedVersion && stale.currentVersion == 1)
            let ahead = try await client.write("s-1", expected: 5, events: [TCPTestClient.newEvent()])
            #expect(ahead.result == .wrongExpectedVersion && ahead.currentVersion == 1)
            #expect(try await client.write("s-1", expected: -4, events: [TCPTestClient.newEvent()]).result == .success)
            let missing = try await client.write("s-2", expected: -4, events: [TCPTestClient.newEvent()])
            #expect(missing.result == .wrongExpectedVersion && missing.currentVersion == -1)
            #expect(try await client.write("s-2", expected: -2, events: [TCPTestClient.newEvent()]).result == .success)
        }
    }

    @Test func retryWithSameIDsAtExpectedVersionIsIdempotent() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let events = (0..<3).map { _ in TCPTestClient.newEvent() }
            let first = try await client.write("idem-1", expected: -1, events: events)
            let retry = try await client.write("idem-1", expected: -1, events: events)
            #expect(retry.result == .success)
            #expect(retry.firstEventNumber == 0 && retry.lastEventNumber == 2)
            #expect(retry.commitPosition == first.commitPosition)
            // A prefix of the same ids with more new ones conflicts.
            let mixed = try await client.write("idem-1", expected: -1, events: Array(events.prefix(2)) + [TCPTestClient.newEvent()])
            #expect(mixed.result == .wrongExpectedVersion)
            let read = try await client.readStream("idem-1", from: 0, count: 10)
            #expect(read.numbers == [0, 1, 2])
        }
    }

    @Test func retryWithSameIDsAndExpectedAnyIsIdempotent() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let events = (0..<2).map { _ in TCPTestClient.newEvent() }
            _ = try await client.write("idem-2", events: events)
            let retry = try await client.write("idem-2", events: events)
            #expect(retry.result == .success && retry.firstEventNumber == 0 && retry.lastEventNumber == 1)
            let partial = try await client.write("idem-2", events: [events[0], TCPTestClient.newEvent()])
            #expect(partial.result == .wrongExpectedVersion)
            #expect(try await client.readStream("idem-2", from: 0, count: 10).numbers == [0, 1])
        }
    }

    @Test func invalidEventsAreBadRequests() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var zeroID = TCPTestClient.newEvent()
            zeroID.eventID = Data(count: 16)
            var emptyType = TCPTestClient.newEvent()
            emptyType.eventType = ""
            var shortID = TCPTestClient.newEvent()
            shortID.eventID = Data([1, 2, 3])
            for event in [zeroID, emptyType, shortID] {
                await #expect(throws: UnexpectedReply.self) { try await client.write("bad-1", events: [event]) }
            }
            #expect(try await client.readStream("bad-1", from: 0, count: 1).result == .noStream)
        }
    }

    @Test func oversizeEventIsABadRequest() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var big = TCPTestClient.newEvent()
            big.data = Data(count: 16 * 1024 * 1024)
            big.dataContentType = 0
            do {
                _ = try await client.write("big-1", events: [big])
                Issue.record("an oversize event was accepted")
            } catch let error as UnexpectedReply {
                #expect(error.package.command == .badRequest)
            }
        }
    }

    @Test func writingToAllIsDenied() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            #expect(try await client.write("$all", events: [TCPTestClient.newEvent()], credentials: admin).result == .accessDenied)
        }
    }

    @Test func emptyWriteChecksTheExpectedVersion() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("empty-1", count: 2)
            #expect(try await client.write("empty-1", expected: 1, events: []).result == .success)
            #expect(try await client.write("empty-1", expected: 0, events: []).result == .wrongExpectedVersion)
        }
    }

    @Test func concurrentWritersAllGetDistinctNumbers() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let replies = try await withThrowingTaskGroup(of: ESWriteEventsCompleted.self) { group in
                for _ in 0..<64 {
                    group.addTask { try await client.write("busy-1", events: [TCPTestClient.newEvent()]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.result == .success })
            #expect(Set(replies.map(\.firstEventNumber)) == Set(0..<64))
            #expect(node.commitCount < 64)
        }
    }
}
