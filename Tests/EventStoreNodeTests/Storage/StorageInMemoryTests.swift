import EventStoreNode
import EventStoreTesting
import Foundation
import Testing

/// The in-memory (`--mem`) database runs on files that are unlinked as soon as it is open: SQLite
/// must keep working on them (WAL appends, checkpoints that restart and truncate the WAL, readers
/// on many threads) with a fixed set of reader connections.
@Suite("Storage: in-memory database on unlinked files")
struct StorageInMemoryTests {
    /// About 1 KiB of data that encodes where it belongs.
    static func body(_ stream: String, _ number: Int64) -> [UInt8] {
        Array("{\"stream\":\"\(stream)\",\"n\":\(number),\"pad\":\"\(String(repeating: "x", count: 1_000))\"}".utf8)
    }

    @Test(.timeLimit(.minutes(3)))
    func walRestartsAndTruncationsUnderConcurrentReaders() async throws {
        let storage = try NodeStorage.openInMemory()
        defer { storage.close() }
        let path = storage.path
        let writer = try storage.makeWriter(
            loadState: { log in
                // Checkpoint every 50 pages (instead of 1,000) and cut the WAL back to 128 KiB when it
                // restarts (instead of 64 MiB), so a few MiB of appends restart and truncate it often.
                _ = try log.connection.setPragma("wal_autocheckpoint", "50")
                _ = try log.connection.setPragma("journal_size_limit", "131072")
                return try log.streamHeads()
            },
            didCommit: { (_: inout StreamHeads, _) in })
        let reader = storage.reader

        // 12 reader threads (more than the 8 connections) check every page they read while 4
        // writers append 3,000 events of 1 KiB.
        let writing = TestFlag()
        writing.set()
        let readers = (0..<12).map { _ in
            Task {
                try await runOnDedicatedThread { () throws -> Int in
                    var rounds = 0
                    var lastCount = 0
                    repeat {
                        var position = LogPosition.start
                        var count = 0
                        while true {
                            let page = try reader.readAllForward(from: position, maxCount: 500)
                            for record in page where record.data != Self.body(record.stream, record.number) {
                                throw InjectedFailure(label: "\(record.stream)/\(record.number) reads back wrong data")
                            }
                            count += page.count
                            guard let last = page.last, page.count == 500 else { break }
                            position = LogPosition(commit: last.position.commit, prepare: last.position.prepare + 1)
                        }
                        if count < lastCount { throw InjectedFailure(label: "read \(count) events after \(lastCount)") }
                        lastCount = count
                        rounds += 1
                    } while writing.isSet
                    return rounds
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    for round in 0..<150 {
                        _ = try await writer.submit { heads, batch in
                            let stream = "w\(index)"
                            let head = heads[stream] ?? -1
                            for offset in 1...Int64(5) {
                                _ = try batch.append(NewLogEvent(
                                    stream: stream, number: head + offset, eventID: StorageFixtures.eventID(index * 10_000 + round * 5 + Int(offset)),
                                    type: "Padded", isJSON: true, data: Self.body(stream, head + offset), metadata: [],
                                    createdMs: 0))
                            }
                            heads[stream] = head + 5
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        writing.clear()
        for task in readers {
            #expect(try await task.value > 0)
        }

        // Without readers the checkpoints complete: the WAL restarts and is cut back.
        let written = Int64(3_000 * Self.body("w0", 0).count)
        let walShrank = try await eventually(timeout: .seconds(30), every: .milliseconds(10)) {
            _ = try await writer.submit { heads, batch in
                let head = heads["quiet"] ?? -1
                _ = try batch.append(NewLogEvent(
                    stream: "quiet", number: head + 1, eventID: StorageFixtures.eventID(1_000_000 + Int(head)), type: "Padded",
                    isJSON: true, data: Self.body("quiet", head + 1), metadata: [], createdMs: 0))
                heads["quiet"] = head + 1
            }
            return (StorageFixtures.sizeOfOpenFile(path + "-wal (deleted)") ?? .max) <= 512 * 1024
        }
        #expect(walShrank, "the WAL is \(StorageFixtures.sizeOfOpenFile(path + "-wal (deleted)") ?? -1) bytes after \(written) written")

        // Everything reads back, and the files are still unlinked.
        for index in 0..<4 {
            let events = try reader.readStreamForward(stream: "w\(index)", from: 0, maxCount: 1_000)
            #expect(events.map(\.number) == Array(0..<750))
            #expect(events.allSatisfy { $0.data == Self.body($0.stream, $0.number) })
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aReadWaitsForAConnectionWhenAllAreBorrowed() async throws {
        let harness = try StorageHarness.make(inMemory: true)
        defer { harness.close() }
        _ = try await harness.writer.appendNext("a")
        let reader = harness.reader
        let release = TestFlag()
        let holding = TestCounter()
        let holders = (0..<NodeStorage.inMemoryReaderConnections).map { _ in
            Task {
                try await runOnDedicatedThread {
                    try reader.withLog { log in
                        holding.increment()
                        guard release.blockUntilSet(timeout: .seconds(50)) else { throw InjectedFailure(label: "never released") }
                        return try log.eventCount()
                    }
                }
            }
        }
        #expect(await eventually(timeout: .seconds(30)) { holding.count == NodeStorage.inMemoryReaderConnections })
        let checkouts = reader.checkoutCount
        let done = TestFlag()
        let extra = Task {
            try await runOnDedicatedThread { () throws -> Int64 in
                defer { done.set() }
                return try reader.eventCount()
            }
        }
        #expect(await eventually(timeout: .seconds(30)) { reader.checkoutCount == checkouts + 1 })
        try await Task.sleep(for: .milliseconds(100))
        #expect(!done.isSet, "a ninth read did not wait for a connection")
        release.set()
        #expect(try await extra.value == 1)
        for holder in holders {
            #expect(try await holder.value == 1)
        }
    }
}
