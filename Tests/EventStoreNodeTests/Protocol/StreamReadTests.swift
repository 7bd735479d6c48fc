import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Stream reads and their next/last/end rules (docs/protocol.md §4.8), one edge case at a time.
@Suite struct StreamReadTests {
    @Test func forwardPagingRules() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("page-1", count: 10)
            let first = try await client.readStream("page-1", from: 0, count: 4)
            #expect(first.numbers == [0, 1, 2, 3])
            #expect(first.nextEventNumber == 4 && first.lastEventNumber == 9 && !first.isEndOfStream)
            #expect(first.lastCommitPosition > 0)
            let last = try await client.readStream("page-1", from: 8, count: 4)
            #expect(last.numbers == [8, 9] && last.nextEventNumber == 10 && last.isEndOfStream)
            let exact = try await client.readStream("page-1", from: 6, count: 4)
            #expect(exact.numbers == [6, 7, 8, 9] && exact.isEndOfStream)
            let beyond = try await client.readStream("page-1", from: 20, count: 5)
            #expect(beyond.events.isEmpty && beyond.nextEventNumber == 10 && beyond.isEndOfStream)
        }
    }

    @Test func backwardPagingRules() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("back-1", count: 10)
            let fromEnd = try await client.readStream("back-1", from: -1, count: 4, forward: false)
            #expect(fromEnd.numbers == [9, 8, 7, 6] && fromEnd.nextEventNumber == 5 && !fromEnd.isEndOfStream)
            let toStart = try await client.readStream("back-1", from: 2, count: 5, forward: false)
            #expect(toStart.numbers == [2, 1, 0] && toStart.isEndOfStream && toStart.nextEventNumber == -1)
            let exactStart = try await client.readStream("back-1", from: 3, count: 4, forward: false)
            #expect(exactStart.numbers == [3, 2, 1, 0] && exactStart.isEndOfStream)
            let above = try await client.readStream("back-1", from: 50, count: 5, forward: false)
            #expect(above.events.isEmpty && !above.isEndOfStream && above.nextEventNumber == 9)
            let straddling = try await client.readStream("back-1", from: 11, count: 5, forward: false)
            #expect(straddling.numbers == [9, 8, 7] && straddling.nextEventNumber == 6)
        }
    }

    @Test func missingStreamReadsAsNoStream() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let read = try await client.readStream("nothing-1", from: 0, count: 10)
            #expect(read.result == .noStream && read.events.isEmpty)
            #expect(read.nextEventNumber == -1 && read.lastEventNumber == -1 && read.isEndOfStream)
            #expect(try await client.readEvent("nothing-1", 0).result == .noStream)
        }
    }

    @Test func readSizeAndCountLimits() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("limits-1", count: 1)
            let tooBig = try await client.readStream("limits-1", from: 0, count: 4097)
            #expect(tooBig.result == .error && tooBig.error.contains("Read size too big"))
            #expect(try await client.readStream("limits-1", from: 0, count: 4096).result == .success)
            #expect(try await client.readStream("limits-1", from: 0, count: 0).result == .error)
            #expect(try await client.readStream("limits-1", from: 0, count: -5).result == .error)
            #expect(try await client.readStream("limits-1", from: -3, count: 5).result == .error)
            #expect(try await client.readAll(commit: 0, prepare: 0, count: 4097).result == .error)
            #expect(try await client.readAll(commit: -5, prepare: 0, count: 10).result == .error)
        }
    }

    @Test func readEventByNumberAndLast() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let id = UUID()
            _ = try await client.write("one-1", events: [TCPTestClient.newEvent("First", json: "{\"a\":1}"),
                                                        TCPTestClient.newEvent("Second", json: "{\"b\":2}", id: id,
                                                                               metadata: "{\"m\":true}")])
            let last = try await client.readEvent("one-1", -1)
            #expect(last.result == .success)
            let record = last.event.event
            #expect(record.eventNumber == 1 && record.eventType == "Second")
            #expect(UUID(dotNetBytes: record.eventID) == id)
            #expect(record.json == "{\"b\":2}")
            #expect(String(decoding: record.metadata, as: UTF8.self) == "{\"m\":true}")
            #expect(record.dataContentType == 1 && record.metadataContentType == 1)
            #expect(abs(record.createdEpoch - Int64(Date().timeIntervalSince1970 * 1000)) < 60_000)
            #expect(try await client.readEvent("one-1", 0).event.event.eventType == "First")
            let notFound = try await client.readEvent("one-1", 7)
            #expect(notFound.result == .notFound && notFound.hasEvent && !notFound.event.hasEvent)
        }
    }

    @Test func largeStreamPagesWithoutGapsOrDuplicates() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            for _ in 0..<5 { try await client.fill("large-1", count: 1000) }
            var next: Int64 = 0
            var seen: [Int64] = []
            while true {
                let page = try await client.readStream("large-1", from: next, count: 4096)
                seen += page.numbers
                next = page.nextEventNumber
                if page.isEndOfStream { break }
            }
            #expect(seen == Array(0..<5000))
        }
    }
}
