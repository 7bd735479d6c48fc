import EventStoreClient

/// Where a read or tail starts in a stream.
public enum StreamStart: Equatable, Sendable {
    case start
    case end
    case number(Int64)
    /// `-N`: N events before the end.
    case beforeEnd(Int64)
}

/// Where a read of `$all` starts.
public enum AllStart: Equatable, Sendable {
    case start
    case end
    case position(Position)
}

/// Server-side filter options of `read '$all'` and `tail '$all'`.
public struct FilterOptions: Equatable, Sendable {
    /// `--type-prefix`: event types starting with any of these.
    public var typePrefix: [String] = []
    /// `--stream-prefix`: streams starting with any of these.
    public var streamPrefix: [String] = []
    /// `--type-regex`: event types matching this.
    public var typeRegex: String?
    /// No filter.
    public init() {}
    /// Whether nothing is filtered.
    public var isEmpty: Bool { typePrefix.isEmpty && streamPrefix.isEmpty && typeRegex == nil }
}

/// One command of the shell language, parsed.
public enum ShellCommand: Equatable, Sendable {
    case help(String?)
    case status
    case quit
    case connect(String)
    case streams(filter: String?, limit: Int)
    case categories
    case readStream(stream: String, from: StreamStart, count: Int, backward: Bool, resolve: Bool)
    case readAll(from: AllStart, count: Int, backward: Bool, filter: FilterOptions)
    case show(stream: String, number: Int64?)
    case append(stream: String, type: String, data: AppendData, expected: ExpectedVersion, id: String?, metadata: String?)
    case delete(stream: String, hard: Bool, expected: ExpectedVersion, confirmed: Bool)
    case meta(stream: String, set: String?, confirmed: Bool)
    case tail(stream: String, from: StreamStart, limit: Int?, filter: FilterOptions)
    case untail(String?)
    /// `group create`: a persistent subscription group; `from` is start, end or a number.
    case createGroup(stream: String, group: String, from: StreamStart, resolve: Bool, strategy: ConsumerStrategy)
    case deleteGroup(stream: String, group: String, confirmed: Bool)
    /// Join a group as a consumer: events shown like a tail, each acknowledged (or nak-ed).
    case consume(stream: String, group: String, limit: Int?, nak: NakAction?)
    case ops
    case log
    case demo(DemoMode)

    /// What `append` writes.
    public enum AppendData: Equatable, Sendable {
        case json(String)
        case file(String)
        /// Raw bytes given as text with `--binary`.
        case binary(String)
        case binaryFile(String)
    }

    /// `demo`: write once, keep writing (`--live`), or `stop`.
    public enum DemoMode: Equatable, Sendable {
        case once
        case live
        case stop
    }

    /// Whether the command writes (refused under `--readonly`).
    public var isWrite: Bool {
        switch self {
        case .append, .delete, .demo(.once), .demo(.live), .createGroup, .deleteGroup, .consume: return true
        case .meta(_, let set, _): return set != nil
        default: return false
        }
    }
}
