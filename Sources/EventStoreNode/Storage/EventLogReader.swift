import Synchronization

/// Thread-safe read access to the log: a small pool of read-only connections.
///
/// Each call borrows a connection for the duration of the closure, so reads from many threads run
/// in parallel (WAL readers never block the writer, and never see uncommitted data).
public final class EventLogReader: Sendable {
    private struct Pool {
        var idle: [EventLogBox] = []
        var closed = false
    }

    private let path: String
    private let maxIdleConnections: Int
    private let pool = Mutex(Pool())
    private let checkouts = Atomic(0)

    /// A reader of the database at `path`, keeping at most `maxIdleConnections` open while idle.
    package init(path: String, maxIdleConnections: Int = 4) {
        self.path = path
        self.maxIdleConnections = maxIdleConnections
    }

    deinit {
        close()
    }

    /// Runs `body` with a read-only connection. Each query `body` makes sees the latest committed
    /// state; the connection must not escape `body`.
    public func withLog<T>(_ body: (EventLog) throws -> T) throws -> T {
        let box = try checkOut()
        defer { checkIn(box) }
        return try body(box.log)
    }

    /// How many times a connection was borrowed so far (every ``withLog(_:)`` and query), for tests.
    package var checkoutCount: Int { checkouts.load(ordering: .relaxed) }

    /// Closes the idle connections; later reads throw ``StorageError/closed``. Connections in use
    /// are closed when their read returns.
    public func close() {
        let idle = pool.withLock { pool in
            pool.closed = true
            defer { pool.idle = [] }
            return pool.idle
        }
        idle.forEach { $0.log.close() }
    }

    private func checkOut() throws -> EventLogBox {
        checkouts.add(1, ordering: .relaxed)
        let reused = try pool.withLock { pool throws(StorageError) -> EventLogBox? in
            guard !pool.closed else { throw .closed }
            return pool.idle.popLast()
        }
        return try reused ?? EventLogBox(log: EventLog.openReader(path: path))
    }

    private func checkIn(_ box: EventLogBox) {
        let kept = pool.withLock { pool in
            guard !pool.closed, pool.idle.count < maxIdleConnections else { return false }
            pool.idle.append(box)
            return true
        }
        if !kept { box.log.close() }
    }
}
