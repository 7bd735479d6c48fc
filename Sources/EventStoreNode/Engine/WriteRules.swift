import EventStoreWire
/// The expected-version and idempotency rules of writes (docs/protocol.md §4.5), on writer state.
enum VersionCheck: Equatable {
    /// Write the events starting at `firstNumber`; `undelete` when the stream was soft-deleted.
    case proceed(firstNumber: Int64, undelete: Bool)
    /// The same events were already written at `first...last`: succeed without writing.
    case idempotent(first: Int64, last: Int64)
    /// The expected version does not hold; `current` is the stream's last event number.
    case wrongExpectedVersion(current: Int64)
    /// The stream is hard-deleted (or soft-deleted and StreamExists was expected).
    case streamDeleted
}

extension WriterState {
    /// Applies the expected-version rules for writing `ids` to `stream`, in the order of the
    /// server's `IndexWriter.CheckCommit` (docs/node-fidelity.md §Writes).
    mutating func checkVersion(
        stream: String, expected: Int64, ids: [[UInt8]], in log: EventLog
    ) throws(SQLiteError) -> VersionCheck {
        let head = try head(of: stream, in: log)
        if head == EventNumber.deletedStream { return .streamDeleted }
        let softDeleted = StreamNames.isMetastream(stream) ? false : try metadata(of: stream, in: log).isSoftDeleted
        if expected == WireExpectedVersion.streamExists {
            if softDeleted { return .streamDeleted }
            if head < 0, try self.head(of: StreamNames.metastream(of: stream), in: log) < 0 {
                return .wrongExpectedVersion(current: head)
            }
        }
        if expected == WireExpectedVersion.any || expected == WireExpectedVersion.streamExists {
            return idempotencyByFirstID(stream: stream, ids: ids, head: head, softDeleted: softDeleted)
        }
        if expected < head {
            // The write is a duplicate only if the ids at expected+1… are these ids.
            guard !ids.isEmpty else { return .wrongExpectedVersion(current: head) }
            let stored = try log.eventIDs(stream: stream, numbers: (expected + 1)...min(head, expected + Int64(ids.count)))
            for (offset, id) in ids.enumerated() {
                if offset < stored.count, stored[offset] == id { continue }
                if offset > 0 { return .wrongExpectedVersion(current: head) }
                if expected == WireExpectedVersion.noStream, softDeleted { return .proceed(firstNumber: head + 1, undelete: true) }
                return .wrongExpectedVersion(current: head)
            }
            return .idempotent(first: expected + 1, last: expected + Int64(ids.count))
        }
        if expected > head { return .wrongExpectedVersion(current: head) }
        return .proceed(firstNumber: head + 1, undelete: softDeleted)
    }

    /// Any / StreamExists: decided by the first id. Unknown first id → write them all (even if
    /// later ids are known); known first id but a later one unknown → conflict; all known →
    /// duplicate, numbered by the first and last ids.
    private func idempotencyByFirstID(stream: String, ids: [[UInt8]], head: Int64, softDeleted: Bool) -> VersionCheck {
        var first: Int64?
        var last: Int64 = -1
        for id in ids {
            guard let known = recentIDs.lookup(id), known.stream == stream else {
                return first == nil ? .proceed(firstNumber: head + 1, undelete: softDeleted) : .wrongExpectedVersion(current: head)
            }
            if first == nil { first = known.number }
            last = known.number
        }
        guard let first else { return .proceed(firstNumber: head + 1, undelete: softDeleted) }
        return .idempotent(first: first, last: last)
    }
}
