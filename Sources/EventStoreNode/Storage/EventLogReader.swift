import Dispatch
import Synchronization

/// Thread-safe read access to the log: a small pool of read-only connections.
///
/// Each call borrows a connection for the duration of the closure, so reads from many threads run
/// in parallel (WAL readers never block the writer, and never see uncommitted data).
///
/// A reader on a file opens connections as needed and keeps a few idle ones. A reader over a fixed
/// set of connections (an in-memory storage, whose files are gone from the directory once opened)
/// never opens one: when all are borrowed, a caller waits until one is returned.
public final class EventLogReader: Sendable {
    private struct Pool {
        var idle: [EventLogBox] = []
        var closed = false
    }

    /// Where connections come from.
    private enum Source: Sendable {
        /// Opened on demand on this file; at most `maxIdle` kept while idle.
        case file(path: String, maxIdle: Int)
        /// Only the connections handed to `init`; `available` counts the idle ones.
        case fixed(available: DispatchSemaphore)
    }

    private let source: Source
    private let pool: Mutex<Pool>
    private let checkouts = Atomic(0)

    /// A reader of the database at `path`, keeping at most `maxIdleConnections` open while idle.
    package init(path: String, maxIdleConnections: Int = 4) {
        source = .file(path: path, maxIdle: maxIdleConnections)
        pool = Mutex(Pool())
    }

    /// A reader over exactly these open connections; it never opens another one.
    init(connections: [EventLogBox]) {
        source = .fixed(available: DispatchSemaphore(value: connections.count))
        pool = Mutex(Pool(idle: connections))
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
        if case .fixed(let available) = source {
            available.signal()  // Wakes one waiter, which fails and wakes the next.
        }
    }

    private func checkOut() throws -> EventLogBox {
        checkouts.add(1, ordering: .relaxed)
        switch source {
        case .file(let path, _):
            let reused = try pool.withLock { pool throws(StorageError) -> EventLogBox? in
                guard !pool.closed else { throw .closed }
                return pool.idle.popLast()
            }
            return try reused ?? EventLogBox(log: EventLog.openReader(path: path))
        case .fixed(let available):
            available.wait()
            let taken = pool.withLock { pool -> EventLogBox? in pool.closed ? nil : pool.idle.popLast() }
            guard let taken else {
                available.signal()
                throw StorageError.closed
            }
            return taken
        }
    }

    private func checkIn(_ box: EventLogBox) {
        switch source {
        case .file(_, let maxIdle):
            let kept = pool.withLock { pool in
                guard !pool.closed, pool.idle.count < maxIdle else { return false }
                pool.idle.append(box)
                return true
            }
            if !kept { box.log.close() }
        case .fixed(let available):
            let kept = pool.withLock { pool in
                guard !pool.closed else { return false }
                pool.idle.append(box)
                return true
            }
            if !kept { box.log.close() }
            available.signal()
        }
    }
}
