import EventStoreNode
import EventStoreTesting
import Foundation
import Synchronization
import Testing

/// How the writer treats a failed batch: a full disk is recoverable, an I/O error (a failed fsync)
/// or any other COMMIT failure leaves the log in doubt and stops the writer for good.
@Suite("Storage: failed commits")
struct StorageFailureTests {
    /// `SQLITE_IOERR_READ`, as a job's query would throw it.
    static let readError = SQLiteError(code: 10 | (1 << 8), message: "disk I/O error", operation: "step SELECT")

    /// A durable harness whose `loadState` calls are counted (1 at start, one per reload).
    static func makeHarness(loads: TestCounter, failures: FailureLog) throws -> StorageHarness {
        let directory = StorageFixtures.makeDirectory()
        let storage = try NodeStorage.open(path: directory + "/events.sqlite")
        storage.whenWriterFails { failures.append($0) }
        let committed = CommitRecorder()
        let writer = try storage.makeWriter(
            loadState: { log in
                loads.increment()
                return try log.streamHeads()
            },
            didCommit: { _, records in committed.append(records) })
        return StorageHarness(directory: directory, storage: storage, writer: writer, committed: committed)
    }

    @Test func aFailedFsyncFailsTheBatchAndStopsTheWriterForGood() async throws {
        let directory = StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        let path = directory + "/events.sqlite"
        let commits = TestCounter()
        let reloads = TestCounter()
        let failures = FailureLog()
        // The third COMMIT fails as if fsync returned EIO: the first append and the gate commit.
        let writer = try GroupCommitWriter<StreamHeads>(
            log: EventLog.openWriter(path: path, durability: .full),
            state: [:],
            reload: { heads, log in
                reloads.increment()
                heads = try log.streamHeads()
            },
            didCommit: { _, _ in },
            commitFault: { if commits.increment() == 3 { throw StorageFaults.fsyncFailed } },
            didFail: { failures.append($0) })
        defer { writer.shutdown() }
        let reader = EventLogReader(path: path)
        defer { reader.close() }
        _ = try await writer.appendNext("a")

        // Three jobs in one batch, whose COMMIT fails.
        let release = TestFlag()
        let gate = try await writer.blockWriter(until: release)
        let jobs = ["a", "b", "c"].map { stream in Task { try await writer.appendNext(stream) } }
        #expect(await eventually { writer.queuedJobCount == 3 })
        release.set()
        try await gate.value
        for job in jobs {
            let error = await #expect(throws: StorageError.self) { try await job.value }
            guard case .writerFailed(let reason) = error else {
                Issue.record("expected writerFailed, got \(String(describing: error))")
                continue
            }
            #expect(reason.contains("COMMIT failed") && reason.contains("disk I/O error"), "\(reason)")
            #expect("\(error!)".contains("storage failed") && "\(error!)".contains("read-only"), "\(error!)")
        }
        #expect(commits.count == 3)

        // Nothing is written any more, even though the fault was a single one; nothing was
        // reloaded; reads go on and show only what was acknowledged.
        #expect(!writer.isAcceptingJobs)
        let later = await #expect(throws: StorageError.self) { try await writer.appendNext("d") }
        if case .writerFailed = later {} else { Issue.record("expected writerFailed, got \(String(describing: later))") }
        #expect(commits.count == 3)
        #expect(reloads.count == 0)
        #expect(failures.reasons.count == 1)
        #expect(failures.reasons.first?.contains("disk I/O error") == true)
        #expect(try reader.eventCount() == 1)
        #expect(try reader.readStreamForward(stream: "a", from: 0, maxCount: 10).map(\.number) == [0])
        #expect(writer.lastCommittedPosition == 1)
    }

