import CSQLite3

/// One SQLite database connection, used by one thread at a time (opened with `SQLITE_OPEN_NOMUTEX`).
///
/// A thin layer over the C API: open, execute, prepare, pragmas and close. Not thread-safe; the owner
/// (a writer thread or a reader pool) serialises access.
package final class SQLiteConnection {
    /// How to open the database file.
    package enum Mode: Sendable {
        /// Read and write; create the file if it does not exist.
        case readWriteCreate
        /// Read only; the file must exist.
        case readOnly

        var flags: Int32 {
            switch self {
            case .readWriteCreate: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
            case .readOnly: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            }
        }
    }

    private var db: OpaquePointer?

    /// The file this connection was opened on.
    package let path: String

    /// Opens `path` in `mode`, with extended result codes and a busy timeout.
    package init(path: String, mode: Mode, busyTimeoutMs: Int32 = 5_000) throws(SQLiteError) {
        self.path = path
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, mode.flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let error = SQLiteError(code: rc, db: handle, operation: "open \(path)")
            sqlite3_close_v2(handle)
            throw error
        }
        db = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMs)
    }

    deinit {
        close()
    }

    /// Closes the connection. Statements still alive keep it as a zombie until they are finalized.
    package func close() {
        if let db {
            sqlite3_close_v2(db)
            self.db = nil
        }
    }

    /// The raw handle; throws once the connection is closed.
    func handle() throws(SQLiteError) -> OpaquePointer {
        guard let db else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "connection is closed", operation: "use")
        }
        return db
    }

    /// Runs one or more SQL statements that return no rows of interest.
    package func execute(_ sql: String) throws(SQLiteError) {
        let db = try handle()
        var errorText: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errorText)
        defer { sqlite3_free(errorText) }
        guard rc == SQLITE_OK else {
            let message = errorText.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            throw SQLiteError(code: rc, message: message, operation: "exec \(sql)")
        }
    }

    /// Compiles `sql` into a statement. `persistent` hints SQLite that it will be reused many times.
    package func prepare(_ sql: String, persistent: Bool = true) throws(SQLiteError) -> SQLiteStatement {
        let db = try handle()
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(db, sql, -1, flags, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, db: db, operation: "prepare \(sql)")
        }
        return SQLiteStatement(handle: statement, connection: self)
    }

    /// Reads a pragma whose value is an integer, for example `synchronous` (FULL = 2).
    package func pragmaInteger(_ name: String) throws(SQLiteError) -> Int64 {
        let statement = try prepare("PRAGMA \(name)", persistent: false)
        defer { statement.reset() }
        guard try statement.step() else {
            throw SQLiteError(code: SQLITE_ERROR, message: "pragma \(name) returned no row", operation: "pragma")
        }
        return statement.int64(at: 0)
    }

    /// Sets a pragma and returns the value SQLite reports back (as text), for example `"wal"`.
    package func setPragma(_ name: String, _ value: String) throws(SQLiteError) -> String? {
        let statement = try prepare("PRAGMA \(name)=\(value)", persistent: false)
        defer { statement.reset() }
        return try statement.step() ? statement.text(at: 0) : nil
    }

    /// Whether no transaction is open (`sqlite3_get_autocommit`).
    package var isAutocommit: Bool {
        guard let db else { return true }
        return sqlite3_get_autocommit(db) != 0
    }
}
