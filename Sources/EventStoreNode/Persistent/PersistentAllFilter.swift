import EventStoreWire

/// The filter of a persistent subscription group on `$all`: stream names or event types, by
/// prefixes or by one regular expression (gRPC's `CreateReq.AllOptions.FilterOptions`), stored in
/// `$persistentSubscriptionConfig` as the server's `EventFilterDto`.
struct PersistentAllFilter: Sendable, Equatable {
    enum Context: String, Sendable { case streamID = "streamid", eventType = "eventtype" }
    enum Kind: String, Sendable { case regex, prefix }

    let context: Context
    let kind: Kind
    /// The prefixes, or the one pattern.
    let data: [String]
    /// The compiled matcher (the same one filtered `$all` reads and subscriptions use).
    let matcher: EventFilter

    /// Checks and compiles a filter; a pattern the engine cannot take throws with the reason.
    init(context: Context, kind: Kind, data: [String]) throws(SafeRegexError) {
        self.context = context
        self.kind = kind
        self.data = kind == .regex ? Array(data.prefix(1)) : data
        var wire = ESFilter()
        wire.context = context == .eventType ? .eventType : .streamID
        wire.type = kind == .regex ? .regex : .prefix
        wire.data = self.data
        matcher = try EventFilter(wire)
    }

    static func == (lhs: PersistentAllFilter, rhs: PersistentAllFilter) -> Bool {
        (lhs.context, lhs.kind, lhs.data) == (rhs.context, rhs.kind, rhs.data)
    }

    /// The stored form: `{"context","type","data","isAllStream"}`, prefixes joined with commas as
    /// the server joins them.
    var json: JSONValue {
        .object([("context", .string(context.rawValue)), ("type", .string(kind.rawValue)),
                 ("data", .string(data.joined(separator: ","))), ("isAllStream", .bool(true))])
    }

    /// A stored filter; nil when it is not one this node can apply.
    init?(json: JSONValue) {
        guard case .string(let contextName)? = json["context"], let context = Context(rawValue: contextName.lowercased()),
              case .string(let kindName)? = json["type"], let kind = Kind(rawValue: kindName.lowercased()),
              case .string(let text)? = json["data"]
        else { return nil }
        let data = kind == .regex ? [text] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let filter = try? PersistentAllFilter(context: context, kind: kind, data: data) else { return nil }
        self = filter
    }

    /// Whether a group with this filter (nil: none) delivers `record`.
    static func admits(_ record: RecordedLogEvent, filter: PersistentAllFilter?) -> Bool {
        guard allowedOnAll(record) else { return false }
        return filter?.matcher.matches(record) ?? true
    }

    /// The server's rule for every `$all` read: the checkpoints and parked messages of groups on
    /// `$all` are never read back from `$all` (so such a group never receives its own writes).
    static func allowedOnAll(_ record: RecordedLogEvent) -> Bool {
        let stream = record.stream
        guard stream.hasPrefix("$persistentsubscription-$all::") else { return true }
        return !stream.hasSuffix("-checkpoint") && !stream.hasSuffix("-parked")
    }
}

extension ReadContext {
    /// One page of a `$all` group: up to `count` records at or after `from` that the group admits,
    /// inspecting at most `window` records. `next` is where the following page starts; `endOfLog`
    /// whether the page reached the last record.
    func persistentAllPage(
        from: LogPosition, count: Int, window: Int, resolveLinks: Bool, filter: PersistentAllFilter?
    ) throws(SQLiteError) -> (records: ReadRecords, next: LogPosition, endOfLog: Bool) {
        var matched: [RecordedLogEvent] = []
        var cursor = from
        var inspected = 0
        var endOfLog = false
        scan: while matched.count < count, inspected < window {
            let asked = min(window - inspected, 500)
            let records = try log.readAllForward(from: cursor, maxCount: asked)
            for record in records {
                inspected += 1
                cursor = Self.position(after: record)
                if PersistentAllFilter.admits(record, filter: filter) { matched.append(record) }
                if matched.count == count { break scan }
            }
            if records.count < asked {
                endOfLog = true
                break
            }
        }
        return (try resolve(matched, resolveLinks: resolveLinks), cursor, endOfLog)
    }
}
