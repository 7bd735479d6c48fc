/// The on-disk schema and the statements the log runs against it.
extension EventLog {
    /// The schema version stored in `PRAGMA user_version`.
    static let schemaVersion: Int64 = 1

    /// Creates the schema in an empty database, or checks the version of an existing one.
    func createOrCheckSchema() throws {
        let version = try connection.pragmaInteger("user_version")
        switch version {
        case Self.schemaVersion:
            return
        case 0:
            do {
                try connection.execute(
                    """
                    BEGIN IMMEDIATE;
                    CREATE TABLE IF NOT EXISTS events(
                        pos INTEGER PRIMARY KEY,
                        commit_pos INTEGER NOT NULL,
                        stream TEXT NOT NULL,
                        number INTEGER NOT NULL,
                        event_id BLOB NOT NULL,
                        type TEXT NOT NULL,
                        is_json INTEGER NOT NULL,
                        data BLOB NOT NULL,
                        metadata BLOB NOT NULL,
                        created_ms INTEGER NOT NULL,
                        UNIQUE(stream, number)
                    );
                    CREATE INDEX IF NOT EXISTS events_commit_pos ON events(commit_pos);
                    PRAGMA user_version = \(Self.schemaVersion);
                    COMMIT;
                    """)
            } catch {
                if !connection.isAutocommit { try? connection.execute("ROLLBACK") }
                throw error
            }
        default:
            throw StorageError.unsupportedSchemaVersion(version)
        }
    }
}

/// Every SQL statement the log prepares; the raw value is the SQL.
///
/// `pos` is the prepare position and `commit_pos` the commit position. Because a transaction's
/// events get consecutive `pos` values and share the `pos` of its last event as `commit_pos`,
/// ordering by `pos` equals ordering by `(commit_pos, pos)`. The `$all` reads find the first `pos`
/// whose `(commit_pos, pos)` ≥ `(?1, ?2)` as the first qualifying entry of the `commit_pos` index
/// (`commit_pos` is monotone in `pos`), then scan the primary key from there.
enum EventLogStatement: Int, CaseIterable {
    case streamForward, streamBackward, event, lastEvent, lastNumber, allForward, allBackward
    case lastPosition, streamHeads, eventIDs, eventCount, streamCount
    case insert, begin, commit, rollback, savepoint, releaseSavepoint, rollbackToSavepoint
    case nestedSavepoint, releaseNestedSavepoint, rollbackToNestedSavepoint

    /// The SQL text.
    var sql: String {
        switch self {
        case .streamForward:
            """
            SELECT pos, commit_pos, stream, number, event_id, type, is_json, data, metadata, created_ms \
            FROM events WHERE stream = ?1 AND number >= ?2 ORDER BY number ASC LIMIT ?3
            """
        case .streamBackward:
            """
            SELECT pos, commit_pos, stream, number, event_id, type, is_json, data, metadata, created_ms \
            FROM events WHERE stream = ?1 AND number <= ?2 ORDER BY number DESC LIMIT ?3
            """
        case .event:
            """
            SELECT pos, commit_pos, stream, number, event_id, type, is_json, data, metadata, created_ms \
            FROM events WHERE stream = ?1 AND number = ?2
            """
        case .lastEvent:
            """
            SELECT pos, commit_pos, stream, number, event_id, type, is_json, data, metadata, created_ms \
            FROM events WHERE stream = ?1 ORDER BY number DESC LIMIT 1
            """
        case .lastNumber:
            "SELECT max(number) FROM events WHERE stream = ?1"
        case .allForward:
            """
            SELECT pos, commit_pos, stream, number, event_id, type, is_json, data, metadata, created_ms \
            FROM events WHERE pos >= coalesce((SELECT pos FROM events WHERE commit_pos >= ?1 \
            AND (commit_pos > ?1 OR pos >= ?2) ORDER BY commit_pos, pos LIMIT 1), 9223372036854775807) \
            ORDER BY pos ASC LIMIT ?3
            """
        case .allBackward:
            """
            SELECT pos, commit_pos, stream, number, event_id, type, is_json, data, metadata, created_ms \
            FROM events WHERE pos < coalesce((SELECT pos FROM events WHERE commit_pos >= ?1 \
            AND (commit_pos > ?1 OR pos >= ?2) ORDER BY commit_pos, pos LIMIT 1), 9223372036854775807) \
            ORDER BY pos DESC LIMIT ?3
            """
        case .lastPosition:
            "SELECT coalesce(max(pos), 0) FROM events"
        case .streamHeads:
            "SELECT stream, max(number) FROM events GROUP BY stream"
        case .eventIDs:
            """
            SELECT event_id FROM events WHERE stream = ?1 AND number BETWEEN ?2 AND ?3 ORDER BY number
            """
        case .eventCount:
            "SELECT count(*) FROM events"
        case .streamCount:
            "SELECT count(*) FROM (SELECT DISTINCT stream FROM events)"
        case .insert:
            """
            INSERT INTO events(pos, commit_pos, stream, number, event_id, type, is_json, data, metadata, \
            created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """
        case .begin:
            "BEGIN IMMEDIATE"
        case .commit:
            "COMMIT"
        case .rollback:
            "ROLLBACK"
        case .savepoint:
            "SAVEPOINT job"
        case .releaseSavepoint:
            "RELEASE job"
        case .rollbackToSavepoint:
            "ROLLBACK TO job"
        case .nestedSavepoint:
            "SAVEPOINT append"
        case .releaseNestedSavepoint:
            "RELEASE append"
        case .rollbackToNestedSavepoint:
            "ROLLBACK TO append"
        }
    }
}
