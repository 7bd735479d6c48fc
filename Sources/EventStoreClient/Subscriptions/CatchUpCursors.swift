/// Catch-up over one stream: points are original event numbers.
struct StreamCursor: CatchUpCursor {
    let client: EventStoreClient
    let stream: String
    let resolveLinks: Bool
    let pageSize: Int
    let liveBufferSize: Int
    let credentials: UserCredentials?

    func readPage(from next: ReadPoint<Int64>) async throws -> (events: [ResolvedEvent], next: ReadPoint<Int64>, end: Bool) {
        let slice = try await client.readStreamSlice(stream, from: next.value, maxCount: pageSize, resolveLinks: resolveLinks,
                                                     credentials: credentials)
        switch slice.status {
        case .success: return (slice.events, ReadPoint(value: slice.nextEventNumber), slice.isEndOfStream)
        case .streamNotFound: return ([], next, true)
        case .streamDeleted: throw EventStoreClientError(.streamDeleted, "stream \(stream) is deleted")
        }
    }

    func point(of event: ResolvedEvent) -> Int64? { event.original?.number }

    func subscribe() async throws -> VolatileSubscription {
        try await client.subscribe(to: stream, resolveLinks: resolveLinks, bufferSize: liveBufferSize, credentials: credentials)
    }

    func passed(_ next: ReadPoint<Int64>, confirmation: VolatileSubscription, endOfStream: Bool) -> Bool {
        guard let last = confirmation.lastEventNumber else { return endOfStream }
        return next.value > last || (endOfStream && last < 0)
    }

    func readPoint(after point: Int64?) -> ReadPoint<Int64> { ReadPoint(value: (point ?? -1) + 1) }

    func confirmedPoint(of live: VolatileSubscription) -> Int64? { live.lastEventNumber }
}

/// Catch-up over `$all`: points are original positions.
struct AllCursor: CatchUpCursor {
    let client: EventStoreClient
    let filter: EventFilter?
    let resolveLinks: Bool
    let pageSize: Int
    let liveBufferSize: Int
    let credentials: UserCredentials?

    func readPage(from next: ReadPoint<Position>) async throws -> (events: [ResolvedEvent], next: ReadPoint<Position>, end: Bool) {
        let slice: AllEventsSlice
        if let filter {
            slice = try await client.readAllFilteredSlice(from: next.value, maxCount: pageSize, filter: filter,
                                                          maxSearchWindow: max(pageSize, 4096), resolveLinks: resolveLinks,
                                                          credentials: credentials)
        } else {
            slice = try await client.readAllSlice(from: next.value, maxCount: pageSize, resolveLinks: resolveLinks,
                                                  credentials: credentials)
        }
        return (slice.events, ReadPoint(value: slice.nextPosition), slice.isEndOfStream)
    }

    func point(of event: ResolvedEvent) -> Position? { event.position }

    func subscribe() async throws -> VolatileSubscription {
        try await client.subscribe(to: nil, resolveLinks: resolveLinks, filter: filter, bufferSize: liveBufferSize,
                                   credentials: credentials)
    }

    func passed(_ next: ReadPoint<Position>, confirmation: VolatileSubscription, endOfStream: Bool) -> Bool {
        let point = Position(commit: confirmation.lastCommitPosition, prepare: confirmation.lastCommitPosition)
        return next.value >= point || (endOfStream && confirmation.lastCommitPosition <= 0)
    }

    /// Reads resume at the position itself: the loop skips the event already delivered there.
    func readPoint(after point: Position?) -> ReadPoint<Position> { ReadPoint(value: point ?? .start) }

    func confirmedPoint(of live: VolatileSubscription) -> Position? {
        Position(commit: live.lastCommitPosition, prepare: live.lastCommitPosition)
    }
}
