import EventStoreWire
import Foundation
import Synchronization

/// Where a subscription's packages go (a client connection).
protocol SubscriptionSink: AnyObject, Sendable {
    /// Identifies the connection, so all its subscriptions can be removed when it closes.
    var connectionID: ObjectIdentifier { get }
    /// Sends a package for subscription `id`; must not block and must not send synchronously
    /// (enqueue only: callers hold locks).
    func deliver(_ delivery: SubscriptionDelivery, id: UUID)
}

/// What a subscription sends to its client.
enum SubscriptionDelivery: Sendable {
    case confirmation(ESSubscriptionConfirmation)
    case event(ReadRecords)
    case checkpoint(LogPosition)
    case dropped(ESSubscriptionDropped.SubscriptionDropReason)
    case persistentConfirmation(ESPersistentSubscriptionConfirmation)
    case persistentEvent(ESPersistentSubscriptionStreamEventAppeared)
}

/// Volatile subscriptions: registration with a confirmation point, and fan-out of committed
/// records in commit order (protocol.md §4.10).
///
/// The writer calls ``publish(_:resolve:)`` after every commit, in order. Confirmation and
/// pushes are enqueued under one lock, so a client always gets its confirmation before any
/// event, and exactly the records committed after the confirmation point.
final class SubscriptionHub: Sendable {
    struct Subscription: Sendable {
        let id: UUID
        let sink: any SubscriptionSink
        /// `nil` for `$all`.
        let stream: String?
        let resolveLinks: Bool
        /// Whose subscription it is: links resolve only to events this user may read.
        let user: NodeUser?
        let filter: EventFilter?
        let checkpointInterval: Int32
        let confirmedPosition: Int64
        let confirmedNumber: Int64
        var considered: Int64 = 0
    }

    private struct Key: Hashable {
        let connection: ObjectIdentifier
        let id: UUID
    }

    private struct State {
        var lastCommitted: Int64
        var byStream: [String: [Key: Subscription]] = [:]
        var all: [Key: Subscription] = [:]
    }

    private let state: Mutex<State>

    init(lastCommitted: Int64) {
        state = Mutex(State(lastCommitted: lastCommitted))
    }

    /// Number of live subscriptions.
    var count: Int { state.withLock { $0.all.count + $0.byStream.values.reduce(0) { $0 + $1.count } } }

    /// Registers a subscription and enqueues its confirmation.
    ///
    /// - Parameter lastNumber: reads the stream's last event number (−1 if none) as committed now.
    func subscribe(
        id: UUID, sink: any SubscriptionSink, stream: String?, resolveLinks: Bool, user: NodeUser?, filter: EventFilter?,
        checkpointInterval: Int32, lastNumber: (String) throws -> Int64
    ) rethrows {
        try state.withLock { state in
            var confirmation = ESSubscriptionConfirmation()
            confirmation.lastCommitPosition = state.lastCommitted
            var number = Int64.max
            if let stream {
                number = try lastNumber(stream)
                confirmation.lastEventNumber = number
            }
            let subscription = Subscription(
                id: id, sink: sink, stream: stream, resolveLinks: resolveLinks, user: user, filter: filter,
                checkpointInterval: checkpointInterval, confirmedPosition: state.lastCommitted, confirmedNumber: number)
            let key = Key(connection: sink.connectionID, id: id)
            if let stream { state.byStream[stream, default: [:]][key] = subscription } else { state.all[key] = subscription }
            sink.deliver(.confirmation(confirmation), id: id)
        }
    }

    /// Removes one subscription; true if it existed.
    @discardableResult
    func unsubscribe(connection: ObjectIdentifier, id: UUID) -> Bool {
        let key = Key(connection: connection, id: id)
        return state.withLock { state in
            if state.all.removeValue(forKey: key) != nil { return true }
            for stream in state.byStream.keys where state.byStream[stream]?.removeValue(forKey: key) != nil {
                if state.byStream[stream]?.isEmpty == true { state.byStream[stream] = nil }
                return true
            }
            return false
        }
    }

    /// Removes every subscription of a closed connection (no message is sent).
    func removeAll(connection: ObjectIdentifier) {
        state.withLock { state in
            state.all = state.all.filter { $0.key.connection != connection }
            for stream in Array(state.byStream.keys) {
                state.byStream[stream] = state.byStream[stream]!.filter { $0.key.connection != connection }
                if state.byStream[stream]!.isEmpty { state.byStream[stream] = nil }
            }
        }
    }

    /// Drops every subscription with `Unsubscribed` (node shutdown).
    func dropAll() {
        state.withLock { state in
            for sub in state.all.values { sub.sink.deliver(.dropped(.unsubscribed), id: sub.id) }
            for subs in state.byStream.values {
                for sub in subs.values { sub.sink.deliver(.dropped(.unsubscribed), id: sub.id) }
            }
            state.all.removeAll()
            state.byStream.removeAll()
        }
    }

    /// Pushes committed records to their subscribers, in order.
    ///
    /// - Parameter resolve: a link's target as `user` may see it (by the rules of a read), for
    ///   subscribers that resolve links; `nil` sends the link alone.
    func publish(_ records: [RecordedLogEvent], resolve: (_ link: RecordedLogEvent, _ user: NodeUser?) -> RecordedLogEvent?) {
        guard let newest = records.last else { return }
        state.withLock { state in
            defer { state.lastCommitted = max(state.lastCommitted, newest.position.commit) }
            guard !state.all.isEmpty || !state.byStream.isEmpty else { return }
            for record in records {
                if let subs = state.byStream[record.stream] {
                    for sub in subs.values where record.number > sub.confirmedNumber && record.number != EventNumber.deletedStream {
                        sub.sink.deliver(.event(Self.resolved(record, for: sub, resolve: resolve)), id: sub.id)
                    }
                }
                for key in Array(state.all.keys) {
                    guard var sub = state.all[key], record.position.commit > sub.confirmedPosition else { continue }
                    if sub.filter?.matches(record) ?? true {
                        sub.sink.deliver(.event(Self.resolved(record, for: sub, resolve: resolve)), id: sub.id)
                    }
                    if sub.filter != nil, sub.checkpointInterval > 0 {
                        sub.considered += 1
                        if sub.considered % Int64(sub.checkpointInterval) == 0 {
                            sub.sink.deliver(.checkpoint(record.position), id: sub.id)
                        }
                        state.all[key] = sub
                    }
                }
            }
        }
    }

    private static func resolved(
        _ record: RecordedLogEvent, for subscription: Subscription,
        resolve: (RecordedLogEvent, NodeUser?) -> RecordedLogEvent?
    ) -> ReadRecords {
        guard subscription.resolveLinks, record.type == SystemEventTypes.link else { return ReadRecords([record]) }
        return ReadRecords(link: record, target: resolve(record, subscription.user))
    }
}
