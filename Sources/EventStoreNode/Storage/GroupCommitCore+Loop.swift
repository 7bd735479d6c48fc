/// The writer thread: wait for jobs → one transaction per batch (a savepoint per job) → COMMIT →
/// `didCommit` → acknowledge.
extension GroupCommitCore {
    func runLoop() {
        while let jobs = takeJobs() {
            var remaining = jobs[...]
            while !remaining.isEmpty {
                remaining = commitBatch(remaining)
                if case .failed = lockedPhase() {
                    let error = lockedRefusal()
                    remaining.forEach { $0.fail(error) }
                    remaining = []
                }
            }
        }
        log.close()
        condition.lock()
        threadFinished = true
        // The thread's block holds this core: let go of the thread, or core, state and log outlive the writer.
        thread = nil
        let leftovers = queue
        let error = refusal()
        queue = []
        condition.broadcast()
        condition.unlock()
        leftovers.forEach { $0.fail(error) }
    }

    /// Waits for work and takes the whole queue; `nil` once closing with nothing left, or failed.
    private func takeJobs() -> [PendingJob<State>]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty, case .running = phase {
            condition.wait()
        }
        if case .failed = phase { return nil }
        guard !queue.isEmpty else { return nil }
        let jobs = queue
        queue.removeAll(keepingCapacity: true)
        return jobs
    }

    /// Runs jobs from the front of `jobs` in one transaction until the batch holds at least
    /// `maxEventsPerCommit` records, commits, and returns the jobs not taken.
    private func commitBatch(_ jobs: ArraySlice<PendingJob<State>>) -> ArraySlice<PendingJob<State>> {
        do {
            try log.beginTransaction()
        } catch {
            log.rollbackTransaction()
            let failure = handle(error, duringCommit: false, recovering: false)
            jobs.forEach { $0.fail(failure) }
            return []
        }
        var batch = WriteBatch(log: log, nextPosition: nextPosition)
        var taken = 0
        var awaitingCommit: [PendingJob<State>] = []
        var acknowledgements: [@Sendable () -> Void] = []
        var committing = false
        do {
            for job in jobs {
                if taken > 0, batch.recordCount >= maxEventsPerCommit { break }
                taken += 1
                awaitingCommit.append(job)
                let mark = batch.mark
                try log.beginSavepoint()
                switch job.run(&state, &batch) {
                case .succeeded(let acknowledge):
                    try log.releaseSavepoint()
                    acknowledgements.append(acknowledge)
                case .failed(let error):
                    // A full disk or an I/O error inside a job is the whole batch's (SQLite may
                    // already have rolled the transaction back).
                    if let sqlite = error as? SQLiteError, sqlite.isDiskFull || sqlite.leavesStorageInDoubt {
                        throw sqlite
                    }
                    awaitingCommit.removeLast()
                    batch.rollback(to: mark)
                    job.fail(error)
                    try log.rollbackSavepoint()
                }
            }
            committing = true
            try commitFault?()
            try log.commitTransaction()
        } catch {
            batch.close()
            log.rollbackTransaction()
            let failure = handle(error, duringCommit: committing, recovering: true)
            awaitingCommit.forEach { $0.fail(failure) }
            return jobs.dropFirst(taken)
        }
        batch.close()
        nextPosition = batch.nextPosition
        lastCommitted.store(nextPosition - 1, ordering: .releasing)
        let records = batch.records
        if !records.isEmpty { didCommit(&state, records) }
        condition.lock()
        counters.commits += 1
        counters.jobs += acknowledgements.count
        counters.events += records.count
        condition.unlock()
        acknowledgements.forEach { $0() }
        return jobs.dropFirst(taken)
    }

    /// Decides what a failed BEGIN or batch means, and returns the error its jobs receive.
    ///
    /// - A full disk: ``StorageError/diskFull(_:)``; the writer reloads and goes on.
    /// - An I/O error or corruption anywhere, or COMMIT failing for any other reason: the log is in
    ///   doubt (the batch may or may not be on disk, and after a failed fsync later commits could not
    ///   be trusted either), so the writer stops and refuses every further job with
    ///   ``StorageError/writerFailed(_:)``; reads go on.
    /// - Anything else (a failed savepoint): the error itself; the writer reloads (when
    ///   `recovering`) and goes on.
    private func handle(_ error: any Error, duringCommit: Bool, recovering: Bool) -> any Error {
        let sqlite = error as? SQLiteError
        if let sqlite, sqlite.isDiskFull {
            if recovering { recover(after: error) }
            return StorageError.diskFull(sqlite.description)
        }
        if sqlite?.leavesStorageInDoubt == true || duringCommit {
            let reason = "\(duringCommit ? "COMMIT" : "writing the batch") failed, the log is in doubt: \(error)"
            stop(reason: reason)
            return StorageError.writerFailed(reason)
        }
        if recovering { recover(after: error) }
        return error
    }

    /// After a failed batch: re-read the next position and let `reload` bring `State` back in line
    /// with what is on disk.
    /// If even that fails, the writer stops and every further job fails.
    private func recover(after error: any Error) {
        do {
            nextPosition = try log.lastPosition() + 1
            try reload(&state, log)
        } catch let reloadError {
            stop(reason: "\(error); then reloading failed: \(reloadError)")
        }
    }

    /// Stops accepting jobs for good (queued ones fail with ``StorageError/writerFailed(_:)``).
    private func stop(reason: String) {
        condition.lock()
        phase = .failed(reason: reason)
        condition.unlock()
        didFail?(reason)
    }

    private func lockedPhase() -> Phase {
        condition.lock()
        defer { condition.unlock() }
        return phase
    }

    private func lockedRefusal() -> StorageError {
        condition.lock()
        defer { condition.unlock() }
        return refusal()
    }
}
