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
    ///
    /// While a page is consumed the next one is already requested (one page of read-ahead), so the
    /// server reads and the consumer works at the same time; at most two pages are held.
    public struct Iterator: AsyncIteratorProtocol {
        let sequence: StreamEventSequence
        var next: Int64
        var buffer: [ResolvedEvent] = []
        var index = 0
        var finished = false
        var delivered = 0
        var ahead: Task<StreamEventsSlice, any Error>?

        init(sequence: StreamEventSequence, next: Int64) {
            self.sequence = sequence
            self.next = next
        }

        /// The next event, fetching the next page when needed; `nil` at the end.
        public mutating func next() async throws -> ResolvedEvent? {
            if let limit = sequence.limit, delivered >= limit {
                ahead?.cancel()
                return nil
            }
            while index >= buffer.count {
                guard !finished else { return nil }
                let slice: StreamEventsSlice
                if let pending = ahead {
                    ahead = nil
                    slice = try await ReadAhead.value(of: pending)
                } else {
                    slice = try await sequence.page(from: next, alreadyDelivered: delivered)
                }
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
                let upcoming = delivered + buffer.count
                if !finished, sequence.limit.map({ upcoming < $0 }) ?? true {
                    let (sequence, from) = (sequence, next)
                    ahead = Task { try await sequence.page(from: from, alreadyDelivered: upcoming) }
                }
            }
            defer {
                index += 1
                delivered += 1
            }
            return buffer[index]
        }
    }

    /// One page from `from`, no larger than what the limit still allows.
    func page(from: Int64, alreadyDelivered: Int) async throws -> StreamEventsSlice {
        let remaining = limit.map { $0 - alreadyDelivered } ?? pageSize
        return try await client.readStreamSlice(
            stream, from: from, maxCount: Swift.min(pageSize, Swift.max(remaining, 1)), direction: direction,
            resolveLinks: resolveLinks, credentials: credentials)
    }
}

/// Awaits a read-ahead task, cancelling it when the waiting task is cancelled.
enum ReadAhead {
    static func value<T: Sendable>(of task: Task<T, any Error>) async throws -> T {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
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

    /// The iterator: one element per call to `next()`, with one page of read-ahead like
    /// ``StreamEventSequence/Iterator``.
    public struct Iterator: AsyncIteratorProtocol {
        let sequence: AllEventSequence
        var next: Position
        var buffer: [ResolvedEvent] = []
        var index = 0
        var finished = false
        var delivered = 0
        var ahead: Task<AllEventsSlice, any Error>?

        init(sequence: AllEventSequence, next: Position) {
            self.sequence = sequence
            self.next = next
        }

        /// The next event, fetching the next page when needed; `nil` at the end.
        public mutating func next() async throws -> ResolvedEvent? {
            if let limit = sequence.limit, delivered >= limit {
                ahead?.cancel()
                return nil
            }
            while index >= buffer.count {
                guard !finished else { return nil }
                let slice: AllEventsSlice
                if let pending = ahead {
                    ahead = nil
                    slice = try await ReadAhead.value(of: pending)
                } else {
                    slice = try await sequence.page(from: next)
                }
                buffer = slice.events
                index = 0
                finished = slice.isEndOfStream || slice.nextPosition == next && slice.events.isEmpty
                next = slice.nextPosition
                if !finished, sequence.limit.map({ delivered + buffer.count < $0 }) ?? true {
                    let (sequence, from) = (sequence, next)
                    ahead = Task { try await sequence.page(from: from) }
                }
            }
            defer {
                index += 1
                delivered += 1
            }
            return buffer[index]
        }
    }

    /// One page from `from`.
    func page(from: Position) async throws -> AllEventsSlice {
        if let filter {
            return try await client.readAllFilteredSlice(
                from: from, maxCount: pageSize, filter: filter, maxSearchWindow: Swift.max(pageSize, 4096),
                direction: direction, resolveLinks: resolveLinks, credentials: credentials)
        }
        return try await client.readAllSlice(from: from, maxCount: pageSize, direction: direction,
                                             resolveLinks: resolveLinks, credentials: credentials)
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