    @Test func theStoragesFaultSwitchFailsCommitsAndReportsTheStop() async throws {
        let loads = TestCounter()
        let failures = FailureLog()
        let harness = try Self.makeHarness(loads: loads, failures: failures)
        defer { harness.close() }
        _ = try await harness.writer.appendNext("a")
        harness.storage.faults.failCommits(with: StorageFaults.fsyncFailed)
        let error = await #expect(throws: StorageError.self) { try await harness.writer.appendNext("a") }
        if case .writerFailed = error {} else { Issue.record("expected writerFailed, got \(String(describing: error))") }
        harness.storage.faults.failCommits(with: nil)
        await #expect(throws: StorageError.self) { try await harness.writer.appendNext("a") }
        #expect(failures.reasons.count == 1)
        #expect(loads.count == 1)
        #expect(try harness.reader.readStreamForward(stream: "a", from: 0, maxCount: 10).map(\.number) == [0])
    }

    @Test func anyCommitFailureButAFullDiskStopsTheWriter() async throws {
        let directory = StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        let writer = try GroupCommitWriter<StreamHeads>(
            log: EventLog.openWriter(path: directory + "/events.sqlite", durability: .full),
            state: [:],
            reload: { heads, log in heads = try log.streamHeads() },
            didCommit: { _, _ in },
            commitFault: { throw InjectedFailure(label: "commit") })
        defer { writer.shutdown() }
        let error = await #expect(throws: StorageError.self) { try await writer.appendNext("a") }
        guard case .writerFailed(let reason) = error else {
            Issue.record("expected writerFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("COMMIT failed"))
        #expect(!writer.isAcceptingJobs)
    }

    @Test func anIOErrorInAJobFailsItsWholeBatchAndStopsTheWriter() async throws {
        let loads = TestCounter()
        let harness = try Self.makeHarness(loads: loads, failures: FailureLog())
        defer { harness.close() }
        let writer = harness.writer
        let release = TestFlag()
        let gate = try await writer.blockWriter(until: release)
        let fine = Task { try await writer.appendNext("a") }
        #expect(await eventually { writer.queuedJobCount == 1 })
        let broken = Task { try await writer.submit { _, _ in throw Self.readError } }
        #expect(await eventually { writer.queuedJobCount == 2 })
        release.set()
        try await gate.value
        // The job that went well shares its batch's fate: it is not acknowledged.
        for job in [fine] as [Task<[RecordedLogEvent], any Error>] {
            let error = await #expect(throws: StorageError.self) { try await job.value }
            if case .writerFailed = error {} else { Issue.record("expected writerFailed, got \(String(describing: error))") }
        }
        let error = await #expect(throws: StorageError.self) { try await broken.value }
        guard case .writerFailed(let reason) = error else {
            Issue.record("expected writerFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("writing the batch failed") && reason.contains("disk I/O error"), "\(reason)")
        #expect(!writer.isAcceptingJobs)
        #expect(try harness.reader.eventCount() == 0)
        #expect(loads.count == 1)
    }

    @Test func aFullDiskFailsTheBatchAndTheWriterGoesOn() async throws {
        let loads = TestCounter()
        let failures = FailureLog()
        let harness = try Self.makeHarness(loads: loads, failures: failures)
        defer { harness.close() }
        let writer = harness.writer
        _ = try await writer.appendNext("a")
        harness.storage.faults.failCommits(with: StorageFaults.diskFull)
        let error = await #expect(throws: StorageError.self) { try await writer.appendNext("a") }
        guard case .diskFull(let reason) = error else {
            Issue.record("expected diskFull, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("full"))
        #expect("\(error!)".contains("disk is full") && !"\(error!)".contains("read-only"), "\(error!)")
        #expect(writer.isAcceptingJobs)
        #expect(loads.count == 2)

        harness.storage.faults.failCommits(with: nil)
        let next = try await writer.appendNext("a")
        #expect(next.map(\.number) == [1])
        #expect(next.map(\.position.prepare) == [2])
        #expect(failures.reasons.isEmpty)
        #expect(try harness.reader.readStreamForward(stream: "a", from: 0, maxCount: 10).map(\.number) == [0, 1])
    }
}

/// The reasons a writer reported when it stopped.
final class FailureLog: Sendable {
    private let entries = Mutex<[String]>([])

    func append(_ reason: String) { entries.withLock { $0.append(reason) } }
    var reasons: [String] { entries.withLock { $0 } }
}
