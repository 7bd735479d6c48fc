import EventStoreWire

/// One read request's view of the node: a reader connection, the committed metadata, the
/// caller and the clock.
struct ReadContext {
    let log: EventLog
    let view: CommittedView
    let access: AccessControl
    let user: NodeUser?
    let now: Int64

    /// Whether the caller may read `stream` (`$$x` → `$mr` of x; `$all` → `$$$all`'s `$r`).
    func mayRead(_ stream: String) throws(SQLiteError) -> Bool {
        var target = stream
        var operation = StreamOperation.read
        if StreamNames.isMetastream(stream) {
            target = StreamNames.original(ofMetastream: stream)
            operation = .metadataRead
        }
        let acl = try view.metadata(of: target, log: log).acl
        return access.allows(operation, on: target, user: user, streamACL: acl, settings: view.settings)
    }

    /// Which event numbers of a stream are visible, and its state.
    enum StreamState {
        case noStream
        case deleted
        /// Events with numbers in `minimum...last` are visible (subject to `maxAge`).
        case visible(minimum: Int64, last: Int64, maxAgeCutoff: Int64?)
    }

    func state(of stream: String) throws(SQLiteError) -> StreamState {
        guard let last = try log.lastNumber(stream: stream) else { return .noStream }
        if last == EventNumber.deletedStream { return .deleted }
        if StreamNames.isMetastream(stream) {
            return .visible(minimum: last, last: last, maxAgeCutoff: nil)
        }
        let meta = try view.metadata(of: stream, log: log)
        if meta.isSoftDeleted { return .noStream }
        var minimum = max(0, meta.truncateBefore ?? 0)
        if let maxCount = meta.maxCount { minimum = max(minimum, last - maxCount + 1) }
        let cutoff = meta.maxAge.map { now - $0 * 1000 }
        return .visible(minimum: minimum, last: last, maxAgeCutoff: cutoff)
    }

    /// The target of a `$>` link record, nil when it cannot be read (bad link, no access, gone, too old).
    /// Reads and live subscriptions resolve links through here alike.
    func linkTarget(of link: RecordedLogEvent) throws(SQLiteError) -> RecordedLogEvent? {
        guard let (number, stream) = SystemEventTypes.parseLink(link.data),
              try mayRead(stream),
              case .visible(let minimum, let last, let cutoff) = try state(of: stream),
              number >= minimum, number <= last,
              let target = try log.event(stream: stream, number: number),
              cutoff.map({ target.createdMs >= $0 }) ?? true
        else { return nil }
        return target
    }

    /// The records of a page, with their `$>` links resolved when `resolveLinks` is set.
    func resolve(_ events: [RecordedLogEvent], resolveLinks: Bool) throws(SQLiteError) -> ReadRecords {
        var records = ReadRecords(events)
        guard resolveLinks else { return records }
        for index in events.indices where events[index].type == SystemEventTypes.link {
            records.resolveLink(at: index, to: try linkTarget(of: events[index]))
        }
        return records
    }
}
