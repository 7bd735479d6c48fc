import AsyncAlgorithms
import Foundation

/// What a catch-up subscription delivers.
///
/// ```swift
/// for try await message in client.catchUp(stream: "orders-1") {
///     if case .event(let event) = message { project(event) }
/// }
/// ```
public enum CatchUpMessage: Sendable, Hashable {
    /// The next event, exactly once and in order.
    case event(ResolvedEvent)
    /// History has been read; from now on events arrive live.
    case caughtUp
    /// The live feed was lost (connection drop, slow consumer); catching up again from the last event.
    case fellBehind(reason: String)
}

/// Where a catch-up subscription starts.
///
/// ```swift
/// let resumed = client.catchUp(stream: "orders-1", from: .after(checkpoint))   // checkpoint: Int64
/// let onlyNew = client.catchUpAll(from: .end)
/// ```
public enum CatchUpStart<Point: Sendable & Hashable>: Sendable, Hashable {
    /// From the first event.
    case start
    /// After this event number / position (it is not delivered again).
    case after(Point)
    /// Only events appended from now on.
    case end
}

/// A catch-up subscription: history by paged reads, then live events from a volatile
/// subscription, with the gap-free hand-off of docs/protocol.md §4.11 — and, unlike the legacy .NET client,
/// it resumes by itself after a reconnect from the last delivered event, without gap or duplicate.
///
/// The consumer sets the pace: a page of history is handed over whole once the consumer has taken
/// the previous one (so the next page is read while this one is consumed), and nothing more is read.
///
/// ```swift
/// let subscription = client.catchUpAll(filter: .excludeSystemEvents)
/// Task { try await Task.sleep(for: .seconds(30)); subscription.cancel() }
/// for try await case .event(let event) in subscription { print(event.position!) }
/// ```
public struct CatchUpSubscription: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = CatchUpMessage
    /// Messages cross from the producing task in batches (a page of history at a time, live events
    /// one by one): one rendezvous per batch instead of two task switches per event.
    let channel: AsyncThrowingChannel<[CatchUpMessage], any Error>
    let task: CancellationHandle

    /// Starts iterating.
    public func makeAsyncIterator() -> Iterator {
        Iterator(base: channel.makeAsyncIterator(), task: task)
    }

    /// Stops the subscription; the iteration ends.
    ///
    /// ```swift
    /// subscription.cancel()
    /// ```
    public func cancel() { task.cancel() }

    /// The iterator: one element per call to `next()`.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingChannel<[CatchUpMessage], any Error>.AsyncIterator
        let task: CancellationHandle
        var batch: [CatchUpMessage] = []
        var index = 0

        init(base: AsyncThrowingChannel<[CatchUpMessage], any Error>.AsyncIterator, task: CancellationHandle) {
            self.base = base
            self.task = task
        }

        public mutating func next() async throws -> CatchUpMessage? {
            while index >= batch.count {
                let received = try await withTaskCancellationHandler {
                    try await base.next()
                } onCancel: { [task] in
                    task.cancel()
                }
                guard let received else { return nil }
                batch = received
                index = 0
            }
            defer { index += 1 }
            return batch[index]
        }
    }
}

/// Cancels the producing task when the subscription is dropped or cancelled.
final class CancellationHandle: Sendable {
    private let task: Task<Void, Never>
    init(_ task: Task<Void, Never>) { self.task = task }
    func cancel() { task.cancel() }
    deinit { task.cancel() }
}

/// The cursor of a catch-up: reads and subscriptions over a stream's event numbers or `$all` positions.
protocol CatchUpCursor: Sendable {
    associatedtype Ordering: CatchUpOrdering
    typealias Point = Ordering.Point
    /// Reads the page at `next`; returns events, the next read point and end-of-stream.
    func readPage(from next: Point) async throws -> (events: [ResolvedEvent], next: Point, end: Bool)
    /// The point of an event, to dedupe (original number or original position).
    func point(of event: ResolvedEvent) -> Point?
    /// Subscribes live.
    func subscribe() async throws -> VolatileSubscription
    /// The last point already committed when `live` was confirmed.
    func confirmedPoint(of live: VolatileSubscription) -> Point?
}

