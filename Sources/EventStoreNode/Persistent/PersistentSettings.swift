import Foundation
import EventStoreWire

/// How a persistent subscription group hands events to its consumers (docs/protocol.md §4.12).
enum ConsumerStrategy: String, Codable, Sendable, CaseIterable {
    /// Each event to the next consumer with room, in turn.
    case roundRobin = "RoundRobin"
    /// Every event to the first consumer with room (the others take over when it is full or gone).
    case dispatchToSingle = "DispatchToSingle"
    /// Events of one source stream always to the same consumer (by a hash of the stream name).
    case pinned = "Pinned"
}

/// A persistent subscription group's settings, as Create/UpdatePersistentSubscription carry them.
struct PersistentSettings: Codable, Sendable, Equatable {
    var resolveLinks: Bool
    /// −1: from the end of the stream when the group starts; N: from event N. Ignored once a checkpoint exists.
    var startFrom: Int64
    /// An un-acknowledged event is retried after this long; 0: never.
    var messageTimeoutMs: Int32
    var maxRetryCount: Int32
    var liveBufferSize: Int32
    var readBatchSize: Int32
    var bufferSize: Int32
    /// A checkpoint is written after this long if at least `checkpointMinCount` events were processed; 0: never by time.
    var checkpointAfterMs: Int32
    var checkpointMinCount: Int32
    /// A checkpoint is written at once when this many events were processed since the last.
    var checkpointMaxCount: Int32
    /// 0: unlimited.
    var maxSubscribers: Int32
    var strategy: ConsumerStrategy
    var recordStatistics: Bool
    /// Where a group on `$all` starts when it has no checkpoint (`LogPosition.end`: the end of the
    /// log when the group starts); nil for a group on a stream, which uses `startFrom`.
    var startPosition: LogPosition? = nil
    /// What a group on `$all` delivers (nil: every record the server's `$all` reads return).
    var filter: PersistentAllFilter? = nil

    /// The members the legacy stored shape (`entries[].settings`) has: groups on streams only.
    private enum CodingKeys: String, CodingKey {
        case resolveLinks, startFrom, messageTimeoutMs, maxRetryCount, liveBufferSize, readBatchSize, bufferSize
        case checkpointAfterMs, checkpointMinCount, checkpointMaxCount, maxSubscribers, strategy, recordStatistics
    }

    /// Settings as stored (``PersistentConfigDocument``) or as a gRPC Create/Update carries them;
    /// check them with ``validate()``.
    init(
        resolveLinks: Bool, startFrom: Int64, messageTimeoutMs: Int32, maxRetryCount: Int32, liveBufferSize: Int32,
        readBatchSize: Int32, bufferSize: Int32, checkpointAfterMs: Int32, checkpointMinCount: Int32,
        checkpointMaxCount: Int32, maxSubscribers: Int32, strategy: ConsumerStrategy, recordStatistics: Bool,
        startPosition: LogPosition? = nil, filter: PersistentAllFilter? = nil
    ) {
        self.startPosition = startPosition
        self.filter = filter
        self.resolveLinks = resolveLinks
        self.startFrom = startFrom
        self.messageTimeoutMs = messageTimeoutMs
        self.maxRetryCount = maxRetryCount
        self.liveBufferSize = liveBufferSize
        self.readBatchSize = readBatchSize
        self.bufferSize = bufferSize
        self.checkpointAfterMs = checkpointAfterMs
        self.checkpointMinCount = checkpointMinCount
        self.checkpointMaxCount = checkpointMaxCount
        self.maxSubscribers = maxSubscribers
        self.strategy = strategy
        self.recordStatistics = recordStatistics
    }

    /// Reads and checks a Create or Update message; the error is the reason a `Fail` result carries.
    init(_ message: some PersistentSettingsMessage) throws(PersistentSettingsError) {
        let name = message.namedConsumerStrategy
        if name.isEmpty {
            strategy = message.preferRoundRobin ? .roundRobin : .dispatchToSingle
        } else {
            strategy = try Self.strategy(named: name)
        }
        resolveLinks = message.resolveLinkTos
        startFrom = message.startFrom
        messageTimeoutMs = message.messageTimeoutMilliseconds
        maxRetryCount = message.maxRetryCount
        liveBufferSize = message.liveBufferSize
        readBatchSize = message.readBatchSize
        bufferSize = message.bufferSize
        checkpointAfterMs = message.checkpointAfterTime
        checkpointMinCount = message.checkpointMinCount
        checkpointMaxCount = message.checkpointMaxCount
        maxSubscribers = message.subscriberMaxCount
        recordStatistics = message.recordStatistics
        try validate()
    }

