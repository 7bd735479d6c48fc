import Foundation
import Synchronization

/// The shared state of a ``GroupCommitWriter``: the job queue (guarded by `condition`) and the
/// writer-thread-only state (the log, the caller's `State`, the next position).
///
/// `@unchecked Sendable` because of that split: queue fields are touched only with `condition`
/// locked, the rest only on the writer thread (or in `init`, before the thread starts).
final class GroupCommitCore<State>: @unchecked Sendable {
    enum Phase {
        case running
        case closing
        case failed(reason: String)
    }

    let maxEventsPerCommit: Int
    let reload: @Sendable (inout State, EventLog) throws -> Void
    let didCommit: @Sendable (inout State, [RecordedLogEvent]) -> Void
    let commitFault: (@Sendable () throws -> Void)?
    let didFail: (@Sendable (String) -> Void)?
    /// The position of the last committed record (0 for an empty log); stored after each COMMIT,
    /// before `didCommit` and the acknowledgements, read from any thread.
    let lastCommitted: Atomic<Int64>

    // MARK: Guarded by `condition`
    let condition = NSCondition()
    var queue: [PendingJob<State>] = []
    var phase = Phase.running
    var threadFinished = false
    var thread: Thread?
    var counters = GroupCommitStats()

    // MARK: Writer thread only
    let log: EventLog
    var state: State
    var nextPosition: Int64

    init(
        log: EventLog,
        state: State,
        nextPosition: Int64,
        maxEventsPerCommit: Int,
        reload: @escaping @Sendable (inout State, EventLog) throws -> Void,
        didCommit: @escaping @Sendable (inout State, [RecordedLogEvent]) -> Void,
        commitFault: (@Sendable () throws -> Void)?,
        didFail: (@Sendable (String) -> Void)?
    ) {
        self.log = log
        self.state = state
        self.nextPosition = nextPosition
        self.lastCommitted = Atomic(nextPosition - 1)
        self.maxEventsPerCommit = max(1, maxEventsPerCommit)
        self.reload = reload
        self.didCommit = didCommit
        self.commitFault = commitFault
        self.didFail = didFail
    }

    /// Starts the dedicated writer thread.
    func start(name: String) {
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    /// Queues `job`, or fails it at once when the writer no longer accepts work.
    func enqueue(_ job: PendingJob<State>) {
        condition.lock()
        guard case .running = phase else {
            let error = refusal()
            condition.unlock()
            job.fail(error)
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Stops accepting jobs and, unless called on the writer thread itself, waits until every queued
    /// job has finished and the connection is closed.
    func shutdown(wait: Bool = true) {
        condition.lock()
        defer { condition.unlock() }
        if case .running = phase { phase = .closing }
        condition.broadcast()
        guard wait, Thread.current !== thread else { return }
        while !threadFinished { condition.wait() }
    }

    var stats: GroupCommitStats {
        condition.lock()
        defer { condition.unlock() }
        return counters
    }

    var isAcceptingJobs: Bool {
        condition.lock()
        defer { condition.unlock() }
        if case .running = phase { return true }
        return false
    }

    var queuedJobCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// The error for a job the writer will not run. Call with `condition` locked.
    func refusal() -> StorageError {
        if case .failed(let reason) = phase { return .writerFailed(reason) }
        return .writerShutDown
    }
}
