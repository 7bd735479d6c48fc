import EventStoreNode
import Testing

@Suite("Storage: $all reads")
struct StorageAllReadTests {
    /// (1,1) (2,2), a transaction (5,3) (5,4) (5,5), then (6,6).
    private static let layout = [(1, 1), (2, 2), (5, 3), (5, 4), (5, 5), (6, 6)].map {
        LogPosition(commit: Int64($0.0), prepare: Int64($0.1))
    }

    private func seeded() async throws -> StorageHarness {
        let harness = try StorageHarness.make()
        _ = try await harness.writer.appendNext("a")
        _ = try await harness.writer.appendNext("b")
        _ = try await harness.writer.appendNext("t", count: 3, transaction: true)
        _ = try await harness.writer.appendNext("a")
        return harness
    }

    private func forward(_ reader: EventLogReader, _ commit: Int64, _ prepare: Int64, max: Int = 100) throws
        -> [LogPosition]
    {
        try reader.readAllForward(from: LogPosition(commit: commit, prepare: prepare), maxCount: max).map(\.position)
    }

    private func backward(_ reader: EventLogReader, _ commit: Int64, _ prepare: Int64, max: Int = 100) throws
        -> [LogPosition]
    {
        try reader.readAllBackward(from: LogPosition(commit: commit, prepare: prepare), maxCount: max).map(\.position)
    }

    @Test func transactionSharesCommitWithConsecutivePrepares() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        _ = try await harness.writer.appendNext("a")
        let transaction = try await harness.writer.appendNext("t", count: 3, transaction: true)
        #expect(transaction.map(\.position) == [(4, 2), (4, 3), (4, 4)].map { LogPosition(commit: $0.0, prepare: $0.1) })
        #expect(transaction.map(\.number) == [0, 1, 2])
        #expect(try harness.reader.lastPosition() == 4)
        #expect(try harness.reader.readStreamForward(stream: "t", from: 0, maxCount: 9).map(\.position)
            == transaction.map(\.position))
        #expect(harness.committed.all.map(\.position) == [LogPosition(commit: 1, prepare: 1)] + transaction.map(\.position))
    }

    @Test func forwardFromStartMiddleAndEnd() async throws {
        let harness = try await seeded()
        defer { harness.close() }
        let reader = harness.reader
        let all = Self.layout
        #expect(try reader.readAllForward(from: .start, maxCount: 100).map(\.position) == all)
        #expect(try reader.readAllForward(from: .start, maxCount: 100).map(\.stream) == ["a", "b", "t", "t", "t", "a"])
        #expect(try forward(reader, 0, 0, max: 2) == Array(all[0..<2]))
        #expect(try forward(reader, 2, 2) == Array(all[1...]))
        #expect(try forward(reader, 2, 1) == Array(all[1...]))
        #expect(try forward(reader, 3, 3) == Array(all[2...]))
        #expect(try forward(reader, 5, 3) == Array(all[2...]))
        #expect(try forward(reader, 5, 4) == Array(all[3...]))
        #expect(try forward(reader, 5, 5) == Array(all[4...]))
        #expect(try forward(reader, 6, 6) == [all[5]])
        #expect(try forward(reader, 7, 7) == [])
        #expect(try reader.readAllForward(from: .end, maxCount: 10).isEmpty)
        #expect(try forward(reader, 0, 0, max: 0) == [])
    }

    @Test func backwardFromEndMiddleAndStart() async throws {
        let harness = try await seeded()
        defer { harness.close() }
        let reader = harness.reader
        let reversed = Array(Self.layout.reversed())
        #expect(try reader.readAllBackward(from: .end, maxCount: 100).map(\.position) == reversed)
        #expect(try reader.readAllBackward(from: .end, maxCount: 2).map(\.position) == Array(reversed[0..<2]))
        #expect(try backward(reader, 100, 100) == reversed)
        #expect(try backward(reader, 6, 6) == Array(reversed[1...]))
        #expect(try backward(reader, 5, 5) == Array(reversed[2...]))
        #expect(try backward(reader, 5, 4) == Array(reversed[3...]))
        #expect(try backward(reader, 5, 3) == Array(reversed[4...]))
        #expect(try backward(reader, 3, 3) == Array(reversed[4...]))
        #expect(try backward(reader, 1, 1) == [])
        #expect(try reader.readAllBackward(from: .start, maxCount: 10).isEmpty)
    }

    @Test func pagingVisitsEveryRecordOnce() async throws {
        let harness = try await seeded()
        defer { harness.close() }
        let reader = harness.reader
        var forwardPages: [LogPosition] = []
        var cursor = LogPosition.start
        while case let page = try reader.readAllForward(from: cursor, maxCount: 2), let last = page.last {
            forwardPages += page.map(\.position)
            cursor = LogPosition(commit: last.position.commit, prepare: last.position.prepare + 1)
        }
        #expect(forwardPages == Self.layout)
        var backwardPages: [LogPosition] = []
        cursor = .end
        while case let page = try reader.readAllBackward(from: cursor, maxCount: 2), let last = page.last {
            backwardPages += page.map(\.position)
            cursor = last.position
        }
        #expect(backwardPages == Self.layout.reversed())
    }

    @Test func emptyLog() throws {
        let storage = try NodeStorage.openInMemory()
        defer { storage.close() }
        #expect(try storage.reader.lastPosition() == 0)
        #expect(try storage.reader.readAllForward(from: .start, maxCount: 10).isEmpty)
        #expect(try storage.reader.readAllBackward(from: .end, maxCount: 10).isEmpty)
        #expect(try storage.reader.streamHeads().isEmpty)
    }

    @Test func positionOrdering() {
        #expect(LogPosition(commit: 5, prepare: 3) < LogPosition(commit: 5, prepare: 4))
        #expect(LogPosition(commit: 4, prepare: 4) < LogPosition(commit: 5, prepare: 3))
        #expect(LogPosition.start == LogPosition(commit: 0, prepare: 0))
        #expect(LogPosition.end == LogPosition(commit: -1, prepare: -1))
    }
}
