import EventStoreWire
import Foundation

/// An event on its way through a persistent subscription group.
struct PersistentMessage: Sendable {
    /// The record as delivered (one record; a resolved link carries its target).
    var records: ReadRecords
    /// Where it is in what the group reads: its number in the subscribed stream (the link's number
    /// when it is a link), or its log position for a group on `$all`.
    var point: PersistentPoint
    /// The id Ack and Nak name: the record read (the link when it is a link).
    var eventID: [UInt8]
    /// The stream the event itself belongs to (pinning hashes this).
    var sourceStream: String
    var retryCount: Int32 = 0
    /// Its place in the order the group read its events (checkpoints follow it); −1 for a parked
    /// event being replayed, which checkpoints ignore.
    var sequence: Int64 = -1
}

/// A consumer that takes a group's messages as they are (the gRPC door's Read) instead of as TCP
/// packages; confirmations and drops still come through ``SubscriptionSink/deliver(_:id:)``.
protocol PersistentMessageSink: SubscriptionSink {
    /// Sends one message; like every sink call it must only enqueue.
    func deliver(_ message: PersistentMessage, id: UUID)
}

/// Who a consumer is, for the statistics (the server's `ConnectionInfo`).
struct PersistentConsumerIdentity: Sendable {
    /// The client's address (`host:port`).
    var from = ""
    var username = ""
    /// The `connection-name` a gRPC client sent.
    var connectionName = ""
}

/// One consumer of a group: a connection's ConnectToPersistentSubscription, or a gRPC Read.
struct PersistentConsumer {
    let connection: ObjectIdentifier
    let correlationID: UUID
    let sink: any SubscriptionSink
    let allowedInFlight: Int
    var identity = PersistentConsumerIdentity()
    var inFlight = 0
    /// Messages sent to it so far.
    var totalItems: Int64 = 0
    /// `totalItems` when the statistics were last taken.
    var itemsAtLastMeasurement: Int64 = 0
}

/// The I/O a group asks for; the service carries it out and reports back.
enum PersistentEffect: Sendable {
    /// Read up to `count` events from `from` (then ``PersistentGroup/received(_:next:endOfStream:)``).
    case read(from: PersistentPoint, count: Int32)
    /// Write a link to the message's record to the parked stream.
    case park(PersistentMessage)
    /// Write the checkpoint (the last event processed without gaps).
    case checkpoint(PersistentPoint)
}

/// A persistent subscription group's delivery state (docs/protocol.md §4.12), without I/O: events read
/// and buffered, consumers and their in-flight counts, outstanding messages with their deadlines,
/// retries, parking and checkpoints. Deliveries go straight to the consumers' sinks (which only
/// enqueue); reads and writes come back as ``PersistentEffect``s.
struct PersistentGroup {
    let key: PersistentGroupKey
    /// Tells this group from an earlier one of the same name (a read answers only the group that asked).
    let generation = UUID()
    var settings: PersistentSettings
    private(set) var consumers: [PersistentConsumer] = []
    private var nextConsumer = 0

    /// Where the next read starts; nil until the start (checkpoint or start position) is known.
    private(set) var nextToRead: PersistentPoint?
    private(set) var reading = false
    /// A commit to the stream arrived while a read was running: its end-of-stream may be stale.
    private var committedWhileReading = false
    private(set) var caughtUp = false
    /// Parked events are being read back into `retries` (``replay(_:)``).
    var replayingParked = false
    private(set) var buffer: [PersistentMessage] = []
    private(set) var retries: [PersistentMessage] = []

