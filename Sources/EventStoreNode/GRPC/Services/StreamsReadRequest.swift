import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// A `ReadReq` checked and put in the engine's terms: what is read, from where, how many or
/// whether it goes on live, with which filter (the combinations the server's `CreateEnumerator`
/// accepts; docs/grpc.md §2.3, §2.4).
struct StreamsReadRequest: Sendable {
    /// A stream, or `$all`.
    enum Target: Sendable {
        case stream(String)
        case all

        /// The name the read is authorized against.
        var name: String {
            switch self {
            case .stream(let name): name
            case .all: StreamNames.all
            }
        }
    }

    /// Where a subscription starts: at the beginning, live only, or after a revision or position.
    enum SubscriptionStart<Point: Sendable>: Sendable {
        case start
        case end
        case after(Point)
    }

    /// A filter of `$all` and its search window (`max`, or nil for the default `count`).
    struct Filter: Sendable {
        var filter: EventFilter
        var window: UInt32?
        var checkpointMultiplier: UInt32

        /// Records considered between two checkpoints of a subscription: window × multiplier
        /// (32 × multiplier for `count`), at least 1. Both are a client's `uint32`s, so the product
        /// can pass `Int.max`: it saturates there (no checkpoint but the one at the end of history).
        var checkpointInterval: Int {
            let window = Int(self.window ?? UInt32(StreamsReadRequest.pageSize))
            let (interval, overflow) = window.multipliedReportingOverflow(by: Int(checkpointMultiplier))
            return overflow ? Int.max : max(1, interval)
        }
    }

    enum Kind: Sendable {
        /// At most `count` events of a stream from `from` (−1 backwards: the last event).
        case streamPage(from: Int64, forward: Bool, count: UInt64)
        /// At most `count` events of `$all` from `from`, filtered or not.
        case allPage(from: LogPosition, forward: Bool, count: UInt64, filter: Filter?)
        case streamSubscription(SubscriptionStart<Int64>)
        case allSubscription(SubscriptionStart<LogPosition>, filter: Filter?)
    }

    /// Events per engine read, as the server's `ReadBatchSize`.
    static let pageSize = 32

    let target: Target
    let kind: Kind
    let resolveLinks: Bool
    /// Event ids as strings rather than structured halves.
    let uuidAsString: Bool
    /// `control_option.compatibility`: 1 and above add first/last stream positions to stream reads.
    let compatibility: UInt32

    /// The target alone, checked before access is (as the server does).
    static func target(of options: EventStore_Client_Streams_ReadReq.Options) throws(RPCError) -> Target {
        guard options.hasUuidOption else { throw GRPCFailure.invalidArgument("Required argument 'uuidOption' is missing.") }
        switch options.streamOption {
        case .stream(let stream)?: return .stream(try StreamsService.streamName(stream.streamIdentifier))
        case .all?: return .all
        case nil: throw GRPCFailure.invalidArgument("The read names no stream (stream_option is missing).")
        }
    }

    init(_ options: EventStore_Client_Streams_ReadReq.Options) throws(RPCError) {
        target = try Self.target(of: options)
        resolveLinks = options.resolveLinks
        if case .string? = options.uuidOption.content { uuidAsString = true } else { uuidAsString = false }
        compatibility = options.hasControlOption ? options.controlOption.compatibility : 0
        let forward: Bool
        switch options.readDirection {
        case .forwards: forward = true
        case .backwards: forward = false
        case .UNRECOGNIZED(let value): throw GRPCFailure.invalidArgument("Unknown read direction \(value).")
        }
        let filter: Filter?
        switch options.filterOption {
        case .filter(let wire)?:
            guard case .all = target else { throw Self.invalidCombination("a filter on a stream") }
            filter = try Self.filter(wire)
        case .noFilter?: filter = nil
        case nil: throw Self.invalidCombination("no filter option")
        }
        switch (options.countOption, options.streamOption) {
        case (.count(let count)?, .stream(let stream)?):
            let from: Int64
            switch stream.revisionOption {
            case .start?: from = 0
            case .end?: from = forward ? Int64.max : -1
            case .revision(let revision)?: from = Int64(clamping: revision)
            case nil: throw GRPCFailure.invalidArgument("The read's stream revision is missing.")
            }
            kind = .streamPage(from: from, forward: forward, count: count)
        case (.count(let count)?, .all(let all)?):
            kind = .allPage(from: try Self.position(all, forward: forward), forward: forward, count: count, filter: filter)
        case (.subscription?, .stream(let stream)?):
            guard forward else { throw Self.invalidCombination("a backwards subscription") }
            switch stream.revisionOption {
            case .start?: kind = .streamSubscription(.start)
            case .end?: kind = .streamSubscription(.end)
            case .revision(let revision)?: kind = .streamSubscription(.after(Int64(clamping: revision)))
            case nil: throw GRPCFailure.invalidArgument("The subscription's stream revision is missing.")
            }
        case (.subscription?, .all(let all)?):
            guard forward else { throw Self.invalidCombination("a backwards subscription") }
            switch all.allOption {
            case .start?: kind = .allSubscription(.start, filter: filter)
            case .end?: kind = .allSubscription(.end, filter: filter)
            case .position?: kind = .allSubscription(.after(try Self.position(all, forward: true)), filter: filter)
            case nil: throw GRPCFailure.invalidArgument("The subscription's position is missing.")
            }
        case (nil, _), (_, nil):
            throw Self.invalidCombination("no count and no subscription")
        }
    }

    /// A position of `$all` in the engine's terms; a position beyond them is refused.
    private static func position(
        _ all: EventStore_Client_Streams_ReadReq.Options.AllOptions, forward: Bool
    ) throws(RPCError) -> LogPosition {
        switch all.allOption {
        case .start?: return .start
        case .end?: return .end
        case .position(let position)?:
            guard position.commitPosition <= UInt64(Int64.max), position.preparePosition <= UInt64(Int64.max) else {
                throw GRPCFailure.invalidArgument("Invalid position.")
            }
            return LogPosition(commit: Int64(position.commitPosition), prepare: Int64(position.preparePosition))
        case nil: throw GRPCFailure.invalidArgument("The read's position is missing.")
        }
    }

    /// A filter as the engine's ``EventFilter`` (a regex when one is given, prefixes otherwise).
    private static func filter(_ wire: EventStore_Client_Streams_ReadReq.Options.FilterOptions) throws(RPCError) -> Filter {
        var filter = ESFilter()
        let expression: EventStore_Client_Streams_ReadReq.Options.FilterOptions.Expression
        switch wire.filter {
        case .streamIdentifier(let value)?: (filter.context, expression) = (.streamID, value)
        case .eventType(let value)?: (filter.context, expression) = (.eventType, value)
        case nil: throw GRPCFailure.invalidArgument("The filter has neither a stream nor an event type expression.")
        }
        if expression.regex.isEmpty {
            (filter.type, filter.data) = (.prefix, expression.prefix)
        } else {
            (filter.type, filter.data) = (.regex, [expression.regex])
        }
        let window: UInt32?
        switch wire.window {
        case .max(let max)?: window = max
        case .count?: window = nil
        case nil: throw GRPCFailure.invalidArgument("The filter has no window (max or count).")
        }
        do {
            return Filter(filter: try EventFilter(filter), window: window, checkpointMultiplier: wire.checkpointIntervalMultiplier)
        } catch {
            throw GRPCFailure.invalidArgument("Invalid filter regex: \(error)")
        }
    }

    private static func invalidCombination(_ what: String) -> RPCError {
        GRPCFailure.invalidArgument("The server does not support \(what) in a read.")
    }
}
