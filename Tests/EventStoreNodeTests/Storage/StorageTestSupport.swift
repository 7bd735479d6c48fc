import EventStoreNode
import EventStoreTesting
import Foundation
import Synchronization

/// Builders and helpers shared by the storage tests.
enum StorageFixtures {
    /// A fresh directory under the temporary directory.
    static func makeDirectory() -> String {
        let path = NSTemporaryDirectory() + "esdb-storage-tests/" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// What this process's open file descriptors refer to (`/proc/self/fd`), for those whose target
    /// starts with `path`: a file unlinked while open shows as `"<path> (deleted)"`. One entry per
    /// descriptor.
    static func openFiles(under path: String) -> [String] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0) }
            .filter { $0.hasPrefix(path) }
    }

    /// The size of the open file whose descriptor target (see ``openFiles(under:)``) is `target`.
    static func sizeOfOpenFile(_ target: String) -> Int64? {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in descriptors
        where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + descriptor)) == target {
            var info = stat()
            if stat("/proc/self/fd/" + descriptor, &info) == 0 { return Int64(info.st_size) }
        }
        return nil
    }

    /// A 16-byte id derived from `seed`.
    static func eventID(_ seed: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(seed).bigEndian) { Array($0) } + Array(repeating: 0xAB, count: 8)
    }

    static func event(_ stream: String, _ number: Int64, type: String = "Tested") -> NewLogEvent {
        NewLogEvent(
            stream: stream,
            number: number,
            eventID: eventID(Int(number) &* 7919 &+ stream.utf8.count),
            type: type,
            isJSON: true,
            data: Array("{\"n\":\(number)}".utf8),
            metadata: number % 2 == 0 ? [] : [1, 2, 3],
            createdMs: 1_700_000_000_000 + number
        )
    }
}

/// Stream heads: the writer state most tests use (stream → last number).
typealias StreamHeads = [String: Int64]

/// A storage with a running writer whose state is the stream heads, plus a record of `didCommit`.
struct StorageHarness {
    let directory: String?
    let storage: NodeStorage
    let writer: GroupCommitWriter<StreamHeads>
    let committed: CommitRecorder

    /// A file database in a fresh directory (or an in-memory one).
    static func make(inMemory: Bool = false, maxEventsPerCommit: Int = 10_000) throws -> StorageHarness {
        let directory = inMemory ? nil : StorageFixtures.makeDirectory()
        let storage = try inMemory
            ? NodeStorage.openInMemory() : NodeStorage.open(path: directory! + "/db/events.sqlite")
        return try make(storage: storage, directory: directory, maxEventsPerCommit: maxEventsPerCommit)
    }

    /// A harness over an already opened `storage`.
    static func make(storage: NodeStorage, directory: String?, maxEventsPerCommit: Int = 10_000) throws
        -> StorageHarness
    {
        let committed = CommitRecorder()
        let writer = try storage.makeWriter(
            maxEventsPerCommit: maxEventsPerCommit,
            loadState: { log in try log.streamHeads() },
            didCommit: { _, records in committed.append(records) })
        return StorageHarness(directory: directory, storage: storage, writer: writer, committed: committed)
    }

    var reader: EventLogReader { storage.reader }

    /// Closes the storage (draining the writer) and deletes the directory.
    func close() {
        storage.close()
        if let directory { StorageFixtures.removeDirectory(directory) }
    }
}

/// Collects what `didCommit` receives.
final class CommitRecorder: Sendable {
    private let batches = Mutex<[[RecordedLogEvent]]>([])

    func append(_ records: [RecordedLogEvent]) {
        batches.withLock { $0.append(records) }
    }

    var all: [RecordedLogEvent] { batches.withLock { $0.flatMap { $0 } } }
    var batchCount: Int { batches.withLock { $0.count } }
}

/// A boolean shared between a test and a job running on the writer thread.
final class TestFlag: Sendable {
    private let value = Mutex(false)

    func set() { value.withLock { $0 = true } }
    func clear() { value.withLock { $0 = false } }
    var isSet: Bool { value.withLock { $0 } }

    /// Blocks the calling (writer) thread until set; `false` if `timeout` passed first.
    func blockUntilSet(timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isSet {
            if ContinuousClock.now > deadline { return false }
            usleep(200)
        }
        return true
    }
}

/// A counter shared with closures that run on the writer thread.
final class TestCounter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new value.
    @discardableResult
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

struct InjectedFailure: Error, Equatable {
    var label = "injected"
}


extension GroupCommitWriter where State == StreamHeads {
    /// Appends `count` events to `stream` at the next numbers (as one explicit transaction when
    /// `transaction`), validating before updating the heads.
    func appendNext(_ stream: String, count: Int = 1, transaction: Bool = false) async throws
        -> [RecordedLogEvent]
    {
        try await submit { heads, batch in
            let head = heads[stream] ?? -1
            let events = (1...Int64(count)).map { StorageFixtures.event(stream, head + $0) }
            let recorded: [RecordedLogEvent]
            if transaction {
                recorded = try batch.appendTransaction(events)
            } else {
                recorded = try events.map { try batch.append($0) }
            }
            heads[stream] = head + Int64(count)
            return recorded
        }
    }

    /// Submits a job that blocks the writer thread until `release` is set, and waits until it runs.
    func blockWriter(until release: TestFlag) async throws -> Task<Void, any Error> {
        let started = TestFlag()
        let task = Task {
            try await self.submit { _, _ in
                started.set()
                guard release.blockUntilSet() else { throw InjectedFailure(label: "gate timed out") }
            }
        }
        _ = await eventually(every: .milliseconds(1)) { started.isSet }
        return task
    }
}
