/// Reads. Each query is one SQL statement, so it sees one consistent committed snapshot.
extension EventLog {
    /// Events of `stream` with numbers ≥ `from`, ascending, at most `maxCount`.
    public func readStreamForward(stream: String, from: Int64, maxCount: Int) throws(SQLiteError)
        -> [RecordedLogEvent]
    {
        guard maxCount > 0 else { return [] }
        return try rows(.streamForward, bind: { statement throws(SQLiteError) in
            try statement.bind(stream, at: 1)
            try statement.bind(from, at: 2)
            try statement.bind(Int64(maxCount), at: 3)
        }, row: Self.record)
    }

    /// Events of `stream` with numbers ≤ `from` (which may be `Int64.max`), descending, at most
    /// `maxCount`.
    public func readStreamBackward(stream: String, from: Int64, maxCount: Int) throws(SQLiteError)
        -> [RecordedLogEvent]
    {
        guard maxCount > 0 else { return [] }
        return try rows(.streamBackward, bind: { statement throws(SQLiteError) in
            try statement.bind(stream, at: 1)
            try statement.bind(from, at: 2)
            try statement.bind(Int64(maxCount), at: 3)
        }, row: Self.record)
    }

    /// The event `number` of `stream`, or `nil`.
    public func event(stream: String, number: Int64) throws(SQLiteError) -> RecordedLogEvent? {
        try rows(.event, bind: { statement throws(SQLiteError) in
            try statement.bind(stream, at: 1)
            try statement.bind(number, at: 2)
        }, row: Self.record).first
    }

    /// The event of `stream` with the highest number, or `nil` when the stream has no events.
    public func lastEvent(stream: String) throws(SQLiteError) -> RecordedLogEvent? {
        try rows(.lastEvent, bind: { statement throws(SQLiteError) in
            try statement.bind(stream, at: 1)
        }, row: Self.record).first
    }

    /// The highest event number of `stream`, or `nil` when the stream has no events.
    public func lastNumber(stream: String) throws(SQLiteError) -> Int64? {
        try rows(.lastNumber, bind: { statement throws(SQLiteError) in
            try statement.bind(stream, at: 1)
        }, row: { $0.isNull(at: 0) ? nil : $0.int64(at: 0) }).first ?? nil
    }

    /// Records whose position is ≥ `from`, in log order, at most `maxCount`.
    ///
    /// `from` need not be a record's position: reading from inside a transaction's range starts
    /// with the first record ordered at or after it. A position with a negative commit (such as
    /// ``LogPosition/end``) lies past every record.
    public func readAllForward(from: LogPosition, maxCount: Int) throws(SQLiteError)
        -> [RecordedLogEvent]
    {
        guard maxCount > 0 else { return [] }
        return try rows(.allForward, bind: { statement throws(SQLiteError) in
            try Self.bind(from, maxCount: maxCount, to: statement)
        }, row: Self.record)
    }

    /// Records whose position is < `from`, in reverse log order, at most `maxCount`.
    /// ``LogPosition/end`` (any negative commit) starts with the last record.
    public func readAllBackward(from: LogPosition, maxCount: Int) throws(SQLiteError)
        -> [RecordedLogEvent]
    {
        guard maxCount > 0 else { return [] }
        return try rows(.allBackward, bind: { statement throws(SQLiteError) in
            try Self.bind(from, maxCount: maxCount, to: statement)
        }, row: Self.record)
    }

    /// The position of the last record (its commit and prepare positions are equal), or 0 when the
    /// log is empty.
    public func lastPosition() throws(SQLiteError) -> Int64 {
        try rows(.lastPosition, bind: { _ throws(SQLiteError) in }, row: { $0.int64(at: 0) }).first ?? 0
    }

    /// Every stream with its highest event number, for rebuilding the writer's state on start.
    public func streamHeads() throws(SQLiteError) -> [String: Int64] {
        let pairs = try rows(.streamHeads, bind: { _ throws(SQLiteError) in }, row: {
            ($0.text(at: 0), $0.int64(at: 1))
        })
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    /// The event ids of `stream`'s events whose numbers lie in `numbers`, ascending by number
    /// (numbers without an event are skipped). Used for idempotency checks.
    public func eventIDs(stream: String, numbers: ClosedRange<Int64>) throws(SQLiteError) -> [[UInt8]] {
        try rows(.eventIDs, bind: { statement throws(SQLiteError) in
            try statement.bind(stream, at: 1)
            try statement.bind(numbers.lowerBound, at: 2)
            try statement.bind(numbers.upperBound, at: 3)
        }, row: { $0.blob(at: 0) })
    }

    /// The number of records in the log.
    public func eventCount() throws(SQLiteError) -> Int64 {
        try rows(.eventCount, bind: { _ throws(SQLiteError) in }, row: { $0.int64(at: 0) }).first ?? 0
    }

    /// The number of distinct streams in the log (scans the stream index).
    public func streamCount() throws(SQLiteError) -> Int64 {
        try rows(.streamCount, bind: { _ throws(SQLiteError) in }, row: { $0.int64(at: 0) }).first ?? 0
    }

    // MARK: Helpers

    /// Binds a `$all` position (as `?1`, `?2`) and a limit (`?3`).
    private static func bind(_ position: LogPosition, maxCount: Int, to statement: SQLiteStatement)
        throws(SQLiteError)
    {
        let past = position.commit < 0
        try statement.bind(past ? .max : position.commit, at: 1)
        try statement.bind(past ? .max : position.prepare, at: 2)
        try statement.bind(Int64(maxCount), at: 3)
    }

    /// Maps a row selected with the standard column list.
    private static func record(_ row: SQLiteStatement) -> RecordedLogEvent {
        RecordedLogEvent(
            stream: row.text(at: 2),
            number: row.int64(at: 3),
            eventID: row.blob(at: 4),
            type: row.text(at: 5),
            isJSON: row.int64(at: 6) != 0,
            data: row.blob(at: 7),
            metadata: row.blob(at: 8),
            createdMs: row.int64(at: 9),
            position: LogPosition(commit: row.int64(at: 1), prepare: row.int64(at: 0))
        )
    }
}
