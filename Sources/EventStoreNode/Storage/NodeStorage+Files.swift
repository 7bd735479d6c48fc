import Foundation

/// The files behind a ``NodeStorage``.
extension NodeStorage {
    /// Unlinks the database and its WAL, shared-memory and journal files (connections that have them
    /// open keep using them).
    static func removeDatabaseFiles(at path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            unlink(path + suffix)
        }
    }

    /// `mkdir -p`.
    static func createDirectories(_ directory: String) throws {
        guard !directory.isEmpty else { return }
        var current = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw StorageError.cannotCreateDirectory(path: current, errno: errno)
            }
        }
    }
}
