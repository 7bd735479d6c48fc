/// Group commit on one dedicated thread: concurrent jobs are batched into one durable transaction.
///
/// Each job runs on the writer thread with exclusive access to `State` and to the open
/// transaction (``WriteBatch``), inside its own savepoint: a job that throws rolls back only its own
/// appends and receives its error. A job must validate before it mutates `State`, because a thrown
/// error does not undo `State` changes. After COMMIT returns (fsync'ed in file mode), `didCommit`
/// runs on the writer thread with the batch's records in log order (skipped when the batch wrote
/// none), and only then are the submitters resumed. Keep `didCommit` short: it delays the next
/// batch.
///
/// When a batch fails, none of its jobs is acknowledged, and what happens next depends on why:
/// - the disk is full: every job of the batch receives ``StorageError/diskFull(_:)``, `reload`
///   brings `State` back in line with the log, and later jobs are tried as usual (they succeed
///   once space is freed);
/// - an I/O error (a failed write or fsync) or corruption anywhere, or COMMIT failing for any other
///   reason: whether the batch is on disk is unknown and later commits could not be trusted, so
///   the writer stops: the batch's jobs and every later one receive ``StorageError/writerFailed(_:)``;
/// - anything else (a savepoint failing before COMMIT): every job of the batch receives the error,
///   `reload` runs, and the writer goes on.
///
/// `State` never leaves the writer thread: do not share it (or objects it references) elsewhere.
public final class GroupCommitWriter<State>: Sendable {
    private let core: GroupCommitCore<State>

    /// Starts a writer on `log` (the writer's connection) with the initial `state`.
    ///
    /// - Parameters:
    ///   - maxEventsPerCommit: a batch stops taking jobs once it holds this many records.
    ///   - reload: called on the writer thread after a failed batch, to make `State` match the log
    ///     again; if it throws, the writer stops and fails every further job.
    ///   - didCommit: called on the writer thread after each commit, with its records in log order.
    ///   - commitFault: a fault-injection hook for tests, run as the first step of COMMIT: what it
    ///     throws counts as COMMIT's own error (so anything but a full disk stops the writer).
    ///   - didFail: called once, on the writer thread, with the reason when the writer stops for good.
    package init(
        log: sending EventLog,
        state: sending State,
        maxEventsPerCommit: Int = 10_000,
        reload: @escaping @Sendable (inout State, EventLog) throws -> Void,
        didCommit: @escaping @Sendable (inout State, [RecordedLogEvent]) -> Void,
        commitFault: (@Sendable () throws -> Void)? = nil,
        didFail: (@Sendable (String) -> Void)? = nil
    ) throws {
        let nextPosition = try log.lastPosition() + 1
        core = GroupCommitCore(
            log: log,
            state: state,
            nextPosition: nextPosition,
            maxEventsPerCommit: maxEventsPerCommit,
            reload: reload,
            didCommit: didCommit,
            commitFault: commitFault,
            didFail: didFail
        )
        core.start(name: "esdb-writer")  // Linux thread names hold at most 15 bytes
    }

    deinit {
        core.shutdown(wait: false)
    }

    /// Runs `job` in the next batch and returns its result once the batch has committed.
    ///
    /// Throws the job's own error, the batch's error if it failed (see the type's discussion:
    /// ``StorageError/diskFull(_:)``, ``StorageError/writerFailed(_:)`` or the error itself), or
    /// ``StorageError/writerShutDown`` after ``shutdown()``. Cancelling the calling task does not
    /// withdraw a submitted job.
    public func submit<R: Sendable>(
        _ job: @escaping @Sendable (inout State, inout WriteBatch) throws -> R
    ) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            submit(job) { continuation.resume(with: $0) }
        }
    }

    /// Runs `job` in the next batch and calls `completion` with its result once the batch has
    /// committed, or with its error — on the writer thread, so `completion` must only hand off.
    ///
    /// The callback form spares ``submit(_:)``'s two thread hops (the writer resuming a task, the
    /// task handing back to an event loop), which add up when one commit acknowledges many appends.
    ///
    /// ```swift
    /// writer.submit({ state, batch in try append(&state, &batch) }) { result in
    ///     eventLoop.execute { reply(result) }
    /// }
    /// ```
    public func submit<R: Sendable>(
        _ job: @escaping @Sendable (inout State, inout WriteBatch) throws -> R,
        completion: @escaping @Sendable (Result<R, any Error>) -> Void
    ) {
        core.enqueue(PendingJob(job, completion: completion))
    }

    /// Stops accepting jobs, finishes the queued ones, closes the connection and returns.
    /// Blocks the calling thread while it drains. Idempotent. Called from a job or `didCommit`
    /// it only requests the stop.
    public func shutdown() {
        core.shutdown()
    }

    /// Commits, acknowledged jobs and committed records so far.
    public var stats: GroupCommitStats { core.stats }

    /// The position of the last committed record (0 while the log is empty), kept in memory: it is
    /// updated after each COMMIT, before the batch's submitters are resumed, so it never lags
    /// behind an acknowledged write. Cheap enough for an event loop.
    public var lastCommittedPosition: Int64 { core.lastCommitted.load(ordering: .acquiring) }

    /// Whether ``submit(_:)`` still queues jobs (false once shutting down or failed).
    package var isAcceptingJobs: Bool { core.isAcceptingJobs }

    /// Jobs waiting for the writer thread (not counting the batch it is running).
    package var queuedJobCount: Int { core.queuedJobCount }

    /// The writer's shared core, as an opaque object: once the writer has shut down and is released,
    /// nothing should keep it (the node fuzzer checks with a weak reference).
    package var coreObject: AnyObject { core }

    /// A closure that shuts this writer down, for owners that must not keep it alive.
    var shutdownHandle: @Sendable () -> Void {
        { [core] in core.shutdown() }
    }
}
