import EventStoreGRPC
import EventStoreWire

/// Where a gRPC Create or Update starts its group, as the request carries it.
enum PersistentStart {
    /// A stream revision (`UInt64.max`: the end).
    case revision(UInt64)
    /// A `$all` position (both `UInt64.max`: the end).
    case position(commit: UInt64, prepare: UInt64)
}

/// The settings fields gRPC's `CreateReq.Settings` and `UpdateReq.Settings` share (the two messages
/// are distinct types with the same layout, except the consumer strategy's name, which only Create has).
protocol PersistentGRPCSettingsMessage {
    var resolveLinks: Bool { get }
    var extraStatistics: Bool { get }
    var maxRetryCount: Int32 { get }
    var minCheckpointCount: Int32 { get }
    var maxCheckpointCount: Int32 { get }
    var maxSubscriberCount: Int32 { get }
    var liveBufferSize: Int32 { get }
    var readBatchSize: Int32 { get }
    var historyBufferSize: Int32 { get }
    /// The `message_timeout` oneof's members (each 0 unless it is the one set).
    var messageTimeoutMs: Int32 { get }
    var messageTimeoutTicks: Int64 { get }
    /// The `checkpoint_after` oneof's members (each 0 unless it is the one set).
    var checkpointAfterMs: Int32 { get }
    var checkpointAfterTicks: Int64 { get }
    /// The strategy's name: `consumer_strategy` when set, else the deprecated enum's name.
    var strategyName: String { get }
}

/// A oneof of milliseconds and .NET ticks (100 ns), read through its two generated accessors (each
/// 0 unless it is the member set): `ms` when set, else `ticks` in whole milliseconds, as the server's
/// `(int)TimeSpan.FromTicks(t).TotalMilliseconds` (0 when neither is set).
private func milliseconds(ms: Int32, ticks: Int64) -> Int32 {
    ms != 0 ? ms : Int32(clamping: ticks / 10_000)
}

extension PersistentGRPCSettingsMessage {
    /// `message_timeout_ms`, or `message_timeout_ticks` in milliseconds (0 when neither is set).
    var messageTimeoutInMilliseconds: Int32 {
        milliseconds(ms: messageTimeoutMs, ticks: messageTimeoutTicks)
    }

    /// `checkpoint_after_ms`, or `checkpoint_after_ticks` in milliseconds (0 when neither is set).
    var checkpointAfterInMilliseconds: Int32 {
        milliseconds(ms: checkpointAfterMs, ticks: checkpointAfterTicks)
    }
}

extension EventStore_Client_PersistentSubscriptions_CreateReq.Settings: PersistentGRPCSettingsMessage {
    var strategyName: String {
        guard consumerStrategy.isEmpty else { return consumerStrategy }
        switch namedConsumerStrategy {
        case .dispatchToSingle: return ConsumerStrategy.dispatchToSingle.rawValue
        case .roundRobin: return ConsumerStrategy.roundRobin.rawValue
        case .pinned: return ConsumerStrategy.pinned.rawValue
        case .UNRECOGNIZED(let value): return String(value)
        }
    }
}

extension EventStore_Client_PersistentSubscriptions_UpdateReq.Settings: PersistentGRPCSettingsMessage {
    /// Update has only the enum (the server's Update reads nothing else).
    var strategyName: String {
        switch namedConsumerStrategy {
        case .dispatchToSingle: ConsumerStrategy.dispatchToSingle.rawValue
        case .roundRobin: ConsumerStrategy.roundRobin.rawValue
        case .pinned: ConsumerStrategy.pinned.rawValue
        case .UNRECOGNIZED(let value): String(value)
        }
    }
}

extension PersistentSubscriptionsService {
    /// A Create's or Update's settings in the engine's terms, or why they cannot be (the engine
    /// checks the rest, as it does for the TCP door).
    static func settings(
        _ message: some PersistentGRPCSettingsMessage, start: PersistentStart, filter: PersistentAllFilter?
    ) -> Result<PersistentSettings, PersistentSettingsError> {
        let strategy: ConsumerStrategy
        do {
            strategy = try PersistentSettings.strategy(named: message.strategyName)
        } catch {
            return .failure(error)
        }
        var startFrom = Int64.min
        var startPosition: LogPosition?
        switch start {
        case .revision(let revision):
            startFrom = revision == UInt64.max ? -1 : Int64(clamping: revision)
        case .position(let commit, let prepare):
            startPosition = LogPosition(commit: Int64(bitPattern: commit), prepare: Int64(bitPattern: prepare))
        }
        return .success(PersistentSettings(
            resolveLinks: message.resolveLinks, startFrom: startFrom, messageTimeoutMs: message.messageTimeoutInMilliseconds,
            maxRetryCount: message.maxRetryCount, liveBufferSize: message.liveBufferSize, readBatchSize: message.readBatchSize,
            bufferSize: message.historyBufferSize, checkpointAfterMs: message.checkpointAfterInMilliseconds,
            checkpointMinCount: message.minCheckpointCount, checkpointMaxCount: message.maxCheckpointCount,
            maxSubscribers: message.maxSubscriberCount, strategy: strategy, recordStatistics: message.extraStatistics,
            startPosition: startPosition, filter: filter))
    }
}