extension EventStoreClient {
    /// Catch-up subscription to a stream.
    ///
    /// ```swift
    /// for try await message in client.catchUp(stream: "orders-1") {
    ///     switch message {
    ///     case .event(let event): handle(event)
    ///     case .caughtUp: print("live")
    ///     case .fellBehind(let reason): print("catching up again: \(reason)")
    ///     }
    /// }
    /// ```
    public func catchUp(
        stream: String, from start: CatchUpStart<Int64> = .start, resolveLinks: Bool = true, pageSize: Int = 500,
        liveBufferSize: Int = 10_000, credentials: UserCredentials? = nil
    ) -> CatchUpSubscription {
        let cursor = StreamCursor(client: self, stream: stream, resolveLinks: resolveLinks, pageSize: pageSize,
                                  liveBufferSize: liveBufferSize, credentials: credentials)
        return runCatchUp(cursor: cursor, start: start)
    }

    /// Catch-up subscription to `$all`, optionally filtered on the server.
    ///
    /// ```swift
    /// for try await message in client.catchUpAll(from: .after(lastPosition), filter: .eventTypePrefix("Order")) {
    ///     if case .event(let event) = message { lastPosition = event.position! }
    /// }
    /// ```
    public func catchUpAll(
        from start: CatchUpStart<Position> = .start, filter: EventFilter? = nil, resolveLinks: Bool = false,
        pageSize: Int = 500, liveBufferSize: Int = 10_000, credentials: UserCredentials? = nil
    ) -> CatchUpSubscription {
        let cursor = AllCursor(client: self, filter: filter, resolveLinks: resolveLinks, pageSize: pageSize,
                               liveBufferSize: liveBufferSize, credentials: credentials)
        return runCatchUp(cursor: cursor, start: start)
    }

    private func runCatchUp<Cursor: CatchUpCursor>(cursor: Cursor, start: CatchUpStart<Cursor.Point>) -> CatchUpSubscription {
        let channel = AsyncThrowingChannel<[CatchUpMessage], any Error>()
        let task = Task {
            do {
                try await CatchUpLoop(cursor: cursor, channel: channel, client: self).run(start: start)
                channel.finish()
            } catch {
                channel.fail(error)
            }
        }
        return CatchUpSubscription(channel: channel, task: CancellationHandle(task))
    }
}

/// Performs the reads and the live subscription of a ``CatchUpStateMachine``, looping to resume
/// after every loss of the live feed.
struct CatchUpLoop<Cursor: CatchUpCursor> {
    let cursor: Cursor
    let channel: AsyncThrowingChannel<[CatchUpMessage], any Error>
    let client: EventStoreClient

    func run(start: CatchUpStart<Cursor.Point>) async throws {
        var machine = CatchUpStateMachine<Cursor.Ordering>(start: start)
        var step = machine.begin()
        var live: VolatileSubscription?
        while !Task.isCancelled {
            do {
                switch step {
                case .read(let from, let pauseFirst):
                    if pauseFirst { try await Task.sleep(for: .milliseconds(1)) }
                    let page = try await cursor.readPage(from: from)
                    let fresh = page.events.filter { machine.shouldDeliver(cursor.point(of: $0)) }
                    if !fresh.isEmpty { await channel.send(fresh.map(CatchUpMessage.event)) }
                    step = machine.pageRead(next: page.next, endOfStream: page.end, empty: page.events.isEmpty)
                case .subscribe:
                    let subscription = try await cursor.subscribe()
                    live = subscription
                    step = machine.subscribed(confirmed: cursor.confirmedPoint(of: subscription))
                case .goLive:
                    guard let subscription = live else {
                        step = machine.fellBehind()
                        continue
                    }
                    await channel.send([.caughtUp])
                    for try await message in subscription {
                        guard case .event(let event) = message, machine.shouldDeliver(cursor.point(of: event)) else { continue }
                        await channel.send([.event(event)])
                    }
                    if Task.isCancelled { return }
                    live = nil
                    await channel.send([.fellBehind(reason: "live subscription ended")])
                    step = machine.fellBehind()
                }
            } catch let error as EventStoreClientError where Self.resumable(error) {
                let closed = await client.isClosed
                if Task.isCancelled || closed { throw error }
                live = nil
                await channel.send([.fellBehind(reason: error.message)])
                step = machine.fellBehind()
            }
        }
    }

    /// Connection losses, overflows and server drops other than access problems are resumed.
    static func resumable(_ error: EventStoreClientError) -> Bool {
        switch error.code {
        case .connectionClosed, .subscriptionDropped, .retryLimitReached, .operationTimedOut, .cannotConnect:
            return true
        default:
            return false
        }
    }
}