    private struct Outstanding {
        var message: PersistentMessage
        var connection: ObjectIdentifier
        var correlationID: UUID
        var deadline: Int64?
    }
    private var outstanding: [[UInt8]: Outstanding] = [:]
    /// Sequences (``PersistentMessage/sequence``) read and not yet finished (acknowledged, skipped or parked).
    private var unfinished: Set<Int64> = []
    /// The sequence the next event read gets.
    private var nextSequence: Int64 = 0
    /// The points of the events read since the last checkpoint, by sequence: what a checkpoint names.
    private var readPoints: [Int64: PersistentPoint] = [:]
    /// The sequence of the last event checkpointed (−1: none since the group started).
    private var checkpointedSequence: Int64 = -1
    /// The last checkpoint written (or loaded).
    private(set) var checkpoint: PersistentPoint?
    /// The last event read.
    private(set) var lastKnown: PersistentPoint?
    private var processedSinceCheckpoint = 0
    private var lastCheckpointAt: Int64

    /// Messages sent to consumers since the group started (retries included, as the server counts).
    private(set) var totalItems: Int64 = 0
    /// `totalItems` and the clock when the statistics were last taken (``measure(now:)``).
    private var itemsAtLastMeasurement: Int64 = 0
    private var lastMeasurementAt: Int64

    init(key: PersistentGroupKey, settings: PersistentSettings, now: Int64) {
        self.key = key
        self.settings = settings
        lastCheckpointAt = now
        lastMeasurementAt = now
    }

    /// How many messages are out with consumers, not yet acknowledged.
    var outstandingCount: Int { outstanding.count }

    /// Sets where reading starts: after the checkpoint when there is one.
    mutating func start(at point: PersistentPoint, checkpoint: PersistentPoint?) {
        nextToRead = point
        self.checkpoint = checkpoint
        lastKnown = checkpoint
    }

    // MARK: Consumers

    /// Adds a consumer; false when the group is full.
    mutating func add(_ consumer: PersistentConsumer) -> Bool {
        guard settings.maxSubscribers == 0 || consumers.count < Int(settings.maxSubscribers) else { return false }
        consumers.append(consumer)
        return true
    }

    /// Removes a consumer (unsubscribed or disconnected); its outstanding messages are retried.
    /// Returns nil (the group unchanged) when it was not one of this group's, else the parks that
    /// retrying caused.
    mutating func remove(connection: ObjectIdentifier, correlationID: UUID?) -> [PersistentEffect]? {
        let before = consumers.count
        consumers.removeAll { $0.connection == connection && (correlationID == nil || $0.correlationID == correlationID) }
        guard consumers.count < before else { return nil }
        nextConsumer = consumers.isEmpty ? 0 : nextConsumer % consumers.count
        var effects: [PersistentEffect] = []
        // Retried in the order they were read.
        let leaving = outstanding.filter { _, entry in
            entry.connection == connection && (correlationID == nil || entry.correlationID == correlationID)
        }.sorted { $0.value.message.sequence < $1.value.message.sequence }
        for (id, entry) in leaving {
            outstanding[id] = nil
            if let parked = retry(entry.message) { effects.append(parked) }
        }
        return effects
    }

    /// Every consumer's sink and id (to drop them when the group is deleted).
    var consumerSinks: [(sink: any SubscriptionSink, id: UUID)] { consumers.map { ($0.sink, $0.correlationID) } }

    /// Whether a consumer of this connection uses this correlation id.
    func hasConsumer(connection: ObjectIdentifier, correlationID: UUID) -> Bool {
        consumers.contains { $0.connection == connection && $0.correlationID == correlationID }
    }

    // MARK: Reading

    /// A read's events arrived; `next` is where the next read starts, `endOfStream` whether that was all.
    mutating func received(_ messages: [PersistentMessage], next: PersistentPoint, endOfStream: Bool) {
        reading = false
        guard let from = nextToRead else { return }
        for var message in messages where message.point >= from {
            message.sequence = nextSequence
            nextSequence += 1
            unfinished.insert(message.sequence)
            readPoints[message.sequence] = message.point
            lastKnown = message.point
            buffer.append(message)
        }
        nextToRead = max(from, next)
        caughtUp = endOfStream && !committedWhileReading
        committedWhileReading = false
    }

    /// A read failed (the stream is missing or deleted): wait for the next commit.
    mutating func readFailed() {
        reading = false
        caughtUp = !committedWhileReading
        committedWhileReading = false
    }

