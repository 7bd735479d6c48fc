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
/// records in commit order (docs/protocol.md §4.10).
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
        let filter: EventFilter?
        let checkpointInterval: Int32
        let confirmedPosition: Int64
        let confirmedNumber: Int64
        var considered: Int64 = 0
    }

    fileprivate struct Key: Hashable {
        let connection: ObjectIdentifier
        let id: UUID
    }

    fileprivate struct State {
        var lastCommitted: Int64
        var byStream: [String: [Key: Subscription]] = [:]
        var all: [Key: Subscription] = [:]
        /// Subscribe requests being authorized; an unsubscribe of one of them removes it, and the
        /// subscription is then never registered.
        var pending: Set<Key> = []
    }

    private let state: Mutex<State>

    init(lastCommitted: Int64) {
        state = Mutex(State(lastCommitted: lastCommitted))
    }

    /// Number of live subscriptions.
    var count: Int { state.withLock { $0.all.count + $0.byStream.values.reduce(0) { $0 + $1.count } } }

    /// Number of live subscriptions of one connection.
    func count(connection: ObjectIdentifier) -> Int {
        state.withLock { state in
            state.all.keys.count { $0.connection == connection } + state.pending.count { $0.connection == connection }
                + state.byStream.values.reduce(0) { $0 + $1.keys.count { $0.connection == connection } }
        }
    }

    /// Notes a subscribe request before it is authorized (called on the connection's loop, in
    /// request order), so that an unsubscribe arriving meanwhile wins. False when the id is already
    /// in use on the connection (a subscribe being authorized, or a live subscription).
    func announce(connection: ObjectIdentifier, id: UUID) -> Bool {
        let key = Key(connection: connection, id: id)
        return state.withLock { state in
            guard !state.pending.contains(key), state.all[key] == nil, !state.byStream.values.contains(where: { $0[key] != nil })
            else { return false }
            state.pending.insert(key)
            return true
        }
    }

    /// Forgets an announced subscribe that will not be registered (access denied).
    /// Returns false when an unsubscribe got there first (its drop was already sent).
    func withdraw(connection: ObjectIdentifier, id: UUID) -> Bool {
        state.withLock { $0.pending.remove(Key(connection: connection, id: id)) != nil }
    }

    /// Registers a subscription and enqueues its confirmation; nothing happens when the request
    /// was announced and unsubscribed meanwhile.
    ///
    /// - Parameter lastNumber: reads the stream's last event number (−1 if none) as committed now.
    ///   It runs outside the lock (SQLite reads never hold up publishing); the registration is
    ///   retried when a publish happened in between, so no record is missed or sent twice.
    func subscribe(
        id: UUID, sink: any SubscriptionSink, stream: String?, resolveLinks: Bool, filter: EventFilter?,
        checkpointInterval: Int32, lastNumber: (String) throws -> Int64
    ) rethrows {
        let key = Key(connection: sink.connectionID, id: id)
        while true {
            let seen = state.withLock { $0.lastCommitted }
            let number = try stream.map(lastNumber) ?? Int64.max
            let done = state.withLock { state -> Bool in
                guard state.pending.contains(key) else { return true }  // unsubscribed while authorizing
                guard state.lastCommitted == seen else { return false }
                state.pending.remove(key)
                var confirmation = ESSubscriptionConfirmation()
                confirmation.lastCommitPosition = state.lastCommitted
                if stream != nil { confirmation.lastEventNumber = number }
                let subscription = Subscription(
                    id: id, sink: sink, stream: stream, resolveLinks: resolveLinks, filter: filter,
                    checkpointInterval: checkpointInterval, confirmedPosition: state.lastCommitted, confirmedNumber: number)
                if let stream { state.byStream[stream, default: [:]][key] = subscription } else { state.all[key] = subscription }
                sink.deliver(.confirmation(confirmation), id: id)
                return true
            }
            if done { return }
            // A publish ran between the read and the registration: read again.
        }
    }

    /// Removes one subscription; true if it existed.
    @discardableResult
    func unsubscribe(connection: ObjectIdentifier, id: UUID) -> Bool {
        let key = Key(connection: connection, id: id)
        return state.withLock { state in
            if state.pending.remove(key) != nil { return true }
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
            state.pending = state.pending.filter { $0.connection != connection }
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

    /// Pushes committed records to their subscribers, in order (called by the node's fan-out
    /// queue, never by the writer thread: filters run here).
    ///
    /// - Parameter resolve: how a `$>` record resolves (the same for every subscriber: the server
    ///   does not check the target's ACL). It reads SQLite, so it runs before the lock is taken,
    ///   and only when some subscriber resolves links.
    func publish(_ records: [RecordedLogEvent], resolve: (RecordedLogEvent) -> ReadRecords) {
        guard let newest = records.last else { return }
        var resolved: [Int: ReadRecords] = [:]
        let links = records.indices.filter { records[$0].type == SystemEventTypes.link }
        if !links.isEmpty, state.withLock({ $0.anyResolves(streams: links.map { records[$0].stream }) }) {
            for index in links { resolved[index] = resolve(records[index]) }
        }
        state.withLock { state in
            defer { state.lastCommitted = max(state.lastCommitted, newest.position.commit) }
            guard !state.all.isEmpty || !state.byStream.isEmpty else { return }
            for (index, record) in records.enumerated() {
                func shown(to sub: Subscription) -> ReadRecords {
                    sub.resolveLinks ? resolved[index] ?? ReadRecords([record]) : ReadRecords([record])
                }
                if let subs = state.byStream[record.stream] {
                    for sub in subs.values where record.number > sub.confirmedNumber {
                        sub.sink.deliver(.event(shown(to: sub)), id: sub.id)
                    }
                }
                for key in Array(state.all.keys) {
                    guard var sub = state.all[key], record.position.commit > sub.confirmedPosition else { continue }
                    if sub.filter?.matches(record) ?? true {
                        sub.sink.deliver(.event(shown(to: sub)), id: sub.id)
                    }
                    if sub.filter != nil, sub.checkpointInterval >= 0 {
                        sub.considered += 1
                        // An interval of 0 means every event (only −1 disables checkpoints).
                        if sub.considered % Int64(max(sub.checkpointInterval, 1)) == 0 {
                            sub.sink.deliver(.checkpoint(record.position), id: sub.id)
                        }
                        state.all[key] = sub
                    }
                }
            }
        }
    }
}

extension SubscriptionHub.State {
    /// Whether a subscriber of `$all` or of one of `streams` resolves links.
    fileprivate func anyResolves(streams: [String]) -> Bool {
        all.values.contains { $0.resolveLinks }
            || streams.contains { byStream[$0]?.values.contains { $0.resolveLinks } ?? false }
    }
}
