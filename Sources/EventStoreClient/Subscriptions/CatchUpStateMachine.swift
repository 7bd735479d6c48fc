/// How a catch-up subscription orders its points (event numbers of a stream, positions in `$all`):
/// where reading resumes and when a read has passed the live subscription's confirmation point.
protocol CatchUpOrdering {
    associatedtype Point: Sendable & Hashable & Comparable
    /// Where reading starts after `point` (`nil`: from the beginning).
    static func readPoint(after point: Point?) -> Point
    /// Whether a read whose next point is `next` has passed `confirmed`, the last point committed when the
    /// live subscription was confirmed (`nil`: unknown, trust the end-of-stream flag).
    static func hasPassed(_ next: Point, confirmed: Point?, endOfStream: Bool) -> Bool
}

/// A stream's original event numbers.
enum StreamOrdering: CatchUpOrdering {
    static func readPoint(after point: Int64?) -> Int64 { (point ?? -1) + 1 }

    static func hasPassed(_ next: Int64, confirmed: Int64?, endOfStream: Bool) -> Bool {
        guard let confirmed else { return endOfStream }
        return next > confirmed
    }
}

/// `$all` positions.
enum AllOrdering: CatchUpOrdering {
    /// Reads resume at the position itself: the event already delivered there is skipped as a duplicate.
    static func readPoint(after point: Position?) -> Position { point ?? .start }

    static func hasPassed(_ next: Position, confirmed: Position?, endOfStream: Bool) -> Bool {
        guard let confirmed else { return endOfStream }
        return next >= confirmed || (endOfStream && confirmed.commit <= 0)
    }
}

/// The catch-up algorithm of docs/protocol.md §4.11 as a pure state machine: read history
/// page by page, subscribe live, keep reading until the reads pass the subscription's confirmation
/// point, then deliver live events — dropping every event at or before the last one delivered, so the
/// hand-off has neither gap nor duplicate. When the live feed is lost it starts over from the last
/// delivered event.
///
/// ``CatchUpLoop`` performs the reads and the subscription and asks this machine what to do next.
struct CatchUpStateMachine<Ordering: CatchUpOrdering> {
    typealias Point = Ordering.Point

    /// What to do next.
    enum Step: Equatable {
        /// Read the page at `from` (after a short pause when the last read found nothing new).
        case read(from: Point, pauseFirst: Bool)
        /// Start the live subscription.
        case subscribe
        /// Report "caught up" and deliver the live subscription's events.
        case goLive
    }

    private enum State: Equatable {
        case readingHistory
        case subscribing
        case subscribingFromEnd
        case closingGap(confirmed: Point?)
        case live
    }

    /// The point of the last delivered event.
    private(set) var last: Point?
    private var state: State
    private let startsAtEnd: Bool

    init(start: CatchUpStart<Point>) {
        switch start {
        case .start: last = nil; startsAtEnd = false
        case .after(let point): last = point; startsAtEnd = false
        case .end: last = nil; startsAtEnd = true
        }
        state = startsAtEnd ? .subscribingFromEnd : .readingHistory
    }

    /// The first step.
    func begin() -> Step {
        startsAtEnd ? .subscribe : .read(from: Ordering.readPoint(after: last), pauseFirst: false)
    }

    /// Whether the event at `point` (read or live) is new and must be delivered; records it as the last one.
    mutating func shouldDeliver(_ point: Point?) -> Bool {
        guard let point else { return false }
        if let last, point <= last { return false }
        last = point
        return true
    }

    /// A page was read (and its events offered to ``shouldDeliver(_:)``).
    mutating func pageRead(next: Point, endOfStream: Bool, empty: Bool) -> Step {
        switch state {
        case .closingGap(let confirmed):
            if Ordering.hasPassed(next, confirmed: confirmed, endOfStream: endOfStream) {
                state = .live
                return .goLive
            }
            // Not yet at the confirmation point: the event is committed but not readable yet; retry shortly.
            return .read(from: next, pauseFirst: endOfStream && empty)
        case .readingHistory:
            if endOfStream {
                state = .subscribing
                return .subscribe
            }
            return .read(from: next, pauseFirst: false)
        case .subscribing, .subscribingFromEnd, .live:
            return .read(from: next, pauseFirst: false)
        }
    }

    /// The live subscription is confirmed; `confirmed` is the last point committed at that moment.
    mutating func subscribed(confirmed: Point?) -> Step {
        if state == .subscribingFromEnd {
            last = confirmed
            state = .live
            return .goLive
        }
        // Events committed between the end of the history and the confirmation are read, not lost.
        state = .closingGap(confirmed: confirmed)
        return .read(from: Ordering.readPoint(after: last), pauseFirst: false)
    }

    /// The live feed (or a read) was lost: catch up again from the last delivered event.
    mutating func fellBehind() -> Step {
        state = .readingHistory
        return .read(from: Ordering.readPoint(after: last), pauseFirst: false)
    }
}