    /// Parked events read back for replay: they go out first, as retries, and checkpoints ignore them.
    mutating func replay(_ messages: [PersistentMessage]) {
        retries.append(contentsOf: messages)
    }

    /// Events were committed to the stream.
    mutating func streamCommitted() {
        caughtUp = false
        if reading { committedWhileReading = true }
    }

    // MARK: Delivery

    /// Hands out what can go to consumers with room, and asks for a read when the buffer runs low.
    mutating func pump(now: Int64) -> [PersistentEffect] {
        var effects: [PersistentEffect] = []
        while let message = retries.first ?? buffer.first, let index = consumerIndex(for: message) {
            if retries.isEmpty { buffer.removeFirst() } else { retries.removeFirst() }
            send(message, to: index, now: now)
        }
        if !reading, !caughtUp, let from = nextToRead, buffer.count < Int(settings.bufferSize) {
            reading = true
            effects.append(.read(from: from, count: settings.readBatchSize))
        }
        if let point = checkpointDue(now: now) { effects.append(.checkpoint(point)) }
        return effects
    }

    private mutating func send(_ message: PersistentMessage, to index: Int, now: Int64) {
        consumers[index].inFlight += 1
        consumers[index].totalItems += 1
        totalItems += 1
        let consumer = consumers[index]
        let deadline = settings.messageTimeoutMs > 0 ? now + Int64(settings.messageTimeoutMs) : nil
        outstanding[message.eventID] = Outstanding(message: message, connection: consumer.connection,
                                                   correlationID: consumer.correlationID, deadline: deadline)
        if let sink = consumer.sink as? any PersistentMessageSink {
            sink.deliver(message, id: consumer.correlationID)
            return
        }
        var appeared = ESPersistentSubscriptionStreamEventAppeared()
        appeared.event = ESResolvedIndexedEvent(message.records, at: 0)
        appeared.retryCount = message.retryCount
        consumer.sink.deliver(.persistentEvent(appeared), id: consumer.correlationID)
    }

    /// The consumer the strategy picks for `message`, if one has room.
    private mutating func consumerIndex(for message: PersistentMessage) -> Int? {
        guard !consumers.isEmpty else { return nil }
        let consumers = self.consumers
        func hasRoom(_ index: Int) -> Bool { consumers[index].inFlight < consumers[index].allowedInFlight }
        switch settings.strategy {
        case .roundRobin:
            for step in 0..<consumers.count {
                let index = (nextConsumer + step) % consumers.count
                if hasRoom(index) {
                    nextConsumer = (index + 1) % consumers.count
                    return index
                }
            }
            return nil
        case .dispatchToSingle:
            return consumers.indices.first(where: hasRoom)
        case .pinned:
            let index = Int(Self.stableHash(message.sourceStream) % UInt64(consumers.count))
            return hasRoom(index) ? index : nil
        }
    }

    /// FNV-1a: the same stream pins to the same consumer in every process.
    static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    // MARK: Outcomes

    /// Ack: the events are done.
    mutating func acknowledge(_ ids: [[UInt8]]) {
        for id in ids {
            guard let entry = takeOutstanding(id) else { continue }
            finish(entry.message.sequence)
        }
    }

    /// Nak with an action (docs/protocol.md §4.12): Park parks now; Retry/Unknown retry (parked past the
    /// retry limit); Skip finishes; Stop finishes the message too (the server's stop handler does
    /// nothing and the message is then removed as if acknowledged).
    mutating func reject(_ ids: [[UInt8]], action: ESPersistentSubscriptionNakEvents.NakAction) -> [PersistentEffect] {
        var effects: [PersistentEffect] = []
        for id in ids {
            guard let entry = takeOutstanding(id) else { continue }
            switch action {
            case .park:
                effects.append(.park(entry.message))
                finish(entry.message.sequence)
            case .retry, .unknown:
                if let parked = retry(entry.message) { effects.append(parked) }
            default:
                finish(entry.message.sequence)
            }
        }
        return effects
    }

