import EventStoreWire
/// The expected-version and idempotency rules of writes (protocol.md §4.5), on writer state.
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
    /// Applies the expected-version rules for writing `ids` to `stream`.
    mutating func checkVersion(
        stream: String, expected: Int64, ids: [[UInt8]], in log: EventLog
    ) throws(SQLiteError) -> VersionCheck {
        let head = try head(of: stream, in: log)
        if head == EventNumber.deletedStream { return .streamDeleted }
        let softDeleted = StreamNames.isMetastream(stream) ? false : try metadata(of: stream, in: log).isSoftDeleted
        switch expected {
        case WireExpectedVersion.any:
            return try idempotencyByID(stream: stream, ids: ids) ?? .proceed(firstNumber: head + 1, undelete: softDeleted)
        case WireExpectedVersion.streamExists:
            if softDeleted { return .streamDeleted }
            if head < 0 {
                let metaHead = try self.head(of: StreamNames.metastream(of: stream), in: log)
                if metaHead < 0 { return .wrongExpectedVersion(current: head) }
            }
            return try idempotencyByID(stream: stream, ids: ids) ?? .proceed(firstNumber: head + 1, undelete: false)
        case WireExpectedVersion.noStream where softDeleted:
            return .proceed(firstNumber: head + 1, undelete: true)
        default:
            guard expected >= WireExpectedVersion.noStream else { return .wrongExpectedVersion(current: head) }
            if head == expected { return .proceed(firstNumber: head + 1, undelete: softDeleted) }
            if head < expected || ids.isEmpty { return .wrongExpectedVersion(current: head) }
            // head > expected: the write is a duplicate only if the ids at expected+1… match.
            let last = expected + Int64(ids.count)
            guard last <= head else { return .wrongExpectedVersion(current: head) }
            let stored = try log.eventIDs(stream: stream, numbers: (expected + 1)...last)
            return stored == ids ? .idempotent(first: expected + 1, last: last) : .wrongExpectedVersion(current: head)
        }
    }

    /// Any / StreamExists: all ids already in this stream → duplicate; some → conflict; none → nil.
    private func idempotencyByID(stream: String, ids: [[UInt8]]) throws(SQLiteError) -> VersionCheck? {
        guard !ids.isEmpty else { return nil }
        let found = ids.map { recentIDs.lookup($0) }
        let matching = found.compactMap { $0?.stream == stream ? $0 : nil }
        if matching.isEmpty { return nil }
        guard matching.count == ids.count else { return .wrongExpectedVersion(current: heads[stream] ?? -1) }
        let numbers = matching.map(\.number)
        return .idempotent(first: numbers.min()!, last: numbers.max()!)
    }
}
