import CSQLite3
import Synchronization

/// A fault-injection switch for tests: while armed, every COMMIT of the storage's writer fails with
/// the given error, as if SQLite had returned it (the transaction is rolled back, nothing of it is
/// written). Unarmed it costs one uncontended lock per commit.
///
/// ```swift
/// storage.faults.failCommits(with: StorageFaults.fsyncFailed)   // the next commit fails with EIO
/// ```
package final class StorageFaults: Sendable {
    /// What `fsync` returning `EIO` during COMMIT looks like (`SQLITE_IOERR_FSYNC`).
    package static let fsyncFailed = SQLiteError(
        code: SQLiteError.ioErrorFsync, message: "disk I/O error (injected: fsync returned EIO)", operation: "step COMMIT")
    /// What `write` returning `ENOSPC` during COMMIT looks like (`SQLITE_FULL`).
    package static let diskFull = SQLiteError(
        code: SQLITE_FULL, message: "database or disk is full (injected)", operation: "step COMMIT")

    private let commitError = Mutex<SQLiteError?>(nil)

    package init() {}

    /// Makes every commit fail with `error` from now on; `nil` disarms.
    package func failCommits(with error: SQLiteError?) {
        commitError.withLock { $0 = error }
    }

    /// Throws the armed error, if any. Runs on the writer thread as the first step of COMMIT.
    func checkCommit() throws(SQLiteError) {
        if let error = commitError.withLock({ $0 }) { throw error }
    }
}
