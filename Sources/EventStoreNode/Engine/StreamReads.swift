import EventStoreWire

/// The largest page any read may ask for.
let maxReadCount: Int32 = 4096

extension ReadContext {
    /// ReadEvent (docs/protocol.md §4.8): `-1` reads the last event.
    func readEvent(stream: String, number: Int64, resolveLinks: Bool) throws(SQLiteError) -> ESReadEventCompleted {
        var reply = ESReadEventCompleted()
        reply.event = ESResolvedIndexedEvent()
        guard !stream.isEmpty, number >= -1 else {
            reply.result = .error
            reply.error = stream.isEmpty ? "Empty stream id." : "Invalid event number \(number)."
            return reply
        }
        guard try mayRead(stream) else {
            reply.result = .accessDenied
            return reply
        }
        let found: RecordedLogEvent?
        switch try state(of: stream) {
        case .deleted:
            reply.result = .streamDeleted
            return reply
        case .noStream, .softDeleted:
            reply.result = .noStream
            found = nil
        case .visible(let minimum, let last, let cutoff):
            let target = number == -1 ? last : number
            if target >= minimum, target <= last, let event = try log.event(stream: stream, number: target),
               cutoff.map({ event.createdMs >= $0 }) ?? true {
                found = event
            } else {
                found = nil
                reply.result = .notFound
            }
        }
        if let found {
            reply.result = .success
            reply.event = ESResolvedIndexedEvent(try resolve([found], resolveLinks: resolveLinks), at: 0)
        } else if StreamNames.isSystem(stream), try originalExists(of: stream) {
            // A `$`-stream (notably `$$x`) with nothing to return but whose underlying stream exists.
            reply.result = .success
        }
        return reply
    }

    private func originalExists(of stream: String) throws(SQLiteError) -> Bool {
        guard StreamNames.isMetastream(stream) else { return false }
        return try log.lastNumber(stream: StreamNames.original(ofMetastream: stream)) != nil
    }

    /// ReadStreamEventsForward / Backward with the next/last/end rules of docs/protocol.md §4.8.
    func readStream(
        stream: String, from: Int64, maxCount: Int32, forward: Bool, resolveLinks: Bool
    ) throws(SQLiteError) -> StreamPageReply {
        var reply = StreamPageReply()
        reply.lastCommitPosition = try log.lastPosition()
        func fail(_ result: StreamPageReply.Result, _ error: String? = nil) -> StreamPageReply {
            reply.result = result
            if let error { reply.error = error }
            return reply
        }
        guard maxCount <= maxReadCount else { return fail(.error, "Read size too big, should be less than \(maxReadCount) items") }
        guard maxCount > 0 else { return fail(.error, "Invalid count \(maxCount): must be positive.") }
        guard !stream.isEmpty else { return fail(.error, "Empty stream id.") }
        guard forward ? from >= 0 : from >= -1 else { return fail(.error, "Invalid from event number \(from).") }
        guard try mayRead(stream) else { return fail(.accessDenied) }
        let (minimum, last, cutoff): (Int64, Int64, Int64?)
        switch try state(of: stream) {
        case .noStream: return fail(.noStream)
        case .softDeleted(let last):
            reply.lastEventNumber = last  // the server reports the real last number of a soft-deleted stream
            return fail(.noStream)
        case .deleted:
            reply.lastEventNumber = EventNumber.deletedStream
            return fail(.streamDeleted)
        case .visible(let m, let l, let c): (minimum, last, cutoff) = (m, l, c)
        }
        reply.result = .success
        reply.lastEventNumber = last
        let count = Int64(maxCount)
        var events: [RecordedLogEvent]
        if forward {
            // `from` comes from the client: the window's end saturates instead of wrapping.
            let (sum, overflow) = from.addingReportingOverflow(count - 1)
            let windowEnd = overflow ? Int64.max : sum
            if windowEnd < minimum {
                reply.nextEventNumber = minimum
                reply.isEndOfStream = false
                return reply
            }
            let start = max(from, minimum)
            let readEnd = min(windowEnd, last)
            events = start > readEnd ? [] : try log.readStreamForward(stream: stream, from: start, maxCount: Int(readEnd - start + 1))
            reply.isEndOfStream = windowEnd >= last
            reply.nextEventNumber = events.last.map { $0.number + 1 } ?? (readEnd + 1)
        } else {
            let top = from == -1 ? last : from
            let windowStart = top - count + 1
            if windowStart > last {
                reply.isEndOfStream = false
                reply.nextEventNumber = last
                return reply
            }
            let bottom = max(windowStart, minimum)
            events = top < bottom ? [] : try log.readStreamBackward(stream: stream, from: min(top, last), maxCount: Int(count))
            events.removeAll { $0.number < bottom }
            reply.isEndOfStream = windowStart <= minimum
            reply.nextEventNumber = reply.isEndOfStream ? -1 : windowStart - 1
        }
        if let cutoff { events.removeAll { $0.createdMs < cutoff } }
        reply.events = try resolve(events, resolveLinks: resolveLinks)
        return reply
    }
}
