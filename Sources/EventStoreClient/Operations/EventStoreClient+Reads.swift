import EventStoreWire
import Foundation

extension EventStoreClient {
    /// Reads one event; `number` −1 reads the last one.
    ///
    /// ```swift
    /// if case .success(let event) = try await client.readEvent(stream: "orders-1", number: -1) { … }
    /// ```
    public func readEvent(
        stream: String, number: Int64, resolveLinks: Bool = true, credentials: UserCredentials? = nil
    ) async throws -> ReadEventResult {
        var request = ESReadEvent()
        request.eventStreamID = stream
        request.eventNumber = number
        request.resolveLinkTos = resolveLinks
        request.requireLeader = requireLeader
        return try await perform(.readEvent, request, credentials: credentials, isWrite: false) { reply throws(EventStoreClientError) in
            let completed: ESReadEventCompleted = try Self.decode(reply)
            switch completed.result {
            case .success: return .success(.success(ResolvedEvent(indexed: completed.event)))
            case .notFound: return .success(.notFound)
            case .noStream: return .success(.noStream)
            case .streamDeleted: return .success(.streamDeleted)
            case .error: return .failure(EventStoreClientError(.serverError, "read of \(stream) failed: \(completed.error)"))
            case .accessDenied: return .failure(EventStoreClientError(.accessDenied, "access denied to stream \(stream)"))
            }
        }
    }

    /// Reads one page of a stream (at most 4096 events).
    ///
    /// `from` −1 with `.backward` reads from the end.
    ///
    /// ```swift
    /// let newest = try await client.readStreamSlice("orders-1", from: -1, maxCount: 10, direction: .backward)
    /// if newest.status == .streamNotFound { print("no such stream") }
    /// ```
    public func readStreamSlice(
        _ stream: String, from: Int64, maxCount: Int, direction: ReadDirection = .forward, resolveLinks: Bool = true,
        credentials: UserCredentials? = nil
    ) async throws -> StreamEventsSlice {
        let (header, events) = try await readStreamPage(
            stream, from: from, maxCount: maxCount, direction: direction, resolveLinks: resolveLinks, credentials: credentials)
        var slice = header
        slice.events = try events.decode()
        return slice
    }

    /// One page of a stream as the slice without its events, and the events still to decode.
    func readStreamPage(
        _ stream: String, from: Int64, maxCount: Int, direction: ReadDirection, resolveLinks: Bool,
        credentials: UserCredentials?
    ) async throws -> (header: StreamEventsSlice, events: DeferredPageEvents) {
        try Self.checkPageSize(maxCount)
        var request = ESReadStreamEvents()
        request.eventStreamID = stream
        request.fromEventNumber = from
        request.maxCount = Int32(maxCount)
        request.resolveLinkTos = resolveLinks
        request.requireLeader = requireLeader
        let command: TCPCommand = direction == .forward ? .readStreamEventsForward : .readStreamEventsBackward
        return try await perform(command, request, credentials: credentials, isWrite: false) { reply throws(EventStoreClientError) in
            // The header only: the events are decoded later, after the next page was requested.
            let completed = try Self.decodingPayload { () throws(TCPPayloadError) in
                try ReadStreamPage(decoding: reply, events: false)
            }
            let status: SliceReadStatus
            switch completed.result {
            case .success: status = .success
            case .noStream: status = .streamNotFound
            case .streamDeleted: status = .streamDeleted
            case .notModified, .error:
                return .failure(EventStoreClientError(.serverError, "read of \(stream) failed: \(completed.error)"))
            case .accessDenied:
                return .failure(EventStoreClientError(.accessDenied, "access denied to stream \(stream)"))
            }
            let header = StreamEventsSlice(
                status: status, stream: stream, fromEventNumber: from, events: [],
                nextEventNumber: completed.nextEventNumber, lastEventNumber: completed.lastEventNumber,
                isEndOfStream: completed.isEndOfStream)
            return .success((header, DeferredPageEvents(package: reply, kind: .stream, count: completed.eventCount)))
        }
    }

    /// Reads one page of `$all` (at most 4096 events); `.end` with `.backward` reads from the end.
    ///
    /// ```swift
    /// let latest = try await client.readAllSlice(from: .end, maxCount: 20, direction: .backward)
    /// ```
    public func readAllSlice(
        from position: Position, maxCount: Int, direction: ReadDirection = .forward, resolveLinks: Bool = false,
        credentials: UserCredentials? = nil
    ) async throws -> AllEventsSlice {
        let (header, events) = try await readAllPage(
            from: position, maxCount: maxCount, direction: direction, resolveLinks: resolveLinks, credentials: credentials)
        var slice = header
        slice.events = try events.decode()
        return slice
    }

