import Foundation
import Synchronization

/// The durable store of the embedded node: one database file, one writer connection (handed to a
/// ``GroupCommitWriter``) and a pool of reader connections.
///
/// Open with ``open(path:)`` (WAL with `synchronous=FULL`: every COMMIT is fsync'ed before the
/// writer acknowledges it) or ``openInMemory()`` (for `--mem`: a WAL database on tmpfs with
/// `synchronous=OFF`, whose files are unlinked as soon as every connection has them open, so
/// nothing is left behind even when the process is killed). Reopening an existing file continues
/// its positions and stream numbers.
public final class NodeStorage: Sendable {
    private struct Lifecycle {
        var writerLog: EventLogBox?
        var shutdownWriter: (@Sendable () -> Void)?
        var closed = false
    }

    /// The reader connections of an in-memory storage: all are opened before its files are
    /// unlinked, since none can be opened afterwards. Reads beyond this many at once wait.
    package static let inMemoryReaderConnections = 8

    /// The database file (for an in-memory storage, the name its files had before they were
    /// unlinked).
    public let path: String
    /// Whether this is a throw-away database (``openInMemory()``), gone with the process.
    public let isInMemory: Bool
    /// Thread-safe reads of committed data.
    public let reader: EventLogReader
    /// Fault injection for tests (see ``StorageFaults``).
    package let faults = StorageFaults()
    private let lifecycle: Mutex<Lifecycle>
    private let failureHandler = Mutex<(@Sendable (String) -> Void)?>(nil)

    private init(path: String, writerLog: EventLog, reader: EventLogReader, isInMemory: Bool) {
        self.path = path
        self.isInMemory = isInMemory
        self.reader = reader
        lifecycle = Mutex(Lifecycle(writerLog: EventLogBox(log: writerLog)))
    }

    deinit {
        close()
    }

    /// Opens (or creates, with any missing directories) the database file at `path`.
    public static func open(path: String) throws -> NodeStorage {
        try createDirectories(String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex)))
        let writerLog = try EventLog.openWriter(path: path, durability: .full)
        return NodeStorage(path: path, writerLog: writerLog, reader: EventLogReader(path: path), isInMemory: false)
    }

    /// Creates a throw-away database under `/dev/shm` (or the temporary directory where there is
    /// no `/dev/shm`), with no fsync.
    ///
    /// The writer and ``inMemoryReaderConnections`` reader connections open the database (each
    /// reading once, which opens the WAL and its shared-memory index), then the files are
    /// unlinked: the connections keep using them through their open descriptors, and the memory is
    /// freed when the last one closes — by ``close()``, or by the kernel when the process dies, even
    /// by SIGKILL. Only a process killed during this call can leave its files behind.
    public static func openInMemory() throws -> NodeStorage {
        var directory = "/dev/shm"
        if access(directory, W_OK) != 0 {
            directory = NSTemporaryDirectory()
        }
        let name = "esdb-mem-\(getpid())-\(UUID().uuidString).sqlite"
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + name
        var opened: [EventLog] = []
        defer { removeDatabaseFiles(at: path) }
        do {
            let writerLog = try EventLog.openWriter(path: path, durability: .off)
            opened.append(writerLog)
            var readers: [EventLogBox] = []
            for _ in 0..<inMemoryReaderConnections {
                let log = try EventLog.openReader(path: path)
                opened.append(log)
                _ = try log.lastPosition()
                readers.append(EventLogBox(log: log))
            }
            return NodeStorage(
                path: path, writerLog: writerLog, reader: EventLogReader(connections: readers), isInMemory: true)
        } catch {
            opened.forEach { $0.close() }
            throw error
        }
    }

    /// Starts the group-commit writer on the writer connection. Only one writer per storage.
    ///
    /// See ``GroupCommitWriter`` for the meaning of `state`, `reload` and `didCommit`.
    public func makeWriter<State>(
        state: sending State,
        maxEventsPerCommit: Int = 10_000,
        reload: @escaping @Sendable (inout State, EventLog) throws -> Void,
        didCommit: @escaping @Sendable (inout State, [RecordedLogEvent]) -> Void
    ) throws -> GroupCommitWriter<State> {
        try makeWriter(
            maxEventsPerCommit: maxEventsPerCommit, initialState: { _ in state }, reload: reload,
            didCommit: didCommit)
    }

    /// Takes the writer connection and starts the writer with the state `initialState` returns.
    private func makeWriter<State>(
        maxEventsPerCommit: Int,
        initialState: (EventLog) throws -> State,
        reload: @escaping @Sendable (inout State, EventLog) throws -> Void,
        didCommit: @escaping @Sendable (inout State, [RecordedLogEvent]) -> Void
    ) throws -> GroupCommitWriter<State> {
        let box = try lifecycle.withLock { lifecycle throws(StorageError) -> EventLogBox in
            guard !lifecycle.closed else { throw .closed }
            guard let box = lifecycle.writerLog else { throw .writerAlreadyCreated }
            lifecycle.writerLog = nil
            return box
        }
        let faults = self.faults
        let writer = try GroupCommitWriter(
            log: box.log,
            state: initialState(box.log),
            maxEventsPerCommit: maxEventsPerCommit,
            reload: reload,
            didCommit: didCommit,
            commitFault: { try faults.checkCommit() },
            didFail: { [weak self] reason in self?.failureHandler.withLock { $0 }?(reason) }
        )
        let shutdown = writer.shutdownHandle
        let closedMeanwhile = lifecycle.withLock { lifecycle in
            if !lifecycle.closed { lifecycle.shutdownWriter = shutdown }
            return lifecycle.closed
        }
        if closedMeanwhile {
            shutdown()
            throw StorageError.closed
        }
        return writer
    }

    /// Starts the group-commit writer with the state `loadState` builds from the log; after a failed
    /// batch the state is rebuilt the same way. Only one writer per storage.
    public func makeWriter<State>(
        maxEventsPerCommit: Int = 10_000,
        loadState: @escaping @Sendable (EventLog) throws -> State,
        didCommit: @escaping @Sendable (inout State, [RecordedLogEvent]) -> Void
    ) throws -> GroupCommitWriter<State> {
        try makeWriter(
            maxEventsPerCommit: maxEventsPerCommit,
            initialState: { try loadState($0) },
            reload: { state, log in state = try loadState(log) },
            didCommit: didCommit)
    }

    /// Calls `handler` (on the writer thread) with the reason when the writer stops for good after a
    /// commit it cannot trust (see ``GroupCommitWriter``), for example to log it.
    package func whenWriterFails(_ handler: @escaping @Sendable (String) -> Void) {
        failureHandler.withLock { $0 = handler }
    }

    /// Closes the readers, drains and stops the writer and closes the database (for an in-memory
    /// database that frees its memory). Idempotent; blocks while the writer drains.
    public func close() {
        let (writerLog, shutdownWriter) = lifecycle.withLock { lifecycle in
            guard !lifecycle.closed else { return (EventLogBox?.none, (@Sendable () -> Void)?.none) }
            lifecycle.closed = true
            defer {
                lifecycle.writerLog = nil
                lifecycle.shutdownWriter = nil
            }
            return (lifecycle.writerLog, lifecycle.shutdownWriter)
        }
        reader.close()
        shutdownWriter?()
        writerLog?.log.close()
    }
}
