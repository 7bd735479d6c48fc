/// Events of a stream, read page by page as the consumer iterates (never the whole stream at once).
///
/// ```swift
/// for try await event in client.readStream("orders-1") { handle(event) }
/// ```
public struct StreamEventSequence: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = ResolvedEvent

    let client: EventStoreClient
    let stream: String
    let from: Int64
    let direction: ReadDirection
    let pageSize: Int
    let resolveLinks: Bool
    let credentials: UserCredentials?
    let limit: Int?

    /// Starts iterating; pages are fetched as the iterator is consumed.
    public func makeAsyncIterator() -> Iterator {
        Iterator(sequence: self, next: from)
    }

    /// The iterator: one element per call to `next()`.
    public struct Iterator: AsyncIteratorProtocol {
        let sequence: StreamEventSequence
        var next: Int64
        var buffer: [ResolvedEvent] = []
        var index = 0
        var finished = false
        var delivered = 0

        init(sequence: StreamEventSequence, next: Int64) {
            self.sequence = sequence
            self.next = next
        }

        public mutating func next() async throws -> ResolvedEvent? {
            if let limit = sequence.limit, delivered >= limit { return nil }
            while index >= buffer.count {
                guard !finished else { return nil }
                let remaining = sequence.limit.map { $0 - delivered } ?? sequence.pageSize
                let slice = try await sequence.client.readStreamSlice(
                    sequence.stream, from: next, maxCount: Swift.min(sequence.pageSize, Swift.max(remaining, 1)),
                    direction: sequence.direction, resolveLinks: sequence.resolveLinks, credentials: sequence.credentials)
                switch slice.status {
                case .success: break
                case .streamNotFound:
                    throw EventStoreClientError(.streamNotFound, "stream \(sequence.stream) not found")
                case .streamDeleted:
                    throw EventStoreClientError(.streamDeleted, "stream \(sequence.stream) is deleted")
                }
                buffer = slice.events
                index = 0
                next = slice.nextEventNumber
                finished = slice.isEndOfStream
            }
            defer {
                index += 1
                delivered += 1
            }
            return buffer[index]
        }
    }
}

/// Events of `$all` (optionally filtered), read page by page as the consumer iterates.
///
/// ```swift
/// for try await event in client.readAll(filter: .streamPrefix("orders-"), maxCount: 1000) { handle(event) }
/// ```
public struct AllEventSequence: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = ResolvedEvent

    let client: EventStoreClient
    let from: Position
    let direction: ReadDirection
    let pageSize: Int
    let filter: EventFilter?
    let resolveLinks: Bool
    let credentials: UserCredentials?
    let limit: Int?

    /// Starts iterating; pages are fetched as the iterator is consumed.
    public func makeAsyncIterator() -> Iterator {
        Iterator(sequence: self, next: from)
    }

    /// The iterator: one element per call to `next()`.
    public struct Iterator: AsyncIteratorProtocol {
        let sequence: AllEventSequence
        var next: Position
        var buffer: [ResolvedEvent] = []
        var index = 0
        var finished = false
        var delivered = 0

        init(sequence: AllEventSequence, next: Position) {
            self.sequence = sequence
            self.next = next
        }

        public mutating func next() async throws -> ResolvedEvent? {
            if let limit = sequence.limit, delivered >= limit { return nil }
            while index >= buffer.count {
                guard !finished else { return nil }
                let slice: AllEventsSlice
                if let filter = sequence.filter {
                    slice = try await sequence.client.readAllFilteredSlice(
                        from: next, maxCount: sequence.pageSize, filter: filter, maxSearchWindow: Swift.max(sequence.pageSize, 4096),
                        direction: sequence.direction, resolveLinks: sequence.resolveLinks, credentials: sequence.credentials)
                } else {
                    slice = try await sequence.client.readAllSlice(
                        from: next, maxCount: sequence.pageSize, direction: sequence.direction,
                        resolveLinks: sequence.resolveLinks, credentials: sequence.credentials)
                }
                buffer = slice.events
                index = 0
                finished = slice.isEndOfStream || slice.nextPosition == next && slice.events.isEmpty
                next = slice.nextPosition
            }
            defer {
                index += 1
                delivered += 1
            }
            return buffer[index]
        }
    }
}

extension EventStoreClient {
    /// All events of a stream from `from` (default: the start, or the end when reading backward), fetched
    /// `pageSize` at a time as the loop consumes them.
    ///
    /// ```swift
    /// for try await event in client.readStream("orders-1", from: 10, maxCount: 100) { print(event.originalNumber) }
    /// for try await event in client.readStream("orders-1", direction: .backward, maxCount: 5) { … }  // newest five
    /// ```
    public func readStream(
        _ stream: String, from: Int64? = nil, direction: ReadDirection = .forward, pageSize: Int = 4096,
        maxCount: Int? = nil, resolveLinks: Bool = true, credentials: UserCredentials? = nil
    ) -> StreamEventSequence {
        StreamEventSequence(client: self, stream: stream, from: from ?? (direction == .forward ? 0 : -1), direction: direction,
                            pageSize: min(max(pageSize, 1), 4096), resolveLinks: resolveLinks, credentials: credentials,
                            limit: maxCount)
    }

    /// All events of `$all` from `from` (default: the start, or the end when reading backward), optionally
    /// filtered on the server.
    ///
    /// ```swift
    /// for try await event in client.readAll(filter: .excludeSystemEvents) {
    ///     print(event.position!, event.originalStream, event.event?.type ?? "")
    /// }
    /// ```
    public func readAll(
        from: Position? = nil, direction: ReadDirection = .forward, filter: EventFilter? = nil, pageSize: Int = 4096,
        maxCount: Int? = nil, resolveLinks: Bool = false, credentials: UserCredentials? = nil
    ) -> AllEventSequence {
        AllEventSequence(client: self, from: from ?? (direction == .forward ? .start : .end), direction: direction,
                         pageSize: min(max(pageSize, 1), 4096), filter: filter, resolveLinks: resolveLinks,
                         credentials: credentials, limit: maxCount)
    }
}
