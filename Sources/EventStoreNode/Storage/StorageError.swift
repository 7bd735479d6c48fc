/// Failures of the storage engine that are not plain SQLite errors.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The writer was shut down (or is shutting down); the job was not run.
    case writerShutDown
    /// The writer stopped for good: a commit failed in a way that leaves the log in doubt (an I/O
    /// error such as a failed fsync, corruption), or it could not recover from a failed batch. The
    /// job was not acknowledged (after a failed fsync, whether it reached the disk is unknown);
    /// every further write is refused until the storage is reopened, while reads go on. The text
    /// describes the error that stopped it.
    case writerFailed(String)
    /// The disk is full: the batch was rolled back and none of its jobs was stored. The writer
    /// goes on, and writes succeed again once space is freed. The text is SQLite's error.
    case diskFull(String)
    /// ``NodeStorage/makeWriter(state:maxEventsPerCommit:reload:didCommit:)`` was called twice.
    case writerAlreadyCreated
    /// The storage was closed.
    case closed
    /// A pragma did not take the value the engine requires (for example `synchronous` is not FULL).
    case unexpectedPragma(name: String, expected: String, actual: String)
    /// The database was written by an unknown (newer) schema version.
    case unsupportedSchemaVersion(Int64)
    /// The directory for the database could not be created.
    case cannotCreateDirectory(path: String, errno: Int32)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .writerShutDown:
            "the storage writer is shut down"
        case .writerFailed(let reason):
            "storage failed: \(reason); the node is read-only, it refuses every write until restarted"
        case .diskFull(let reason):
            "the disk is full, the write was not stored (\(reason)); writes are accepted again once space is freed"
        case .writerAlreadyCreated:
            "a writer was already created for this storage"
        case .closed:
            "the storage is closed"
        case .unexpectedPragma(let name, let expected, let actual):
            "PRAGMA \(name) is \(actual), expected \(expected)"
        case .unsupportedSchemaVersion(let version):
            "unsupported storage schema version \(version)"
        case .cannotCreateDirectory(let path, let errno):
            "cannot create directory \(path) (errno \(errno))"
        }
    }
}
