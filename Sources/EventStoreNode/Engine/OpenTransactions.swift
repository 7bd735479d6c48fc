import EventStoreWire

/// Explicit transactions between TransactionStart and TransactionCommit, held by the writer.
///
/// EventStoreDB writes a transaction's events to its log as they arrive, so open transactions cost
/// it disk, not memory. This node keeps them in memory until the commit, so it bounds them (a
/// deliberate deviation, docs/node-fidelity.md §Transactions): at most ``TransactionLimits/count`` open at once,
/// ``TransactionLimits/bytes`` each, and one idle for ``TransactionLimits/idleMs`` is ended. An ended or unknown id is
/// answered as the server answers an id that is not a transaction: AccessDenied.
struct OpenTransactions {

    /// One open transaction.
    struct Transaction {
        var stream: String
        var expectedVersion: Int64
        var events: [ProposedEvent] = []
        var bytes = 0
        var lastUsedMs: Int64
    }

    /// Why a transaction request is refused.
    enum Refusal: Error, Equatable {
        case unknown
        case tooMany(limit: Int)
        case tooLarge(limit: Int)

        var message: String {
            switch self {
            case .unknown: return "Access Denied"
            case .tooMany(let limit): return "Too many open transactions (the limit is \(limit)); commit or abandon one first."
            case .tooLarge(let limit): return "Transaction over \(limit) bytes; it has been ended."
            }
        }
    }

    var limits = TransactionLimits()
    private var open: [Int64: Transaction] = [:]

    var count: Int { open.count }

    /// Ends transactions idle for longer than the limit.
    mutating func expire(now: Int64) {
        let (cutoff, overflow) = now.subtractingReportingOverflow(limits.idleMs)
        guard !overflow else { return }
        open = open.filter { $0.value.lastUsedMs >= cutoff }
    }

    /// Opens transaction `id`; the refusal when the limit is reached.
    mutating func start(id: Int64, stream: String, expectedVersion: Int64, now: Int64) -> Refusal? {
        expire(now: now)
        guard open.count < limits.count else { return .tooMany(limit: limits.count) }
        open[id] = Transaction(stream: stream, expectedVersion: expectedVersion, lastUsedMs: now)
        return nil
    }

    /// The open transaction `id`.
    func transaction(_ id: Int64) -> Transaction? { open[id] }

    /// Adds events to transaction `id`; one that grows past the byte limit is ended. Returns the refusal, if any.
    mutating func append(_ events: [ProposedEvent], to id: Int64, now: Int64) -> Refusal? {
        expire(now: now)
        guard var transaction = open[id] else { return .unknown }
        let added = events.reduce(0) { $0 + $1.data.count + $1.metadata.count + $1.type.utf8.count + 16 }
        guard transaction.bytes + added <= limits.bytes else {
            open[id] = nil
            return .tooLarge(limit: limits.bytes)
        }
        transaction.events.append(contentsOf: events)
        transaction.bytes += added
        transaction.lastUsedMs = now
        open[id] = transaction
        return nil
    }

    /// Removes and returns transaction `id` (its commit).
    mutating func finish(_ id: Int64) -> Transaction? {
        open.removeValue(forKey: id)
    }
}

/// Bounds on open explicit transactions, which the node holds in memory until they commit.
public struct TransactionLimits: Sendable, Hashable {
    /// Open transactions at once, node-wide.
    public var count = 1_000
    /// Bytes of events (data, metadata, type, id) one transaction may hold.
    public var bytes = 64 * 1024 * 1024
    /// A transaction unused this long (milliseconds) is ended.
    public var idleMs: Int64 = 10 * 60 * 1000

    /// The defaults: 1,000 transactions, 64 MiB each, ended after 10 idle minutes.
    public init() {}
}
