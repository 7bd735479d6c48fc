import EventStoreWire

/// A filter on `$all` (20.x filtered reads and subscriptions).
///
/// Regular expressions run on ``SafeRegex``, a non-backtracking engine: matching costs at most
/// pattern × subject steps, so no client's pattern can stall the node (docs/node-fidelity.md §Limits).
struct EventFilter: Sendable {
    enum Target: Sendable { case streamID, eventType }
    enum Matcher: Sendable {
        case prefixes([String])
        case regex(SafeRegex)
        /// A subject matches when this regex (anchored at the start) does not: a pattern `^(?!X)`.
        case excluding(SafeRegex)
        case everything
    }

    var target: Target
    var matcher: Matcher

    /// Builds a filter from the wire message; a pattern the engine cannot take is an error that
    /// names what is wrong (the request is then a BadRequest, as the server's unwrap fails).
    init(_ filter: ESFilter) throws(SafeRegexError) {
        target = filter.context == .eventType ? .eventType : .streamID
        if filter.data.isEmpty {
            matcher = .everything
        } else if filter.type == .prefix {
            matcher = .prefixes(filter.data)
        } else {
            matcher = try Self.regexMatcher(filter.data[0])
        }
    }

    /// A regex filter's matcher. ``SafeRegex`` has no lookaround, but a pattern that is one leading
    /// negative lookahead, `^(?!X)` (or `^(?!X).*`), is the negation of `^(?:X)` — the shape
    /// kurrentdbclient sends for its default exclusion of system events — so it runs as that.
    static func regexMatcher(_ pattern: String) throws(SafeRegexError) -> Matcher {
        if let excluded = leadingNegativeLookahead(pattern) { return .excluding(try SafeRegex("^(?:" + excluded + ")")) }
        return .regex(try SafeRegex(pattern))
    }

    /// `X` when `pattern` is exactly `^(?!X)` or `^(?!X).*`; nil for any other pattern.
    static func leadingNegativeLookahead(_ pattern: String) -> String? {
        let scalars = Array(pattern.unicodeScalars)
        guard scalars.count > 4, String(String.UnicodeScalarView(scalars[0..<4])) == "^(?!" else { return nil }
        var (index, depth, inClass) = (4, 1, false)
        while index < scalars.count {
            switch scalars[index] {
            case "\\":
                index += 1  // the escaped scalar is skipped below
            case "[" where !inClass:
                inClass = true
                // `]` right after `[` or `[^` is a literal.
                if index + 1 < scalars.count, scalars[index + 1] == "^" { index += 1 }
                if index + 1 < scalars.count, scalars[index + 1] == "]" { index += 1 }
            case "]" where inClass:
                inClass = false
            case "(" where !inClass:
                depth += 1
            case ")" where !inClass:
                depth -= 1
            default:
                break
            }
            if depth == 0 { break }
            index += 1
        }
        guard depth == 0 else { return nil }
        let rest = String(String.UnicodeScalarView(scalars[(index + 1)...]))
        guard rest.isEmpty || rest == ".*" else { return nil }
        return String(String.UnicodeScalarView(scalars[4..<index]))
    }

    func matches(_ event: RecordedLogEvent) -> Bool {
        let subject = target == .streamID ? event.stream : event.type
        switch matcher {
        case .everything: return true
        case .prefixes(let prefixes): return prefixes.contains { subject.hasPrefix($0) }
        case .regex(let regex): return regex.matches(subject)
        case .excluding(let regex): return !regex.matches(subject)
        }
    }
}

extension ReadContext {
    /// The position after `event` in forward order.
    static func position(after event: RecordedLogEvent) -> LogPosition {
        position(after: event.position)
    }

    /// The position after the record at `p` in forward order.
    static func position(after p: LogPosition) -> LogPosition {
        return p.prepare < p.commit ? LogPosition(commit: p.commit, prepare: p.prepare + 1)
            : LogPosition(commit: p.commit + 1, prepare: p.commit + 1)
    }

    /// The position after the last record: where the next write will go.
    static func writerCheckpoint(_ log: EventLog) throws(SQLiteError) -> LogPosition {
        let last = try log.lastPosition()
        return last < 0 ? LogPosition(commit: 0, prepare: 0) : LogPosition(commit: last + 1, prepare: last + 1)
    }

