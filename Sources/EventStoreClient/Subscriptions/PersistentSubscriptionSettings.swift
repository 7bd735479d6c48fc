import EventStoreWire

/// How a persistent subscription group shares events among its consumers.
public enum ConsumerStrategy: String, Sendable, Hashable, CaseIterable {
    /// Each event to the next consumer with room, in turn.
    case roundRobin = "RoundRobin"
    /// Every event to the first consumer with room; the others take over when it is full or gone.
    case dispatchToSingle = "DispatchToSingle"
    /// The events of one source stream always to the same consumer.
    case pinned = "Pinned"
}

/// A persistent subscription group's settings; the defaults are the .NET client's.
///
/// ```swift
/// var settings = PersistentSubscriptionSettings()
/// settings.startFrom = 0                  // from the first event (default: only new ones)
/// settings.messageTimeout = .seconds(10)  // un-acknowledged events are retried after this
/// try await client.createPersistentSubscription("workers", on: "orders-1", settings: settings)
/// ```
public struct PersistentSubscriptionSettings: Sendable, Hashable {
    /// Deliver the targets of `$>` links.
    public var resolveLinks = false
    /// −1: only events written after the group starts; N: from event N. A checkpoint, once written, wins.
    public var startFrom: Int64 = -1
    /// An event not acknowledged within this is retried; `.zero`: never.
    public var messageTimeout: Duration = .seconds(30)
    /// Retries before an event is parked.
    public var maxRetryCount = 10
    /// Events kept while live.
    public var liveBufferSize = 500
    /// Events read per page while catching up.
    public var readBatchSize = 20
    /// Events kept while catching up.
    public var historyBufferSize = 500
    /// A checkpoint is written this long after the last one (with at least `minCheckpointCount` events done); `.zero`: never by time.
    public var checkpointAfter: Duration = .seconds(2)
    /// Events done before a timed checkpoint.
    public var minCheckpointCount = 10
    /// Events done that force a checkpoint.
    public var maxCheckpointCount = 1000
    /// Consumers allowed at once; 0: unlimited.
    public var maxSubscriberCount = 0
    /// How events are shared among consumers.
    public var consumerStrategy = ConsumerStrategy.roundRobin
    /// Ask the server to keep extra timing statistics.
    public var extraStatistics = false

    /// The defaults.
    public init() {}

    /// The Create message for `group` on `stream` (Update has the same layout).
    func createMessage(group: String, stream: String) -> ESCreatePersistentSubscription {
        var message = ESCreatePersistentSubscription()
        message.subscriptionGroupName = group
        message.eventStreamID = stream
        message.resolveLinkTos = resolveLinks
        message.startFrom = startFrom
        message.messageTimeoutMilliseconds = Int32(clamping: ClientConfiguration.milliseconds(messageTimeout))
        message.recordStatistics = extraStatistics
        message.liveBufferSize = Int32(clamping: liveBufferSize)
        message.readBatchSize = Int32(clamping: readBatchSize)
        message.bufferSize = Int32(clamping: historyBufferSize)
        message.maxRetryCount = Int32(clamping: maxRetryCount)
        message.preferRoundRobin = consumerStrategy == .roundRobin
        message.checkpointAfterTime = Int32(clamping: ClientConfiguration.milliseconds(checkpointAfter))
        message.checkpointMaxCount = Int32(clamping: maxCheckpointCount)
        message.checkpointMinCount = Int32(clamping: minCheckpointCount)
        message.subscriberMaxCount = Int32(clamping: maxSubscriberCount)
        message.namedConsumerStrategy = consumerStrategy.rawValue
        return message
    }
}
