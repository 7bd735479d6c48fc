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

    /// Settings as stored (``PersistentConfigDocument``).
    init(
        resolveLinks: Bool, startFrom: Int64, messageTimeoutMs: Int32, maxRetryCount: Int32, liveBufferSize: Int32,
        readBatchSize: Int32, bufferSize: Int32, checkpointAfterMs: Int32, checkpointMinCount: Int32,
        checkpointMaxCount: Int32, maxSubscribers: Int32, strategy: ConsumerStrategy, recordStatistics: Bool
    ) {
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
        } else if let known = ConsumerStrategy(rawValue: name) {
            strategy = known
        } else {
            throw PersistentSettingsError(reason: "Consumer strategy \(name) does not exist.")
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
        guard startFrom >= -1 else { throw PersistentSettingsError(reason: "Invalid start position \(startFrom).") }
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

    /// A checkpoint event's position: a JSON string (`"42"`, 21.10+) or number (`42`, 20.10).
    static func checkpointNumber(_ data: Data) -> Int64? {
        var text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        return Int64(text)
    }
}
