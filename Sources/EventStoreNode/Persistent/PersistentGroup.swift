import EventStoreWire
import Foundation

/// An event on its way through a persistent subscription group.
struct PersistentMessage: Sendable {
    /// The record as delivered (one record; a resolved link carries its target).
    var records: ReadRecords
    /// Its number in the subscribed stream (the link's number when it is a link).
    var number: Int64
    /// The id Ack and Nak name: the subscribed stream's record (the link when it is a link).
    var eventID: [UInt8]
    /// The stream the event itself belongs to (pinning hashes this).
    var sourceStream: String
    var retryCount: Int32 = 0
}

/// One consumer of a group: a connection's ConnectToPersistentSubscription.
struct PersistentConsumer {
    let connection: ObjectIdentifier
    let correlationID: UUID
    let sink: any SubscriptionSink
    let allowedInFlight: Int
    var inFlight = 0
}

/// The I/O a group asks for; the service carries it out and reports back.
enum PersistentEffect: Sendable {
    /// Read up to `count` events of the stream from `from` (then ``PersistentGroup/received(_:next:endOfStream:)``).
    case read(from: Int64, count: Int32)
    /// Write a link to the message's record to the parked stream.
    case park(PersistentMessage)
    /// Write the checkpoint (the last event number processed without gaps).
    case checkpoint(Int64)
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

    /// The next event number to read; nil until the start (checkpoint or `startFrom`) is known.
    private(set) var nextToRead: Int64?
    private var reading = false
    /// A commit to the stream arrived while a read was running: its end-of-stream may be stale.
    private var committedWhileReading = false
    private var caughtUp = false
    private var buffer: [PersistentMessage] = []
    private var retries: [PersistentMessage] = []

    private struct Outstanding {
        var message: PersistentMessage
        var connection: ObjectIdentifier
        var correlationID: UUID
        var deadline: Int64?
    }
    private var outstanding: [[UInt8]: Outstanding] = [:]
    /// Numbers read and not yet finished (acknowledged, skipped or parked).
    private var unfinished: Set<Int64> = []
    private var lastRead: Int64 = -1
    /// The last checkpoint written (or loaded).
    private(set) var checkpoint: Int64?
    private var processedSinceCheckpoint = 0
    private var lastCheckpointAt: Int64

    init(key: PersistentGroupKey, settings: PersistentSettings, now: Int64) {
        self.key = key
        self.settings = settings
        lastCheckpointAt = now
    }

    /// How many messages are out with consumers, not yet acknowledged.
    var outstandingCount: Int { outstanding.count }

    /// Sets where reading starts: after the checkpoint when there is one.
    mutating func start(at number: Int64, checkpoint: Int64?) {
        nextToRead = number
        lastRead = number - 1
        self.checkpoint = checkpoint
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
        for (id, entry) in outstanding
        where entry.connection == connection && (correlationID == nil || entry.correlationID == correlationID) {
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

    /// A read's events arrived; `next` is the number after them, `endOfStream` whether that was all.
    mutating func received(_ messages: [PersistentMessage], next: Int64, endOfStream: Bool) {
        reading = false
        guard let from = nextToRead else { return }
        for message in messages where message.number >= from {
            buffer.append(message)
            unfinished.insert(message.number)
            lastRead = max(lastRead, message.number)
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
        if let number = checkpointDue(now: now) { effects.append(.checkpoint(number)) }
        return effects
    }

    private mutating func send(_ message: PersistentMessage, to index: Int, now: Int64) {
        consumers[index].inFlight += 1
        let consumer = consumers[index]
        let deadline = settings.messageTimeoutMs > 0 ? now + Int64(settings.messageTimeoutMs) : nil
        outstanding[message.eventID] = Outstanding(message: message, connection: consumer.connection,
                                                   correlationID: consumer.correlationID, deadline: deadline)
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
            finish(entry.message.number)
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
                finish(entry.message.number)
            case .retry, .unknown:
                if let parked = retry(entry.message) { effects.append(parked) }
            default:
                finish(entry.message.number)
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
            finish(message.number)
            return .park(message)
        }
        retries.append(again)
        return nil
    }

    private mutating func finish(_ number: Int64) {
        guard unfinished.remove(number) != nil else { return }
        processedSinceCheckpoint += 1
    }

    // MARK: Checkpoints

    /// The checkpoint to write now, if one is due: at `checkpointMaxCount` processed events, or after
    /// `checkpointAfterMs` with at least `checkpointMinCount`.
    private mutating func checkpointDue(now: Int64) -> Int64? {
        guard processedSinceCheckpoint > 0 else { return nil }
        let byCount = processedSinceCheckpoint >= Int(settings.checkpointMaxCount)
        let byTime = settings.checkpointAfterMs > 0 && processedSinceCheckpoint >= Int(settings.checkpointMinCount)
            && now - lastCheckpointAt >= Int64(settings.checkpointAfterMs)
        guard byCount || byTime else { return nil }
        // Everything up to the first unfinished event is done.
        let candidate = unfinished.min().map { $0 - 1 } ?? lastRead
        guard candidate >= 0, candidate > (checkpoint ?? -1) else { return nil }
        checkpoint = candidate
        processedSinceCheckpoint = 0
        lastCheckpointAt = now
        return candidate
    }
}
