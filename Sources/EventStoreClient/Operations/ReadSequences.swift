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

    /// The iterator: one element per call to `next()`, with one page of read-ahead.
    public struct Iterator: AsyncIteratorProtocol {
        var cursor: PageCursor<Int64>

        init(sequence: StreamEventSequence, next: Int64) {
            cursor = PageCursor(from: next, limit: sequence.limit) { from, alreadyDelivered in
                try await sequence.page(from: from, alreadyDelivered: alreadyDelivered)
            }
        }

        /// The next event, fetching the next page when needed; `nil` at the end.
        public mutating func next() async throws -> ResolvedEvent? {
            try await cursor.next()
        }
    }

    /// One page from `from`, no larger than what the limit still allows; a missing or deleted stream throws.
    func page(from: Int64, alreadyDelivered: Int) async throws -> PageCursor<Int64>.Page {
        let remaining = limit.map { $0 - alreadyDelivered } ?? pageSize
        let (slice, events) = try await client.readStreamPage(
            stream, from: from, maxCount: Swift.min(pageSize, Swift.max(remaining, 1)), direction: direction,
            resolveLinks: resolveLinks, credentials: credentials)
        switch slice.status {
        case .success: break
        case .streamNotFound: throw EventStoreClientError(.streamNotFound, "stream \(stream) not found")
        case .streamDeleted: throw EventStoreClientError(.streamDeleted, "stream \(stream) is deleted")
        }
        return .init(count: events.count, next: slice.nextEventNumber, isLast: slice.isEndOfStream, events: events.decode)
    }
}

/// Pages through a read for the sequences above: hands out events one at a time, stops at the limit,
/// and requests the next page as soon as the current one's header is known — before its events are
/// decoded and while they are consumed (one page of read-ahead, so the server reads while the client
/// decodes and the consumer works; at most two pages are held).
struct PageCursor<Point: Sendable> {
    /// One page: how many events it holds, where the next page starts, whether it is the last one,
    /// and its events, decoded when asked for (once, after the next page has been requested).
    struct Page: Sendable {
        var count: Int
        var next: Point
        var isLast: Bool
        var events: @Sendable () throws -> [ResolvedEvent]

        /// A page whose events are already decoded.
        init(events: [ResolvedEvent], next: Point, isLast: Bool) {
            self.init(count: events.count, next: next, isLast: isLast) { events }
        }

        init(count: Int, next: Point, isLast: Bool, events: @escaping @Sendable () throws -> [ResolvedEvent]) {
            self.count = count
            self.next = next
            self.isLast = isLast
            self.events = events
        }
    }

    /// Reads the page at `from`; `alreadyDelivered` events will have been handed out before it.
    typealias Fetch = @Sendable (_ from: Point, _ alreadyDelivered: Int) async throws -> Page

    private let fetch: Fetch
    private let limit: Int?
    private var nextPoint: Point
    private var buffer: [ResolvedEvent] = []
    private var index = 0
    private var finished = false
    private var delivered = 0
    private var ahead: Task<Page, any Error>?

    init(from: Point, limit: Int?, fetch: @escaping Fetch) {
        self.nextPoint = from
        self.limit = limit
        self.fetch = fetch
    }

    mutating func next() async throws -> ResolvedEvent? {
        if let limit, delivered >= limit {
            ahead?.cancel()
            return nil
        }
        while index >= buffer.count {
            guard !finished else { return nil }
            let page: Page
            if let pending = ahead {
                ahead = nil
                page = try await Self.value(of: pending)
            } else {
                page = try await fetch(nextPoint, delivered)
            }
            nextPoint = page.next
            finished = page.isLast
            let upcoming = delivered + page.count
            if !finished, limit.map({ upcoming < $0 }) ?? true {
                let (fetch, from) = (fetch, nextPoint)
                ahead = Task { try await fetch(from, upcoming) }
            }
            do {
                buffer = try page.events()
            } catch {
                ahead?.cancel()
                throw error
            }
            index = 0
        }
        defer {
            index += 1
            delivered += 1
        }
        return buffer[index]
    }

    /// Awaits a read-ahead task, cancelling it when the waiting task is cancelled.
    private static func value(of task: Task<Page, any Error>) async throws -> Page {
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

    /// The iterator: one element per call to `next()`, with one page of read-ahead.
    public struct Iterator: AsyncIteratorProtocol {
        var cursor: PageCursor<Position>

        init(sequence: AllEventSequence, next: Position) {
            cursor = PageCursor(from: next, limit: sequence.limit) { from, _ in try await sequence.page(from: from) }
        }

        /// The next event, fetching the next page when needed; `nil` at the end.
        public mutating func next() async throws -> ResolvedEvent? {
            try await cursor.next()
        }
    }

    /// One page from `from`; a page that neither moves nor holds events is the last one.
    func page(from: Position) async throws -> PageCursor<Position>.Page {
        if let filter {
            let slice = try await client.readAllFilteredSlice(
                from: from, maxCount: pageSize, filter: filter, maxSearchWindow: Swift.max(pageSize, 4096),
                direction: direction, resolveLinks: resolveLinks, credentials: credentials)
            let stuck = slice.nextPosition == from && slice.events.isEmpty
            return .init(events: slice.events, next: slice.nextPosition, isLast: slice.isEndOfStream || stuck)
        }
        let (slice, events) = try await client.readAllPage(from: from, maxCount: pageSize, direction: direction,
                                                           resolveLinks: resolveLinks, credentials: credentials)
        let stuck = slice.nextPosition == from && events.count == 0
        return .init(count: events.count, next: slice.nextPosition, isLast: slice.isEndOfStream || stuck, events: events.decode)
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