    /// The strategy of that name, or the `Fail` reason the server gives.
    static func strategy(named name: String) throws(PersistentSettingsError) -> ConsumerStrategy {
        guard let known = ConsumerStrategy(rawValue: name) else {
            throw PersistentSettingsError(reason: "Consumer strategy \(name) does not exist.")
        }
        return known
    }

    /// The checks every Create and Update passes, from either door; the error is the reason a
    /// `Fail` result carries.
    func validate() throws(PersistentSettingsError) {
        if let position = startPosition {
            // As the server's ValidateStartFrom (the log's end is checked when the group starts).
            guard position.prepare <= position.commit else {
                throw PersistentSettingsError(
                    reason: "Invalid Start From position: prepare position must be less than or equal to the commit position.")
            }
            guard position == .end || (position.commit >= 0 && position.prepare >= 0) else {
                throw PersistentSettingsError(reason: "Invalid Start From position: prepare and commit positions must be "
                    + "greater than or equal to 0 or both equal to -1.")
            }
        }
        guard startPosition != nil || startFrom >= -1 else {
            throw PersistentSettingsError(reason: "Invalid start position \(startFrom).")
        }
        guard messageTimeoutMs >= 0, maxRetryCount >= 0, checkpointAfterMs >= 0, checkpointMinCount >= 0,
              maxSubscribers >= 0 else {
            throw PersistentSettingsError(reason: "Negative timeouts, counts and limits are not allowed.")
        }
        guard readBatchSize > 0, bufferSize > 0, liveBufferSize > 0 else {
            throw PersistentSettingsError(reason: "Buffer and batch sizes must be positive.")
        }
        guard checkpointMaxCount >= max(1, checkpointMinCount) else {
            throw PersistentSettingsError(reason: "The maximum checkpoint count must be at least the minimum (and at least 1).")
        }
    }
}

/// Why settings were refused: the text of the `Fail` reply.
struct PersistentSettingsError: Error {
    var reason: String
}

/// The fields Create and UpdatePersistentSubscription share (the two messages have one layout).
protocol PersistentSettingsMessage {
    var subscriptionGroupName: String { get }
    var eventStreamID: String { get }
    var resolveLinkTos: Bool { get }
    var startFrom: Int64 { get }
    var messageTimeoutMilliseconds: Int32 { get }
    var recordStatistics: Bool { get }
    var liveBufferSize: Int32 { get }
    var readBatchSize: Int32 { get }
    var bufferSize: Int32 { get }
    var maxRetryCount: Int32 { get }
    var preferRoundRobin: Bool { get }
    var checkpointAfterTime: Int32 { get }
    var checkpointMaxCount: Int32 { get }
    var checkpointMinCount: Int32 { get }
    var subscriberMaxCount: Int32 { get }
    var namedConsumerStrategy: String { get }
}

extension ESCreatePersistentSubscription: PersistentSettingsMessage {}
extension ESUpdatePersistentSubscription: PersistentSettingsMessage {}

/// The names of a group's system streams and its key (docs/protocol.md §4.12).
struct PersistentGroupKey: Hashable, Codable, Sendable {
    var stream: String
    var group: String

    /// `stream::group`, the subscription id of the confirmation and of Ack/Nak.
    var id: String { "\(stream)::\(group)" }
    /// Where the group's checkpoint (the last event number processed without gaps) is written.
    var checkpointStream: String { "$persistentsubscription-\(id)-checkpoint" }
    /// Where links to parked events go.
    var parkedStream: String { "$persistentsubscription-\(id)-parked" }

    /// The stream holding every group's settings.
    static let configStream = "$persistentSubscriptionConfig"
    static let configEventType = "$PersistentConfig"
    static let checkpointEventType = "SubscriptionCheckpoint"
}
