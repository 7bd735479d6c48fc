import EventStoreWire

/// A stored record as a read or a subscription returns it (the wire's `ResolvedIndexedEvent` /
/// `ResolvedEvent`): the record itself, or — for a resolved `$>` link — its target and the link.
struct ReadRecord: Sendable {
    /// The event to show: the record, or a link's target; nil when a link's target cannot be read.
    var event: RecordedLogEvent?
    /// The link record, when `event` was reached through one.
    var link: RecordedLogEvent?
    /// The log position of the record that was read (the link's, for a resolved link).
    var position: LogPosition

    /// A record returned as itself.
    init(_ record: RecordedLogEvent) {
        event = record
        link = nil
        position = record.position
    }

    /// A link and its target (nil when the target cannot be read).
    init(link: RecordedLogEvent, target: RecordedLogEvent?) {
        event = target
        self.link = link
        position = link.position
    }
}

/// A `ReadStreamEventsCompleted` reply in the node's own terms; the connection encodes it
/// (``StreamPageReply/encoded(for:)``) straight from the stored records.
struct StreamPageReply: Sendable {
    typealias Result = ESReadStreamEventsCompleted.ReadStreamResult

    var events: [ReadRecord] = []
    var result: Result = .success
    var nextEventNumber: Int64 = -1
    var lastEventNumber: Int64 = -1
    var isEndOfStream = true
    var lastCommitPosition: Int64 = -1
    var error: String?
}

/// A `ReadAllEventsCompleted` or `FilteredReadAllEventsCompleted` reply in the node's own terms.
struct AllPageReply: Sendable {
    /// The result codes, the same numbers in both messages.
    enum Result: Int32, Sendable {
        case success = 0
        case notModified = 1
        case error = 2
        case accessDenied = 3
    }

    var commitPosition: Int64
    var preparePosition: Int64
    var events: [ReadRecord] = []
    var nextCommitPosition: Int64
    var nextPreparePosition: Int64
    /// Set only for a filtered read, whose reply carries `is_end_of_stream`.
    var isEndOfStream: Bool?
    var result: Result = .success
    var error: String?

    /// A reply that starts and ends at `position` (no events yet).
    init(at position: LogPosition, filtered: Bool) {
        commitPosition = position.commit
        preparePosition = position.prepare
        nextCommitPosition = position.commit
        nextPreparePosition = position.prepare
        isEndOfStream = filtered ? true : nil
    }
}

extension ESResolvedIndexedEvent {
    /// The protobuf form of `record` (for the rarely used single-event read).
    init(_ record: ReadRecord) {
        self.init()
        if let event = record.event { self.event = ESEventRecord(event) }
        if let link = record.link { self.link = ESEventRecord(link) }
    }
}
