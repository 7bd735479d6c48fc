import CSQLite3

/// `SQLITE_TRANSIENT`: SQLite copies bound bytes before the bind call returns.
/// The C macro is a cast of -1 and is not imported into Swift.
private var sqliteTransient: sqlite3_destructor_type {
    unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A prepared statement: bind parameters (1-based), step through rows, read columns (0-based), reset.
///
/// Always ``reset()`` after use (the query helpers do it in a `defer`): a statement left mid-query keeps
/// its read snapshot open.
package final class SQLiteStatement {
    private let handle: OpaquePointer
    /// Keeps the connection alive while the statement exists.
    private let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(SQLiteError) {
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, db: sqlite3_db_handle(handle), operation: operation())
        }
    }

    // MARK: Binding

    /// Binds an integer to parameter `index` (1-based).
    package func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value), "bind int64 #\(index)")
    }

    /// Binds a string as UTF-8 text (embedded NULs preserved; the empty string is not NULL).
    package func bind(_ value: String, at index: Int32) throws(SQLiteError) {
        var text = value
        let rc = text.withUTF8 { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(handle, index, $0, Int32(bytes.count), sqliteTransient)
            }
        }
        try check(rc, "bind text #\(index)")
    }

    /// Binds bytes as a blob (an empty array binds a zero-length blob, not NULL).
    package func bind(_ value: [UInt8], at index: Int32) throws(SQLiteError) {
        let rc = value.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
            return sqlite3_bind_blob(handle, index, base, Int32(bytes.count), sqliteTransient)
        }
        try check(rc, "bind blob #\(index)")
    }

    // MARK: Stepping

    /// Advances to the next row: `true` when a row is available, `false` when the statement is done.
    package func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc:
            let sql = sqlite3_sql(handle).map { String(cString: $0) } ?? "?"
            throw SQLiteError(code: rc, db: sqlite3_db_handle(handle), operation: "step \(sql)")
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    package func run() throws(SQLiteError) {
        defer { reset() }
        _ = try step()
    }

    /// Resets the statement and clears its bindings so it can be reused.
    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns

    /// The integer in column `index` (0-based) of the current row.
    package func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// Whether column `index` of the current row is NULL.
    package func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// The UTF-8 text in column `index` of the current row (`""` for NULL).
    package func text(at index: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The bytes in column `index` of the current row (`[]` for NULL or a zero-length blob).
    package func blob(at index: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, index))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
