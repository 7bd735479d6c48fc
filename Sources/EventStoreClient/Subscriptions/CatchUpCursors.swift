/// Catch-up over one stream: points are original event numbers.
struct StreamCursor: CatchUpCursor {
    typealias Ordering = StreamOrdering
    let client: EventStoreClient
    let stream: String
    let resolveLinks: Bool
    let pageSize: Int
    let liveBufferSize: Int
    let credentials: UserCredentials?

    func readPage(from next: Int64) async throws -> (events: [ResolvedEvent], next: Int64, end: Bool) {
        let slice = try await client.readStreamSlice(stream, from: next, maxCount: pageSize, resolveLinks: resolveLinks,
                                                     credentials: credentials)
        switch slice.status {
        case .success: return (slice.events, slice.nextEventNumber, slice.isEndOfStream)
        case .streamNotFound: return ([], next, true)
        case .streamDeleted: throw EventStoreClientError(.streamDeleted, "stream \(stream) is deleted")
        }
    }

    func point(of event: ResolvedEvent) -> Int64? { event.original?.number }

    func subscribe() async throws -> VolatileSubscription {
        try await client.subscribe(to: stream, resolveLinks: resolveLinks, bufferSize: liveBufferSize, credentials: credentials)
    }

    func confirmedPoint(of live: VolatileSubscription) -> Int64? { live.lastEventNumber }
}

/// Catch-up over `$all`: points are original positions.
struct AllCursor: CatchUpCursor {
    typealias Ordering = AllOrdering
    let client: EventStoreClient
    let filter: EventFilter?
    let resolveLinks: Bool
    let pageSize: Int
    let liveBufferSize: Int
    let credentials: UserCredentials?

    func readPage(from next: Position) async throws -> (events: [ResolvedEvent], next: Position, end: Bool) {
        let slice: AllEventsSlice
        if let filter {
            slice = try await client.readAllFilteredSlice(from: next, maxCount: pageSize, filter: filter,
                                                          maxSearchWindow: max(pageSize, 4096), resolveLinks: resolveLinks,
                                                          credentials: credentials)
        } else {
            slice = try await client.readAllSlice(from: next, maxCount: pageSize, resolveLinks: resolveLinks,
                                                  credentials: credentials)
        }
        return (slice.events, slice.nextPosition, slice.isEndOfStream)
    }

    func point(of event: ResolvedEvent) -> Position? { event.position }

    func subscribe() async throws -> VolatileSubscription {
        try await client.subscribe(to: nil, resolveLinks: resolveLinks, filter: filter, bufferSize: liveBufferSize,
                                   credentials: credentials)
    }

    func confirmedPoint(of live: VolatileSubscription) -> Position? {
        Position(commit: live.lastCommitPosition, prepare: live.lastCommitPosition)
    }
}
