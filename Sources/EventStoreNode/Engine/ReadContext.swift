import Foundation
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
        /// Soft-deleted: read as NoStream, but with its last event number.
        case softDeleted(last: Int64)
        case deleted
        /// Events with numbers in `minimum...last` are visible (subject to `maxAge`).
        case visible(minimum: Int64, last: Int64, maxAgeCutoff: Int64?)
    }

    func state(of stream: String) throws(SQLiteError) -> StreamState {
        if StreamNames.isMetastream(stream),
           try log.lastNumber(stream: StreamNames.original(ofMetastream: stream)) == EventNumber.deletedStream {
            return .deleted  // a hard-deleted stream's metastream is deleted with it
        }
        guard let last = try log.lastNumber(stream: stream) else { return .noStream }
        if last == EventNumber.deletedStream { return .deleted }
        if StreamNames.isMetastream(stream) {
            return .visible(minimum: last, last: last, maxAgeCutoff: nil)
        }
        let meta = try view.metadata(of: stream, log: log)
        if meta.isSoftDeleted { return .softDeleted(last: last) }
        return .visible(minimum: Self.minimumVisible(last: last, metadata: meta), last: last,
                        maxAgeCutoff: meta.maxAge.map { Self.cutoff(now: now, maxAgeSeconds: $0) })
    }

    /// The lowest visible number under `$tb` and `$maxCount`. Both come from clients, so the
    /// arithmetic saturates instead of trapping.
    static func minimumVisible(last: Int64, metadata: StreamMetadata) -> Int64 {
        var minimum = max(0, metadata.truncateBefore ?? 0)
        if let maxCount = metadata.maxCount, maxCount > 0 {
            let (keptFrom, overflow) = last.subtractingReportingOverflow(maxCount - 1)
            if !overflow { minimum = max(minimum, keptFrom) }
        }
        return minimum
    }

    /// Creation time (ms) below which events are too old for `$maxAge` seconds; saturating.
    static func cutoff(now: Int64, maxAgeSeconds: Int64) -> Int64 {
        let (ageMs, overflow) = maxAgeSeconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int64.min }
        let (cutoff, under) = now.subtractingReportingOverflow(ageMs)
        return under ? Int64.min : cutoff
    }

    /// How a `$>` record resolves, as the server's `ResolveLinkToEvent` (20.x+) has it.
    enum LinkResolution {
        /// The target event.
        case target(RecordedLogEvent)
        /// A link whose target cannot be read (missing, truncated, expired, deleted, or no `@`):
        /// returned as the link alone.
        case unreadable
        /// Data whose number does not parse: returned as an ordinary event.
        case notALink
    }

    /// Resolves a `$>` record. The target stream's ACL is **not** checked — the server does not
    /// check it either (docs/node-fidelity.md §Links) — but its `$tb`, `$maxCount`, `$maxAge`
    /// and deletion are, as for a ReadEvent.
    func resolveLink(_ link: RecordedLogEvent) throws(SQLiteError) -> LinkResolution {
        let text = String(decoding: link.data, as: UTF8.self)
        let at = text.firstIndex(of: "@")
        let numberText = text[..<(at ?? text.endIndex)].trimmingCharacters(in: .whitespacesAndNewlines)
        guard let number = Int64(numberText) else { return .notALink }
        guard let at, number >= -1 else { return .unreadable }
        let stream = String(text[text.index(after: at)...])
        guard case .visible(let minimum, let last, let cutoff) = try state(of: stream) else { return .unreadable }
        let wanted = number == -1 ? last : number
        guard wanted >= minimum, wanted <= last, let target = try log.event(stream: stream, number: wanted),
              cutoff.map({ target.createdMs >= $0 }) ?? true
        else { return .unreadable }
        return .target(target)
    }

    /// The records of a page, with their `$>` links resolved when `resolveLinks` is set.
    ///
    /// - Parameter live: live subscriptions parse link data strictly, so a record whose number
    ///   does not parse comes as a link alone, where a read returns it as an ordinary event.
    func resolve(_ events: [RecordedLogEvent], resolveLinks: Bool, live: Bool = false) throws(SQLiteError) -> ReadRecords {
        var records = ReadRecords(events)
        guard resolveLinks else { return records }
        for index in events.indices where events[index].type == SystemEventTypes.link {
            switch try resolveLink(events[index]) {
            case .target(let target): records.resolveLink(at: index, to: target)
            case .unreadable: records.resolveLink(at: index, to: nil)
            case .notALink: if live { records.resolveLink(at: index, to: nil) }
            }
        }
        return records
    }
}
