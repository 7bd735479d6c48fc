import EventStoreNode
import EventStoreTesting
import Testing

@Suite("Storage: isolation and failed commits")
struct StorageIsolationTests {
    @Test func readersNeverSeeAnOpenBatch() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        let reader = harness.reader
        let appended = TestFlag()
        let release = TestFlag()
        let job = Task {
            try await harness.writer.submit { heads, batch in
                _ = try batch.append(StorageFixtures.event("x", 0))
                _ = try batch.appendTransaction([StorageFixtures.event("x", 1), StorageFixtures.event("x", 2)])
                let seenByWriter = try batch.log.eventCount()
                appended.set()
                guard release.blockUntilSet(timeout: .seconds(60)) else { throw InjectedFailure(label: "never released") }
                heads["x"] = 2
                return seenByWriter
            }
        }
        #expect(await eventually(every: .milliseconds(1)) { appended.isSet })
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<100 {
                        let sawNothing = (try? reader.eventCount() == 0
                            && reader.readAllBackward(from: .end, maxCount: 10).isEmpty
                            && reader.lastNumber(stream: "x") == nil) ?? false
                        if !sawNothing { return false }
                        await Task.yield()
                    }
                    return true
                }
            }
            for await sawNothing in group { #expect(sawNothing) }
        }
        release.set()
        #expect(try await job.value == 3)
        #expect(try reader.readStreamForward(stream: "x", from: 0, maxCount: 10).map(\.number) == [0, 1, 2])
    }

    @Test func readersSeeWholeTransactionsOnly() async throws {
        let harness = try StorageHarness.make(inMemory: true)
        defer { harness.close() }
        let reader = harness.reader
        let writing = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for round in 0..<25 {
                            _ = try await harness.writer.appendNext("t\(task)-\(round)", count: 3, transaction: true)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var checks = 0
        while checks < 10_000 {
            let snapshot = try reader.readAllBackward(from: .end, maxCount: 4_096)
            #expect(snapshot.count % 3 == 0)
            let perStream = Dictionary(grouping: snapshot, by: \.stream)
            #expect(perStream.values.allSatisfy { $0.count == 3 })
            checks += 1
            if snapshot.count == 600 { break }
            await Task.yield()
        }
        try await writing.value
        #expect(try reader.eventCount() == 600)
    }

    @Test func aCommitOnAFullDiskFailsItsBatchAndReloadsState() async throws {
        let directory = StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        let path = directory + "/events.sqlite"
        let commits = TestCounter()
        let reloads = TestCounter()
        let committed = CommitRecorder()
        let writer = try GroupCommitWriter<StreamHeads>(
            log: EventLog.openWriter(path: path, durability: .full),
            state: [:],
            reload: { heads, log in
                reloads.increment()
                heads = try log.streamHeads()
            },
            didCommit: { _, records in committed.append(records) },
            commitFault: { if commits.increment() == 3 { throw StorageFaults.diskFull } })
        defer { writer.shutdown() }
        let reader = EventLogReader(path: path)
        defer { reader.close() }

        _ = try await writer.appendNext("a")
        let release = TestFlag()
        let gate = try await writer.blockWriter(until: release)
        let first = Task { try await writer.appendNext("a") }
        let second = Task { try await writer.appendNext("b") }
        #expect(await eventually(every: .milliseconds(1)) { writer.queuedJobCount == 2 })
        release.set()
        try await gate.value
        let diskFull = StorageError.diskFull(StorageFaults.diskFull.description)
        await #expect(throws: diskFull) { try await first.value }
        await #expect(throws: diskFull) { try await second.value }

        #expect(reloads.count == 1)
        #expect(try reader.eventCount() == 1)
        #expect(try await writer.submit { heads, _ in heads } == ["a": 0])
        let next = try await writer.appendNext("a")
        #expect(next.map(\.number) == [1])
        #expect(next.map(\.position.prepare) == [2])
        #expect(committed.all.map(\.position.prepare) == [1, 2])
        #expect(writer.stats.commits == 4)
    }

    @Test func aWriterThatCannotReloadStops() async throws {
        let directory = StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        let writer = try GroupCommitWriter<StreamHeads>(
            log: EventLog.openWriter(path: directory + "/events.sqlite", durability: .full),
            state: [:],
            reload: { _, _ in throw InjectedFailure(label: "reload") },
            didCommit: { _, _ in },
            commitFault: { throw StorageFaults.diskFull })
        await #expect(throws: StorageError.diskFull(StorageFaults.diskFull.description)) { try await writer.appendNext("a") }
        #expect(await eventually(every: .milliseconds(1)) { !writer.isAcceptingJobs })
        let error = await #expect(throws: StorageError.self) { try await writer.appendNext("a") }
        guard case .writerFailed(let reason) = error else {
            Issue.record("expected writerFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("reload"))
        writer.shutdown()
    }
}
