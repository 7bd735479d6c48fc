import CSQLite3

/// A failed SQLite call: the (extended) result code, SQLite's own message and what we were doing.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extended result code (for example `SQLITE_CONSTRAINT_UNIQUE` = 2067).
    public let code: Int32
    /// The text of `sqlite3_errmsg` (or `sqlite3_errstr` when no connection was available).
    public let message: String
    /// What was being attempted, for example `"prepare"` or `"step"`, with the SQL when relevant.
    public let operation: String

    /// Creates an error from its parts.
    public init(code: Int32, message: String, operation: String) {
        self.code = code
        self.message = message
        self.operation = operation
    }

    /// The primary result code (the low 8 bits of ``code``), for example `SQLITE_CONSTRAINT` = 19.
    public var primaryCode: Int32 { code & 0xFF }

    /// Whether a constraint (UNIQUE, NOT NULL, PRIMARY KEY, …) was violated.
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// One line: code, operation and SQLite's message.
    public var description: String {
        "SQLite error \(code) during \(operation): \(message)"
    }
}

extension SQLiteError {
    /// Builds the error for `code`, reading the message from `db` when there is one.
    init(code: Int32, db: OpaquePointer?, operation: String) {
        let message: String
        if let db, let text = sqlite3_errmsg(db) {
            message = String(cString: text)
        } else if let text = sqlite3_errstr(code) {
            message = String(cString: text)
        } else {
            message = "unknown error"
        }
        self.init(code: code, message: message, operation: operation)
    }
}
