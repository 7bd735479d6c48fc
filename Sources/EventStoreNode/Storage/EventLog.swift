/// The event log on one SQLite connection: schema, cached statements, reads, and (on the writer's
/// connection) the insert and transaction primitives used by ``GroupCommitWriter``.
///
/// An `EventLog` is not thread-safe. The writer's log lives on the writer thread; readers borrow one
/// from ``EventLogReader`` for the duration of a closure. Never keep a reference beyond that.
public final class EventLog {
    /// How hard the writer's connection flushes to disk.
    package enum Durability: Sendable {
        /// `synchronous=FULL`: every COMMIT is fsync'ed before it returns (file databases).
        case full
        /// `synchronous=OFF`: no fsync at all (the `--mem` database on tmpfs).
        case off

        var level: Int64 {
            switch self {
            case .full: 2
            case .off: 0
            }
        }
    }

    /// The connection the log runs on.
    package let connection: SQLiteConnection
    private var statements = [SQLiteStatement?](repeating: nil, count: EventLogStatement.allCases.count)

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Opens the writer's connection: WAL journal, the requested `synchronous` level (read back and
    /// verified), and the schema created or checked.
    package static func openWriter(path: String, durability: Durability) throws -> EventLog {
        let connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        let journal = try connection.setPragma("journal_mode", "WAL") ?? "nil"
        guard journal.lowercased() == "wal" else {
            throw StorageError.unexpectedPragma(name: "journal_mode", expected: "wal", actual: journal)
        }
        _ = try connection.setPragma("synchronous", String(durability.level))
        let synchronous = try connection.pragmaInteger("synchronous")
        guard synchronous == durability.level else {
            throw StorageError.unexpectedPragma(
                name: "synchronous", expected: String(durability.level), actual: String(synchronous))
        }
        _ = try connection.setPragma("journal_size_limit", String(64 << 20))
        let log = EventLog(connection: connection)
        try log.createOrCheckSchema()
        return log
    }

    /// Opens a read-only connection on a database whose writer is already open (WAL mode).
    package static func openReader(path: String) throws(SQLiteError) -> EventLog {
        EventLog(connection: try SQLiteConnection(path: path, mode: .readOnly))
    }

    /// Finalizes the cached statements and closes the connection.
    package func close() {
        statements = statements.map { _ in nil }
        connection.close()
    }

    /// The cached prepared statement for `key`, compiled on first use.
    func statement(_ key: EventLogStatement) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statements[key.rawValue] { return statement }
        let statement = try connection.prepare(key.sql)
        statements[key.rawValue] = statement
        return statement
    }

    /// Runs the query `key`: `bind` sets its parameters, `row` maps each result row. Always resets.
    func rows<T>(
        _ key: EventLogStatement,
        bind: (SQLiteStatement) throws(SQLiteError) -> Void,
        row: (SQLiteStatement) -> T
    ) throws(SQLiteError) -> [T] {
        let statement = try statement(key)
        defer { statement.reset() }
        try bind(statement)
        var result: [T] = []
        while try statement.step() {
            result.append(row(statement))
        }
        return result
    }
}
