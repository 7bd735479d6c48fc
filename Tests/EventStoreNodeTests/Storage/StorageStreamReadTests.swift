import EventStoreNode
import Testing

@Suite("Storage: stream reads")
struct StorageStreamReadTests {
    /// Ten events in `a` (0…9), interleaved with four in `b`.
    private func seeded() async throws -> StorageHarness {
        let harness = try StorageHarness.make()
        for index in 0..<10 {
            _ = try await harness.writer.appendNext("a")
            if index % 3 == 0 { _ = try await harness.writer.appendNext("b") }
        }
        return harness
    }

    @Test func forwardWindows() async throws {
        let harness = try await seeded()
        defer { harness.close() }
        let reader = harness.reader
        let numbers = { (from: Int64, max: Int) in
            try reader.readStreamForward(stream: "a", from: from, maxCount: max).map(\.number)
        }
        #expect(try numbers(0, 100) == Array(0...9))
        #expect(try numbers(3, 4) == [3, 4, 5, 6])
        #expect(try numbers(9, 5) == [9])
        #expect(try numbers(10, 5) == [])
        #expect(try numbers(-5, 2) == [0, 1])
        #expect(try numbers(0, 0) == [])
        #expect(try reader.readStreamForward(stream: "nope", from: 0, maxCount: 10).isEmpty)
    }

    @Test func backwardWindows() async throws {
        let harness = try await seeded()
        defer { harness.close() }
        let reader = harness.reader
        let numbers = { (from: Int64, max: Int) in
            try reader.readStreamBackward(stream: "a", from: from, maxCount: max).map(\.number)
        }
        #expect(try numbers(.max, 3) == [9, 8, 7])
        #expect(try numbers(4, 10) == [4, 3, 2, 1, 0])
        #expect(try numbers(0, 1) == [0])
        #expect(try numbers(-1, 5) == [])
        #expect(try numbers(20, 2) == [9, 8])
        #expect(try numbers(9, 0) == [])
    }

    @Test func singleEventsHeadsAndIDs() async throws {
        let harness = try await seeded()
        defer { harness.close() }
        let reader = harness.reader
        let fifth = try #require(try reader.event(stream: "a", number: 5))
        #expect(fifth.eventID == StorageFixtures.event("a", 5).eventID)
        #expect(try reader.event(stream: "a", number: 10) == nil)
        #expect(try reader.lastEvent(stream: "a")?.number == 9)
        #expect(try reader.lastNumber(stream: "b") == 3)
        #expect(try reader.lastNumber(stream: "nope") == nil)
        #expect(try reader.lastEvent(stream: "nope") == nil)
        #expect(try reader.streamHeads() == ["a": 9, "b": 3])
        #expect(try reader.eventIDs(stream: "a", numbers: 2...4) == (2...4).map { StorageFixtures.event("a", $0).eventID })
        #expect(try reader.eventIDs(stream: "a", numbers: 8...12).count == 2)
        #expect(try reader.eventCount() == 14)
        #expect(try reader.streamCount() == 2)
        #expect(try reader.lastPosition() == 14)
    }

    @Test func fieldsRoundTrip() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        let odd = NewLogEvent(
            stream: "straße-🚀\u{0}x", number: 0, eventID: Array(0..<16), type: "",
            isJSON: false, data: [], metadata: [0, 255, 0], createdMs: -42)
        let written = try await harness.writer.submit { _, batch in try batch.append(odd) }
        #expect(written == RecordedLogEvent(odd, position: LogPosition(commit: 1, prepare: 1)))
        let read = try harness.reader.readStreamForward(stream: odd.stream, from: 0, maxCount: 1)
        #expect(read == [written])
        #expect(try harness.reader.lastNumber(stream: "straße-🚀") == nil)
    }

    @Test func duplicateNumberIsAConstraintViolation() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        _ = try await harness.writer.appendNext("a")
        let error = await #expect(throws: SQLiteError.self) {
            try await harness.writer.submit { _, batch in try batch.append(StorageFixtures.event("a", 0)) }
        }
        #expect(error?.isConstraintViolation == true)
        #expect(try await harness.writer.appendNext("a").map(\.position.prepare) == [2])
    }
}
