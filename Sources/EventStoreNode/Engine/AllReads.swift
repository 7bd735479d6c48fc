import EventStoreWire

/// A filter on `$all` (20.x filtered reads and subscriptions).
struct EventFilter: Sendable {
    enum Target: Sendable { case streamID, eventType }
    enum Matcher: @unchecked Sendable {
        case prefixes([String])
        // Regex is immutable once built; it is only read.
        case regex(Regex<AnyRegexOutput>)
        case everything
    }

    var target: Target
    var matcher: Matcher

    /// Builds a filter from the wire message; an invalid regex gives `nil`.
    init?(_ filter: ESFilter) {
        target = filter.context == .eventType ? .eventType : .streamID
        if filter.data.isEmpty {
            matcher = .everything
        } else if filter.type == .prefix {
            matcher = .prefixes(filter.data)
        } else {
            guard let regex = try? Regex(filter.data[0]) else { return nil }
            matcher = .regex(regex)
        }
    }

    func matches(_ event: RecordedLogEvent) -> Bool {
        let subject = target == .streamID ? event.stream : event.type
        switch matcher {
        case .everything: return true
        case .prefixes(let prefixes): return prefixes.contains { subject.hasPrefix($0) }
        case .regex(let regex): return (try? regex.firstMatch(in: subject)) != nil
        }
    }
}

extension ReadContext {
    /// The position after `event` in forward order.
    static func position(after event: RecordedLogEvent) -> LogPosition {
        let p = event.position
        return p.prepare < p.commit ? LogPosition(commit: p.commit, prepare: p.prepare + 1)
            : LogPosition(commit: p.commit + 1, prepare: p.commit + 1)
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
                cursor = forward ? Self.position(after: record) : record.position
                if filter.matches(record) { matched.append(record) }
                if matched.count == maxCount { break }
            }
            if consumed == records.count, records.count < page { reachedEnd = true; break }
        }
        reply.isEndOfStream = reachedEnd
        reply.nextCommitPosition = cursor.commit
        reply.nextPreparePosition = cursor.prepare
        reply.events = try resolve(matched, resolveLinks: resolveLinks)
        return reply
    }
}
