/// The open transaction a job appends to. Jobs receive it `inout` from ``GroupCommitWriter``.
///
/// Appends are inserted at once (inside the job's savepoint), so constraint violations surface as
/// errors from `append`. Copies share one underlying batch, and appending after the batch has been
/// committed or abandoned throws, so a copy that escapes a job can never write.
public struct WriteBatch {
    private let buffer: WriteBatchBuffer

    init(log: EventLog, nextPosition: Int64) {
        buffer = WriteBatchBuffer(log: log, nextPosition: nextPosition)
    }

    /// The writer's log. Reads through it see the committed log plus everything appended earlier in
    /// this transaction (by this job or by earlier jobs of the same batch).
    public var log: EventLog { buffer.log }

    /// The prepare position the next appended event will get.
    public var nextPosition: Int64 { buffer.nextPosition }

    /// The number of records appended so far in this transaction (all jobs).
    public var recordCount: Int { buffer.records.count }

    /// Appends one self-committing event: its commit and prepare positions are both the next position.
    public mutating func append(_ event: NewLogEvent) throws -> RecordedLogEvent {
        try buffer.append([event], shareCommit: false)[0]
    }

    /// Appends the events of an explicit transaction, all or nothing: they get consecutive prepare
    /// positions and share the commit position of the last one.
    public mutating func appendTransaction(_ events: [NewLogEvent]) throws -> [RecordedLogEvent] {
        guard !events.isEmpty else { return [] }
        return try buffer.append(events, shareCommit: true)
    }

    // MARK: Writer-side bookkeeping

    /// The records appended so far, in log order.
    var records: [RecordedLogEvent] { buffer.records }

    /// Where a job started, so its appends can be forgotten if it fails.
    var mark: WriteBatchBuffer.Mark { buffer.mark }

    /// Forgets the appends made after `mark` (the caller rolls their rows back).
    func rollback(to mark: WriteBatchBuffer.Mark) { buffer.rollback(to: mark) }

    /// Ends the batch: later appends through any copy throw ``StorageError/writerShutDown``.
    func close() { buffer.isOpen = false }
}

/// The shared, mutable body of a ``WriteBatch``. Used only on the writer thread.
final class WriteBatchBuffer {
    struct Mark {
        let nextPosition: Int64
        let recordCount: Int
    }

    let log: EventLog
    var nextPosition: Int64
    var records: [RecordedLogEvent] = []
    var isOpen = true

    init(log: EventLog, nextPosition: Int64) {
        self.log = log
        self.nextPosition = nextPosition
    }

    var mark: Mark { Mark(nextPosition: nextPosition, recordCount: records.count) }

    func rollback(to mark: Mark) {
        nextPosition = mark.nextPosition
        records.removeSubrange(mark.recordCount...)
    }

    /// Inserts `events` at consecutive positions; with `shareCommit` all get the last one's position
    /// as commit position (inside a nested savepoint, so a failure leaves nothing behind).
    func append(_ events: [NewLogEvent], shareCommit: Bool) throws -> [RecordedLogEvent] {
        guard isOpen else { throw StorageError.writerShutDown }
        let first = nextPosition
        let last = first + Int64(events.count) - 1
        if events.count > 1 { try log.beginNestedSavepoint() }
        do {
            for (offset, event) in events.enumerated() {
                let position = first + Int64(offset)
                try log.insert(event, position: position, commit: shareCommit ? last : position)
            }
            if events.count > 1 { try log.releaseNestedSavepoint() }
        } catch {
            if events.count > 1 { try? log.rollbackNestedSavepoint() }
            throw error
        }
        let appended = events.enumerated().map { offset, event in
            let position = first + Int64(offset)
            return RecordedLogEvent(
                event, position: LogPosition(commit: shareCommit ? last : position, prepare: position))
        }
        records.append(contentsOf: appended)
        nextPosition = last + 1
        return appended
    }
}
