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

    /// Whether the disk is full: a write returned `ENOSPC` (`SQLITE_FULL`), or the WAL index could
    /// not grow (`SQLITE_IOERR_SHMSIZE`, which SQLite documents as a likely full volume). Nothing of
    /// the failed transaction is committed, and the connection is usable again after a rollback.
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL || code == Self.ioErrorShmSize }

    /// Whether the database file can no longer be trusted: an I/O error (a failed `write`, `fsync`,
    /// `read`, …) or corruption. After a failed fsync the kernel may already have dropped the pages
    /// it could not write, so neither the failed transaction nor the ones after it can be trusted.
    public var leavesStorageInDoubt: Bool {
        !isDiskFull && [SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_NOTADB].contains(primaryCode)
    }

    /// One line: code, operation and SQLite's message.
    public var description: String {
        "SQLite error \(code) during \(operation): \(message)"
    }
}

extension SQLiteError {
    /// `SQLITE_IOERR_FSYNC` (the extended codes are macros Swift does not import).
    static let ioErrorFsync = SQLITE_IOERR | (4 << 8)
    /// `SQLITE_IOERR_SHMSIZE`.
    static let ioErrorShmSize = SQLITE_IOERR | (19 << 8)

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
