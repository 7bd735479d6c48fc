import EventStoreWire

/// Stored records as a read or a subscription returns them (the wire's `ResolvedIndexedEvent` /
/// `ResolvedEvent`): each record as itself, or — for a resolved `$>` link — its target and the link.
///
/// The records stay in the array the log returned (no per-record wrapping or copying on the hot
/// read path); resolved links are kept aside by index.
struct ReadRecords: Sendable {
    /// The records read, in order (for a resolved link, the link record itself).
    private(set) var records: [RecordedLogEvent]
    /// Resolved links, by index into `records`: the target, or nil when it cannot be read.
    private(set) var targets: [Int: RecordedLogEvent?] = [:]

    /// Records returned as themselves.
    init(_ records: [RecordedLogEvent] = []) {
        self.records = records
    }

    /// One link and its target (nil when the target cannot be read).
    init(link: RecordedLogEvent, target: RecordedLogEvent?) {
        records = [link]
        targets = [0: target]
    }

    var count: Int { records.count }

    /// Marks record `index` as a link resolved to `target` (nil: the target cannot be read).
    mutating func resolveLink(at index: Int, to target: RecordedLogEvent?) {
        targets[index] = .some(target)
    }

    /// The target of record `index` when it is a resolved link (`.some(nil)`: unreadable target).
    func target(at index: Int) -> RecordedLogEvent?? {
        targets.isEmpty ? nil : targets[index]
    }

    /// Record `index` in the wire's shape: the event shown (nil for an unreadable link target) and the link.
    subscript(index: Int) -> (event: RecordedLogEvent?, link: RecordedLogEvent?) {
        if let target = target(at: index) { return (target, records[index]) }
        return (records[index], nil)
    }
}

/// A `ReadStreamEventsCompleted` reply in the node's own terms; the connection encodes it
/// (``StreamPageReply/encoded(for:)``) straight from the stored records.
struct StreamPageReply: Sendable {
    typealias Result = ESReadStreamEventsCompleted.ReadStreamResult

    var events = ReadRecords()
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
    var events = ReadRecords()
    var nextCommitPosition: Int64
    var nextPreparePosition: Int64
    /// Set only for a filtered read, whose reply carries `is_end_of_stream`.
    var isEndOfStream: Bool?
    var result: Result = .success
    var error: String?
    /// Records a filtered read looked at (matched or not), and the position of the last of them:
    /// what a filtered subscription's checkpoints count and report.
    var considered = 0
    var lastConsidered: LogPosition?

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
    /// The protobuf form of record `index` of `records` (for the rarely used single-event read).
    init(_ records: ReadRecords, at index: Int) {
        self.init()
        let (event, link) = records[index]
        if let event { self.event = ESEventRecord(event) }
        if let link { self.link = ESEventRecord(link) }
    }
}
