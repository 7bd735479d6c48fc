/// A position in the transaction log, as `$all` reads and subscriptions use it.
///
/// `prepare` is the record's own log position; `commit` is the position of the record that committed
/// it (equal to `prepare` for a single write, shared by all events of an explicit transaction).
/// Positions order by `commit`, then `prepare`.
public struct LogPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The commit position.
    public var commit: Int64
    /// The prepare position.
    public var prepare: Int64

    /// Creates a position from its two parts.
    public init(commit: Int64, prepare: Int64) {
        self.commit = commit
        self.prepare = prepare
    }

    /// The start of the log, `(0, 0)`: reading forward from here returns the first record.
    public static let start = LogPosition(commit: 0, prepare: 0)

    /// The end of the log, `(-1, -1)`: reading backward from here starts with the last record.
    public static let end = LogPosition(commit: -1, prepare: -1)

    /// Orders by commit position, then prepare position.
    public static func < (lhs: LogPosition, rhs: LogPosition) -> Bool {
        (lhs.commit, lhs.prepare) < (rhs.commit, rhs.prepare)
    }

    /// `C:<commit>/P:<prepare>`, as EventStoreDB prints positions.
    public var description: String { "C:\(commit)/P:\(prepare)" }
}