    /// Validates a `$all` request; returns an error text or nil.
    private func allRequestError(_ position: LogPosition, maxCount: Int32) -> String? {
        if maxCount > maxReadCount { return "Read size too big, should be less than \(maxReadCount) items" }
        if maxCount <= 0 { return "Invalid count \(maxCount): must be positive." }
        if position == .end { return nil }
        if position.commit < 0 || position.prepare < 0 || position.commit < position.prepare { return "Invalid position." }
        return nil
    }

    /// ReadAllEventsForward / Backward.
    func readAll(from position: LogPosition, maxCount: Int32, forward: Bool, resolveLinks: Bool) throws(SQLiteError) -> AllPageReply {
        var reply = AllPageReply(at: position, filtered: false)
        if let error = allRequestError(position, maxCount: maxCount) {
            reply.result = .error
            reply.error = error
            return reply
        }
        guard try mayRead(StreamNames.all) else {
            reply.result = .accessDenied
            return reply
        }
        if position == .end {
            // The server echoes its writer checkpoint for a read from (-1, -1).
            let checkpoint = try Self.writerCheckpoint(log)
            reply.commitPosition = checkpoint.commit
            reply.preparePosition = checkpoint.prepare
        }
        let events: [RecordedLogEvent]
        if forward {
            events = position == .end ? [] : try log.readAllForward(from: position, maxCount: Int(maxCount))
            if let last = events.last {
                let next = Self.position(after: last)
                reply.nextCommitPosition = next.commit
                reply.nextPreparePosition = next.prepare
            }
        } else {
            events = try log.readAllBackward(from: position, maxCount: Int(maxCount))
            let next = events.last?.position ?? (position == .end ? LogPosition(commit: 0, prepare: 0) : position)
            reply.nextCommitPosition = next.commit
            reply.nextPreparePosition = next.prepare
            if position == .end, events.isEmpty {
                reply.nextCommitPosition = 0
                reply.nextPreparePosition = 0
            }
        }
        reply.events = try resolve(events, resolveLinks: resolveLinks)
        return reply
    }

    /// FilteredReadAllEventsForward / Backward: inspects at most `maxSearchWindow` records.
    func filteredReadAll(
        from position: LogPosition, maxCount: Int32, maxSearchWindow: Int32?, filter: EventFilter?, forward: Bool,
        resolveLinks: Bool
    ) throws(SQLiteError) -> AllPageReply {
        var reply = AllPageReply(at: position, filtered: true)
        let window = Int(max(maxSearchWindow ?? maxCount, 1))
        if let error = allRequestError(position, maxCount: maxCount) ?? (filter == nil ? "Invalid filter." : nil) {
            reply.result = .error
            reply.error = error
            return reply
        }
        guard try mayRead(StreamNames.all), let filter else {
            reply.result = .accessDenied
            reply.isEndOfStream = nil  // sent as the unfiltered reply, as the server does
            return reply
        }
        var matched: [RecordedLogEvent] = []
        var inspected = 0
        var cursor = position
        var reachedEnd = false
        while matched.count < maxCount, inspected < window {
            if forward, cursor == .end { reachedEnd = true; break }
            let page = min(window - inspected, Int(maxReadCount))
            let records = forward ? try log.readAllForward(from: cursor, maxCount: page)
                : try log.readAllBackward(from: cursor, maxCount: page)
            if records.isEmpty { reachedEnd = true; break }
            var consumed = 0
            for record in records {
                inspected += 1
                consumed += 1
                reply.lastConsidered = record.position
                cursor = forward ? Self.position(after: record) : record.position
                if filter.matches(record) { matched.append(record) }
                if matched.count == maxCount { break }
            }
            if consumed == records.count, records.count < page { reachedEnd = true; break }
        }
        reply.isEndOfStream = reachedEnd
        reply.considered = inspected
        reply.nextCommitPosition = cursor.commit
        reply.nextPreparePosition = cursor.prepare
        reply.events = try resolve(matched, resolveLinks: resolveLinks)
        return reply
    }
}
