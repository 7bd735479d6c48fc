import EventStoreWire
import Synchronization

/// Drives ``StandardProjections``: after each commit with source events it submits one job that
/// writes their links (so links land in a later commit, as the server's projections write them);
/// at start it projects whatever the log holds after the last link written, so a restart (or
/// turning projections on for an existing database) leaves no event unlinked or linked twice.
final class Projector: Sendable {
    let enabled: Bool
    private let writer = Mutex<GroupCommitWriter<WriterState>?>(nil)

    init(enabled: Bool) {
        self.enabled = enabled
    }

    /// Catches up with the log, then projects every later commit. Called once, before the node
    /// accepts connections.
    func start(writer: GroupCommitWriter<WriterState>, reader: EventLogReader) throws {
        guard enabled else { return }
        var position = try reader.withLog { (log) throws in try Self.resumePosition(log) }
        while true {
            let page = try reader.withLog { (log) throws in try log.readAllForward(from: position, maxCount: 4096) }
            guard let last = page.last else { break }
            let sources = page.filter(StandardProjections.isSource)
            if !sources.isEmpty { try project(sources, on: writer) }
            position = ReadContext.position(after: last)
        }
        self.writer.withLock { $0 = writer }
    }

    /// Lets go of the writer (node shutdown): the writer's `didCommit` holds this projector, so
    /// keeping the writer here would keep both alive after the node stops.
    func stop() {
        writer.withLock { $0 = nil }
    }

    /// Called by the writer after each commit, on the writer thread.
    func committed(_ records: [RecordedLogEvent]) {
        guard enabled, let writer = writer.withLock({ $0 }) else { return }
        let sources = records.filter(StandardProjections.isSource)
        guard !sources.isEmpty else { return }
        let context = WriteContext(user: .system, access: AccessControl(), now: currentEpochMilliseconds())
        writer.submit({ state, batch in
            try state.project(sources, context: context, batch: &batch)
        }, completion: { _ in })
    }

    private func project(_ sources: [RecordedLogEvent], on writer: GroupCommitWriter<WriterState>) throws {
        let context = WriteContext(user: .system, access: AccessControl(), now: currentEpochMilliseconds())
        try writer.submitAndWait { state, batch in try state.project(sources, context: context, batch: &batch) }
    }

    /// Just after the source of the newest link in the log; the log's start when there is none.
    static func resumePosition(_ log: EventLog) throws(SQLiteError) -> LogPosition {
        var cursor = LogPosition.end
        while true {
            let page = try log.readAllBackward(from: cursor, maxCount: 4096)
            guard let oldest = page.last else { return LogPosition(commit: 0, prepare: 0) }
            for record in page where StreamNames.isSystem(record.stream) {
                if let source = StandardProjections.sourcePosition(ofLink: record) {
                    return ReadContext.position(after: source)
                }
            }
            cursor = oldest.position
        }
    }
}
