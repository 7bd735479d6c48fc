import EventStoreNode
import EventStoreTesting
import Foundation
import Testing

@Suite("Storage: group commit")
struct StorageGroupCommitTests {
    @Test func concurrentSubmitsShareCommits() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        let writer = harness.writer
        let release = TestFlag()
        let gate = try await writer.blockWriter(until: release)
        let results = Task {
            try await withThrowingTaskGroup(of: [RecordedLogEvent].self) { group in
                for task in 0..<64 {
                    group.addTask { try await writer.appendNext("s\(task % 8)") }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        #expect(await eventually(every: .milliseconds(1)) { writer.queuedJobCount == 64 })
        release.set()
        try await gate.value
        let records = try await results.value

        #expect(writer.stats == GroupCommitStats(commits: 2, jobs: 65, events: 64))
        #expect(records.map(\.position.prepare).sorted() == Array(1...64))
        #expect(records.allSatisfy { $0.position.commit == $0.position.prepare })
        for stream in 0..<8 {
            let numbers = records.filter { $0.stream == "s\(stream)" }.map(\.number).sorted()
            #expect(numbers == Array(0..<8))
        }
        #expect(harness.committed.all.map(\.position.prepare) == Array(1...64))
        #expect(try harness.reader.eventCount() == 64)
    }

    @Test func manyWritersStayGapFree() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        let writer = harness.writer
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<64 {
                group.addTask {
                    for _ in 0..<20 { _ = try await writer.appendNext("w\(task)") }
                }
            }
            try await group.waitForAll()
        }
        let stats = writer.stats
        #expect(stats.jobs == 1_280)
        #expect(stats.events == 1_280)
        #expect(stats.commits < stats.jobs)
        let all = try harness.reader.readAllForward(from: .start, maxCount: 4_096)
        #expect(all.map(\.position.prepare) == Array(1...1_280))
        #expect(harness.committed.all == all)
        for task in 0..<64 {
            #expect(try harness.reader.readStreamForward(stream: "w\(task)", from: 0, maxCount: 50).map(\.number)
                == Array(0..<20))
        }
    }

    @Test func aThrowingJobRollsBackOnlyItself() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        let writer = harness.writer
        let release = TestFlag()
        let gate = try await writer.blockWriter(until: release)
        let first = Task { try await writer.appendNext("a") }
        #expect(await eventually(every: .milliseconds(1)) { writer.queuedJobCount == 1 })
        let failing = Task {
            try await writer.submit { heads, batch in
                _ = try batch.append(StorageFixtures.event("b", 0))
                _ = try batch.appendTransaction([StorageFixtures.event("b", 1), StorageFixtures.event("b", 2)])
                throw InjectedFailure()
            }
        }
        #expect(await eventually(every: .milliseconds(1)) { writer.queuedJobCount == 2 })
        let third = Task { try await writer.appendNext("c") }
        #expect(await eventually(every: .milliseconds(1)) { writer.queuedJobCount == 3 })
        release.set()
        try await gate.value

        #expect(try await first.value.map(\.position.prepare) == [1])
        await #expect(throws: InjectedFailure()) { try await failing.value }
        #expect(try await third.value.map(\.position.prepare) == [2])
        #expect(writer.stats == GroupCommitStats(commits: 2, jobs: 3, events: 2))
        #expect(try harness.reader.lastNumber(stream: "b") == nil)
        #expect(harness.committed.all.map(\.stream) == ["a", "c"])
        let heads = try await writer.submit { heads, _ in heads }
        #expect(heads == ["a": 0, "c": 0])
    }

    @Test func aFailedTransactionLeavesNothingBehind() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        _ = try await harness.writer.appendNext("a")
        let outcome = try await harness.writer.submit { _, batch in
            let failed: Bool
            do {
                _ = try batch.appendTransaction([StorageFixtures.event("t", 0), StorageFixtures.event("a", 0)])
                failed = false
            } catch {
                failed = (error as? SQLiteError)?.isConstraintViolation == true
            }
            return (failed, try batch.append(StorageFixtures.event("u", 0)).position)
        }
        #expect(outcome.0)
        #expect(outcome.1 == LogPosition(commit: 2, prepare: 2))
        #expect(try harness.reader.lastNumber(stream: "t") == nil)
        #expect(try harness.reader.eventCount() == 2)
    }

    @Test func commitsAreCappedByEventCount() async throws {
        let harness = try StorageHarness.make(inMemory: true, maxEventsPerCommit: 5)
        defer { harness.close() }
        let writer = harness.writer
        let release = TestFlag()
        let gate = try await writer.blockWriter(until: release)
        let jobs = (0..<10).map { index in Task { try await writer.appendNext("s\(index)", count: 3) } }
        #expect(await eventually(every: .milliseconds(1)) { writer.queuedJobCount == 10 })
        release.set()
        try await gate.value
        for job in jobs { _ = try await job.value }
        #expect(writer.stats == GroupCommitStats(commits: 6, jobs: 11, events: 30))
        #expect(harness.committed.batchCount == 5)
    }

    @Test func shutdownDrainsQueuedJobsThenRefuses() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        let writer = harness.writer
        let release = TestFlag()
        let gate = try await writer.blockWriter(until: release)
        let queued = (0..<10).map { _ in Task { try await writer.appendNext("q") } }
        #expect(await eventually(every: .milliseconds(1)) { writer.queuedJobCount == 10 })
        let stopped = TestFlag()
        let stopper = Thread {
            writer.shutdown()
            stopped.set()
        }
        stopper.start()
        #expect(await eventually(every: .milliseconds(1)) { !writer.isAcceptingJobs })
        #expect(!stopped.isSet)
        release.set()
        try await gate.value
        for job in queued { _ = try await job.value }
        #expect(await eventually(every: .milliseconds(1)) { stopped.isSet })
        await #expect(throws: StorageError.writerShutDown) { try await writer.appendNext("q") }
        #expect(try harness.reader.readStreamForward(stream: "q", from: 0, maxCount: 20).map(\.number) == Array(0..<10))
    }

    @Test func shutdownFromInsideAJobDoesNotDeadlock() async throws {
        let harness = try StorageHarness.make(inMemory: true)
        defer { harness.close() }
        let writer = harness.writer
        let record = try await writer.submit { _, batch in
            writer.shutdown()
            return try batch.append(StorageFixtures.event("a", 0))
        }
        #expect(record.position == LogPosition(commit: 1, prepare: 1))
        #expect(!writer.isAcceptingJobs)
        await #expect(throws: StorageError.writerShutDown) { try await writer.appendNext("a") }
        #expect(try harness.reader.lastNumber(stream: "a") == 0)
    }

    @Test func theLastCommittedPositionIsKnownBeforeTheAcknowledgementWithoutAQuery() async throws {
        let directory = StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        let path = directory + "/events.sqlite"
        let first = try StorageHarness.make(storage: NodeStorage.open(path: path), directory: nil)
        #expect(first.writer.lastCommittedPosition == 0)
        let reads = first.reader.checkoutCount
        for round in 1...5 {
            let seen = try await withCheckedThrowingContinuation { continuation in
                first.writer.submit({ heads, batch in
                    let head = heads["p", default: -1]
                    let recorded = try batch.appendTransaction([
                        StorageFixtures.event("p", head + 1), StorageFixtures.event("p", head + 2),
                    ])
                    heads["p"] = head + 2
                    return recorded.last!.position.commit
                }, completion: { [writer = first.writer] result in
                    // The acknowledgement: the position must already be there.
                    continuation.resume(with: result.map { ($0, writer.lastCommittedPosition) })
                })
            }
            #expect(seen.0 == Int64(round * 2))
            #expect(seen.1 == seen.0)
        }
        #expect(first.reader.checkoutCount == reads)
        first.close()

        let second = try StorageHarness.make(storage: NodeStorage.open(path: path), directory: nil)
        defer { second.close() }
        #expect(second.writer.lastCommittedPosition == 10)
    }
}
