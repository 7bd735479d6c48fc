/// The write primitives, used only on the writer's connection by ``GroupCommitWriter``.
extension EventLog {
    /// Inserts `event` at prepare position `position` with commit position `commit`.
    func insert(_ event: NewLogEvent, position: Int64, commit: Int64) throws(SQLiteError) {
        let statement = try statement(.insert)
        defer { statement.reset() }
        try statement.bind(position, at: 1)
        try statement.bind(commit, at: 2)
        try statement.bind(event.stream, at: 3)
        try statement.bind(event.number, at: 4)
        try statement.bind(event.eventID, at: 5)
        try statement.bind(event.type, at: 6)
        try statement.bind(event.isJSON ? 1 : 0, at: 7)
        try statement.bind(event.data, at: 8)
        try statement.bind(event.metadata, at: 9)
        try statement.bind(event.createdMs, at: 10)
        _ = try statement.step()
    }

    /// `BEGIN IMMEDIATE`: takes the write lock now rather than at the first insert.
    func beginTransaction() throws(SQLiteError) {
        try statement(.begin).run()
    }

    /// `COMMIT`; with `synchronous=FULL` it returns only after the WAL is fsync'ed.
    func commitTransaction() throws(SQLiteError) {
        try statement(.commit).run()
    }

    /// Rolls back the open transaction, if SQLite has not already done so.
    func rollbackTransaction() {
        guard !connection.isAutocommit else { return }
        if (try? statement(.rollback).run()) == nil {
            try? connection.execute("ROLLBACK")
        }
    }

    /// Opens the savepoint that isolates one job's inserts.
    func beginSavepoint() throws(SQLiteError) {
        try statement(.savepoint).run()
    }

    /// Keeps the job's inserts (they still commit or roll back with the transaction).
    func releaseSavepoint() throws(SQLiteError) {
        try statement(.releaseSavepoint).run()
    }

    /// Discards the job's inserts and closes its savepoint.
    func rollbackSavepoint() throws(SQLiteError) {
        try statement(.rollbackToSavepoint).run()
        try statement(.releaseSavepoint).run()
    }

    /// Opens the savepoint that makes one `appendTransaction` all-or-nothing inside a job.
    func beginNestedSavepoint() throws(SQLiteError) {
        try statement(.nestedSavepoint).run()
    }

    /// Keeps the transaction's inserts.
    func releaseNestedSavepoint() throws(SQLiteError) {
        try statement(.releaseNestedSavepoint).run()
    }

    /// Discards the transaction's inserts.
    func rollbackNestedSavepoint() throws(SQLiteError) {
        try statement(.rollbackToNestedSavepoint).run()
        try statement(.releaseNestedSavepoint).run()
    }
}