    /// One page of `$all` as the slice without its events, and the events still to decode.
    func readAllPage(
        from position: Position, maxCount: Int, direction: ReadDirection, resolveLinks: Bool, credentials: UserCredentials?
    ) async throws -> (header: AllEventsSlice, events: DeferredPageEvents) {
        try Self.checkPageSize(maxCount)
        var request = ESReadAllEvents()
        request.commitPosition = position.commit
        request.preparePosition = position.prepare
        request.maxCount = Int32(maxCount)
        request.resolveLinkTos = resolveLinks
        request.requireLeader = requireLeader
        let command: TCPCommand = direction == .forward ? .readAllEventsForward : .readAllEventsBackward
        return try await perform(command, request, credentials: credentials, isWrite: false) { reply throws(EventStoreClientError) in
            // The header only: the events are decoded later, after the next page was requested.
            let completed = try Self.decodingPayload { () throws(TCPPayloadError) in
                try ReadAllPage(decoding: reply, events: false)
            }
            switch completed.result {
            case .success: break
            case .accessDenied: return .failure(EventStoreClientError(.accessDenied, "access denied to $all"))
            case .notModified, .error:
                return .failure(EventStoreClientError(.serverError, "read of $all failed: \(completed.error)"))
            }
            let next = Position(commit: completed.nextCommitPosition, prepare: completed.nextPreparePosition)
            let header = AllEventsSlice(fromPosition: position, events: [], nextPosition: next,
                                        isEndOfStream: completed.eventCount == 0)
            return .success((header, DeferredPageEvents(package: reply, kind: .all, count: completed.eventCount)))
        }
    }

    /// Reads one filtered page of `$all`, inspecting at most `maxSearchWindow` records.
    ///
    /// ```swift
    /// let page = try await client.readAllFilteredSlice(from: .start, maxCount: 100, filter: .eventTypePrefix("Order"))
    /// // page.isEndOfStream: nothing more to search; else continue from page.nextPosition
    /// ```
    public func readAllFilteredSlice(
        from position: Position, maxCount: Int, filter: EventFilter, maxSearchWindow: Int? = nil,
        direction: ReadDirection = .forward, resolveLinks: Bool = false, credentials: UserCredentials? = nil
    ) async throws -> AllEventsSlice {
        try Self.checkPageSize(maxCount)
        var request = ESFilteredReadAllEvents()
        request.commitPosition = position.commit
        request.preparePosition = position.prepare
        request.maxCount = Int32(maxCount)
        request.maxSearchWindow = Int32(maxSearchWindow ?? maxCount)
        request.resolveLinkTos = resolveLinks
        request.requireLeader = requireLeader
        request.filter = filter.wire
        let command: TCPCommand = direction == .forward ? .filteredReadAllEventsForward : .filteredReadAllEventsBackward
        return try await perform(command, request, credentials: credentials, isWrite: false) { reply throws(EventStoreClientError) in
            if reply.command == .readAllEventsForwardCompleted || reply.command == .readAllEventsBackwardCompleted {
                // The server's authorization gateway answers a denied filtered read with the unfiltered reply.
                let unfiltered: ESReadAllEventsCompleted = try Self.decode(reply)
                let reason = unfiltered.result == .accessDenied ? "access denied to $all" : "filtered read of $all failed: \(unfiltered.error)"
                return .failure(EventStoreClientError(unfiltered.result == .accessDenied ? .accessDenied : .serverError, reason))
            }
            let completed: ESFilteredReadAllEventsCompleted = try Self.decode(reply)
            switch completed.result {
            case .success: break
            case .accessDenied: return .failure(EventStoreClientError(.accessDenied, "access denied to $all"))
            case .notModified, .error:
                return .failure(EventStoreClientError(.serverError, "filtered read of $all failed: \(completed.error)"))
            }
            let next = Position(commit: completed.nextCommitPosition, prepare: completed.nextPreparePosition)
            return .success(AllEventsSlice(fromPosition: position, events: completed.events.map(ResolvedEvent.init(resolved:)),
                                           nextPosition: next, isEndOfStream: completed.isEndOfStream))
        }
    }

    /// A page holds 1 to 4096 events (the server's limit).
    static func checkPageSize(_ maxCount: Int) throws(EventStoreClientError) {
        guard (1...4096).contains(maxCount) else {
            throw EventStoreClientError(.invalidArgument, "maxCount \(maxCount) must be within 1...4096")
        }
    }
}