    /// Retries messages whose consumers did not answer in time.
    mutating func expire(now: Int64) -> [PersistentEffect] {
        var effects: [PersistentEffect] = []
        for (id, entry) in outstanding {
            guard let deadline = entry.deadline, deadline <= now, let taken = takeOutstanding(id) else { continue }
            if let parked = retry(taken.message) { effects.append(parked) }
        }
        return effects
    }

    private mutating func takeOutstanding(_ id: [UInt8]) -> Outstanding? {
        guard let entry = outstanding.removeValue(forKey: id) else { return nil }
        if let index = consumers.firstIndex(where: { $0.connection == entry.connection && $0.correlationID == entry.correlationID }) {
            consumers[index].inFlight -= 1
        }
        return entry
    }

    /// Queues a message again with one more retry; past the limit it is parked (the returned effect).
    private mutating func retry(_ message: PersistentMessage) -> PersistentEffect? {
        var again = message
        again.retryCount += 1
        guard again.retryCount <= settings.maxRetryCount else {
            finish(message.sequence)
            return .park(message)
        }
        retries.append(again)
        return nil
    }

    private mutating func finish(_ sequence: Int64) {
        guard unfinished.remove(sequence) != nil else { return }
        processedSinceCheckpoint += 1
    }

    // MARK: Checkpoints

    /// The checkpoint to write now, if one is due: at `checkpointMaxCount` processed events, or after
    /// `checkpointAfterMs` with at least `checkpointMinCount`.
    private mutating func checkpointDue(now: Int64) -> PersistentPoint? {
        guard processedSinceCheckpoint > 0 else { return nil }
        let byCount = processedSinceCheckpoint >= Int(settings.checkpointMaxCount)
        let byTime = settings.checkpointAfterMs > 0 && processedSinceCheckpoint >= Int(settings.checkpointMinCount)
            && now - lastCheckpointAt >= Int64(settings.checkpointAfterMs)
        guard byCount || byTime else { return nil }
        // Everything read before the first unfinished event is done.
        let candidate = (unfinished.min() ?? nextSequence) - 1
        guard candidate > checkpointedSequence, let point = readPoints[candidate] else { return nil }
        for sequence in (checkpointedSequence + 1)...candidate { readPoints[sequence] = nil }
        checkpointedSequence = candidate
        checkpoint = point
        processedSinceCheckpoint = 0
        lastCheckpointAt = now
        return point
    }

    // MARK: Statistics

    /// The server's `PersistentSubscriptionState` flags as it prints them (lowest flag first).
    var status: String {
        var flags: [String] = []
        if !caughtUp { flags.append("Behind") }
        if reading { flags.append("OutstandingPageRequest") }
        if replayingParked { flags.append("ReplayingParkedMessages") }
        if caughtUp { flags.append("Live") }
        return flags.joined(separator: ", ")
    }

    /// Messages sent since the last measurement and per second over it, for the group and each
    /// consumer (in `consumers` order); starts the next measurement, as the server's statistics do.
    mutating func measure(now: Int64) -> (group: (count: Int64, perSecond: Int32), consumers: [(count: Int64, perSecond: Int32)]) {
        let elapsed = max(0, now - lastMeasurementAt)
        func rate(_ count: Int64) -> Int32 { elapsed > 0 ? Int32(clamping: count * 1000 / elapsed) : 0 }
        let count = totalItems - itemsAtLastMeasurement
        itemsAtLastMeasurement = totalItems
        lastMeasurementAt = now
        var perConsumer: [(count: Int64, perSecond: Int32)] = []
        for index in consumers.indices {
            let consumerCount = consumers[index].totalItems - consumers[index].itemsAtLastMeasurement
            consumers[index].itemsAtLastMeasurement = consumers[index].totalItems
            perConsumer.append((consumerCount, rate(consumerCount)))
        }
        return ((count, rate(count)), perConsumer)
    }
}
