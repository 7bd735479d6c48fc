/// The ``EventLog`` queries, each on a pooled connection. For several queries that belong
/// together, use ``EventLogReader/withLog(_:)`` once instead.
extension EventLogReader {
    /// See ``EventLog/readStreamForward(stream:from:maxCount:)``.
    public func readStreamForward(stream: String, from: Int64, maxCount: Int) throws -> [RecordedLogEvent] {
        try withLog { log throws(SQLiteError) in try log.readStreamForward(stream: stream, from: from, maxCount: maxCount) }
    }

    /// See ``EventLog/readStreamBackward(stream:from:maxCount:)``.
    public func readStreamBackward(stream: String, from: Int64, maxCount: Int) throws -> [RecordedLogEvent] {
        try withLog { log throws(SQLiteError) in try log.readStreamBackward(stream: stream, from: from, maxCount: maxCount) }
    }

    /// See ``EventLog/event(stream:number:)``.
    public func event(stream: String, number: Int64) throws -> RecordedLogEvent? {
        try withLog { log throws(SQLiteError) in try log.event(stream: stream, number: number) }
    }

    /// See ``EventLog/lastEvent(stream:)``.
    public func lastEvent(stream: String) throws -> RecordedLogEvent? {
        try withLog { log throws(SQLiteError) in try log.lastEvent(stream: stream) }
    }

    /// See ``EventLog/lastNumber(stream:)``.
    public func lastNumber(stream: String) throws -> Int64? {
        try withLog { log throws(SQLiteError) in try log.lastNumber(stream: stream) }
    }

    /// See ``EventLog/readAllForward(from:maxCount:)``.
    public func readAllForward(from: LogPosition, maxCount: Int) throws -> [RecordedLogEvent] {
        try withLog { log throws(SQLiteError) in try log.readAllForward(from: from, maxCount: maxCount) }
    }

    /// See ``EventLog/readAllBackward(from:maxCount:)``.
    public func readAllBackward(from: LogPosition, maxCount: Int) throws -> [RecordedLogEvent] {
        try withLog { log throws(SQLiteError) in try log.readAllBackward(from: from, maxCount: maxCount) }
    }

    /// See ``EventLog/lastPosition()``.
    public func lastPosition() throws -> Int64 {
        try withLog { log throws(SQLiteError) in try log.lastPosition() }
    }

    /// See ``EventLog/streamHeads()``.
    public func streamHeads() throws -> [String: Int64] {
        try withLog { log throws(SQLiteError) in try log.streamHeads() }
    }

    /// See ``EventLog/eventIDs(stream:numbers:)``.
    public func eventIDs(stream: String, numbers: ClosedRange<Int64>) throws -> [[UInt8]] {
        try withLog { log throws(SQLiteError) in try log.eventIDs(stream: stream, numbers: numbers) }
    }

    /// See ``EventLog/eventCount()``.
    public func eventCount() throws -> Int64 {
        try withLog { log throws(SQLiteError) in try log.eventCount() }
    }

    /// See ``EventLog/streamCount()``.
    public func streamCount() throws -> Int64 {
        try withLog { log throws(SQLiteError) in try log.streamCount() }
    }
}
