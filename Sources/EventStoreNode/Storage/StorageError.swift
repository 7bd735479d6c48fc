/// Failures of the storage engine that are not plain SQLite errors.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The writer was shut down (or is shutting down); the job was not run.
    case writerShutDown
    /// The writer stopped after it could not recover from a failed commit; the job was not run.
    /// The text describes the error that stopped it.
    case writerFailed(String)
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
            "the storage writer stopped after an unrecoverable error: \(reason)"
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
