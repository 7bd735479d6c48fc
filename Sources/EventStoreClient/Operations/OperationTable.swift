import EventStoreWire
import Foundation
import NIOCore

/// The correlation table and retry policy of the operation manager (docs/protocol.md §4.4), as a
/// pure state machine: the driver feeds it submissions, replies, ticks and connection changes,
/// and carries out the returned actions.
///
/// Every attempt gets a new correlation id; queued operations are sent in submission order
/// when a connection is up; in-flight operations are re-sent on a new connection in their
/// original order; timeouts and retryable replies are retried up to `maxRetries`.
struct OperationTable {
    enum Action: Equatable {
        case send(TCPPackage)
        /// NotLeader: reconnect to this endpoint (operations stay queued and are re-sent).
        case reconnect(Endpoint)
        case retried(command: TCPCommand, attempt: Int, reason: String)
    }

    struct Limits {
        var maxRetries = 10
        var operationTimeout: Duration = .seconds(7)
        var maxConcurrent = 5000
        var failOnNoServerResponse = false
        /// Connections use TLS: a NotLeader redirect goes to the leader's secure port when it has one.
        var useTLS = false
    }

    private struct Entry {
        let id: Int
        let command: TCPCommand
        let payload: ByteBuffer
        let credentials: TCPCredentials?
        let handler: any OperationHandler
        let created: ContinuousClock.Instant
        var correlationID: UUID
        var attempt = 1
        var sentAt: ContinuousClock.Instant?
        var subscribed = false
        var everSent = false
    }

    let limits: Limits
    private var entries: [Int: Entry] = [:]
    private var byCorrelation: [UUID: Int] = [:]
    /// Operations waiting to be sent, in submission order.
    private var queue: [Int] = []
    private var inFlight = 0
    private var nextID = 0
    private(set) var isConnected = false

    init(limits: Limits) {
        self.limits = limits
    }

    /// Operations queued or in flight.
    var count: Int { entries.count }

    /// The correlation id operation `id` is on the wire with now (nil while it is queued or gone):
    /// a persistent subscription's acknowledgements travel on it.
    func liveCorrelationID(of id: Int) -> UUID? {
        guard isConnected, let entry = entries[id], entry.sentAt != nil || entry.subscribed else { return nil }
        return entry.correlationID
    }

    /// Registers an operation and sends it when possible; returns its id (for cancellation).
    mutating func enqueue(
        command: TCPCommand, payload: ByteBuffer, credentials: TCPCredentials?, handler: any OperationHandler,
        now: ContinuousClock.Instant, actions: inout [Action]
    ) -> Int {
        nextID += 1
        let entry = Entry(id: nextID, command: command, payload: payload, credentials: credentials, handler: handler,
                          created: now, correlationID: UUID.random())
        entries[entry.id] = entry
        queue.append(entry.id)
        flush(now: now, actions: &actions)
        return entry.id
    }

    /// The connection is ready: send what is queued, in order.
    mutating func connectionEstablished(now: ContinuousClock.Instant, actions: inout [Action]) {
        isConnected = true
        flush(now: now, actions: &actions)
    }

    /// The connection is gone: in-flight operations go back to the queue in submission order
    /// (each counts as a retry); confirmed subscriptions that cannot survive are dropped.
    mutating func connectionLost(reason: String, actions: inout [Action]) {
        isConnected = false
        inFlight = 0
        var requeue: [Int] = []
        for id in entries.keys.sorted() {
            guard var entry = entries[id], entry.sentAt != nil else { continue }
            byCorrelation[entry.correlationID] = nil
            entry.sentAt = nil
            if entry.subscribed, !entry.handler.survivesReconnect {
                entries[id] = nil
                entry.handler.fail(EventStoreClientError(.connectionClosed, "subscription dropped: connection lost (\(reason))"))
                continue
            }
            entry.subscribed = false
            entries[id] = entry
            if consumeRetry(id, reason: "connection lost: \(reason)", actions: &actions) { requeue.append(id) }
        }
        queue = (requeue + queue).sorted()
    }

    /// A package arrived; returns false when no operation owns its correlation id.
    @discardableResult
    mutating func received(_ package: TCPPackage, now: ContinuousClock.Instant, actions: inout [Action]) -> Bool {
        guard let id = byCorrelation[package.correlationID], let entry = entries[id] else { return false }
        let decision: ReplyDecision
        if entry.subscribed, package.command == .notHandled {
            // After confirmation a NotHandled is an error, not a reason to resubscribe (docs/protocol.md §4.4).
            decision = .fail(EventStoreClientError(.subscriptionDropped,
                                                   "\(entry.command.name): NotHandled after the subscription was confirmed"))
        } else {
            decision = Self.genericDecision(for: package, useTLS: limits.useTLS) ?? entry.handler.handle(package)
        }
        apply(decision, to: id, now: now, actions: &actions)
        return true
    }

    /// Retries attempts that got no reply within the operation timeout.
    mutating func tick(now: ContinuousClock.Instant, actions: inout [Action]) {
        for id in entries.keys.sorted() {
            guard let entry = entries[id], let sentAt = entry.sentAt, !entry.subscribed,
                  now - sentAt >= limits.operationTimeout
            else { continue }
            if limits.failOnNoServerResponse {
                finish(id, with: EventStoreClientError(.operationTimedOut,
                                                       "\(entry.command.name): no response within \(limits.operationTimeout)"))
            } else {
                apply(.retry(reason: "no response within \(limits.operationTimeout)"), to: id, now: now, actions: &actions)
            }
        }
        // Slots freed by failures here or by `cancel` go to queued operations.
        flush(now: now, actions: &actions)
    }

    /// Removes an operation (its caller went away). A live subscription is unsubscribed.
    mutating func cancel(_ id: Int, actions: inout [Action]) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        byCorrelation[entry.correlationID] = nil
        queue.removeAll { $0 == id }
        if entry.sentAt != nil {
            inFlight -= 1
            // A subscription request already on the wire is unsubscribed even before its confirmation:
            // otherwise the server would confirm it later and push events nobody reads.
            let isSubscription = entry.command == .subscribeToStream || entry.command == .filteredSubscribeToStream
            if entry.subscribed || isSubscription, isConnected {
                actions.append(.send(TCPPackage(command: .unsubscribeFromStream, correlationID: entry.correlationID,
                                                credentials: entry.credentials)))
            }
        }
        entry.handler.fail(EventStoreClientError(.cancelled, "\(entry.command.name) cancelled"))
    }

    /// Fails every operation (the client is closing for good).
    mutating func failAll(_ error: EventStoreClientError) {
        let all = entries.values.sorted { $0.id < $1.id }
        entries.removeAll()
        byCorrelation.removeAll()
        queue.removeAll()
        inFlight = 0
        for entry in all { entry.handler.fail(error) }
    }

    /// A view of every operation, for inspectors.
    func snapshots(now: ContinuousClock.Instant) -> [OperationSnapshot] {
        entries.values.sorted { $0.id < $1.id }.map { entry in
            OperationSnapshot(command: entry.command.name, correlationID: entry.correlationID, age: now - entry.created,
                              attempt: entry.attempt, maxAttempts: limits.maxRetries < 0 ? -1 : limits.maxRetries + 1,
                              state: entry.subscribed ? "subscribed" : entry.sentAt == nil ? "queued" : "sent")
        }
    }

    // MARK: Internals

    private mutating func flush(now: ContinuousClock.Instant, actions: inout [Action]) {
        guard isConnected else { return }
        while inFlight < limits.maxConcurrent, !queue.isEmpty {
            let id = queue.removeFirst()
            guard var entry = entries[id] else { continue }
            entry.correlationID = entry.everSent || entry.attempt > 1 ? UUID.random() : entry.correlationID
            entry.sentAt = now
            entry.everSent = true
            entries[id] = entry
            byCorrelation[entry.correlationID] = id
            inFlight += 1
            actions.append(.send(TCPPackage(command: entry.command, correlationID: entry.correlationID,
                                            credentials: entry.credentials, payload: entry.payload)))
        }
    }

    private mutating func apply(_ decision: ReplyDecision, to id: Int, now: ContinuousClock.Instant, actions: inout [Action]) {
        guard entries[id] != nil else { return }
        switch decision {
        case .keep:
            entries[id]!.subscribed = true
        case .complete:
            remove(id)
            flush(now: now, actions: &actions)
        case .unsubscribe:
            let entry = entries[id]!
            remove(id)
            if isConnected {
                actions.append(.send(TCPPackage(command: .unsubscribeFromStream, correlationID: entry.correlationID,
                                                credentials: entry.credentials)))
            }
            flush(now: now, actions: &actions)
        case .fail(let error):
            finish(id, with: error)
            flush(now: now, actions: &actions)
        case .retry(let reason):
            detach(id)
            if consumeRetry(id, reason: reason, actions: &actions) {
                queue.append(id)
                queue.sort()
            }
            flush(now: now, actions: &actions)
        case .reconnect(let endpoint, let reason):
            detach(id)
            if consumeRetry(id, reason: reason, actions: &actions) {
                queue.append(id)
                queue.sort()
                actions.append(.reconnect(endpoint))
            } else {
                flush(now: now, actions: &actions)
            }
        }
    }

    /// Takes an in-flight entry off the wire (its correlation id is retired).
    private mutating func detach(_ id: Int) {
        guard var entry = entries[id] else { return }
        byCorrelation[entry.correlationID] = nil
        if entry.sentAt != nil { inFlight -= 1 }
        entry.sentAt = nil
        entry.subscribed = false
        entries[id] = entry
    }

    /// Counts a retry; fails (and removes) the operation when the budget is spent.
    private mutating func consumeRetry(_ id: Int, reason: String, actions: inout [Action]) -> Bool {
        guard var entry = entries[id] else { return false }
        entry.attempt += 1
        entries[id] = entry
        if limits.maxRetries >= 0, entry.attempt > limits.maxRetries + 1 {
            let code: EventStoreClientError.Code = entry.handler.isWrite && entry.everSent ? .outcomeUnknown : .retryLimitReached
            let message = "\(entry.command.name): retry limit reached after \(entry.attempt - 1) attempts (last: \(reason))"
                + (code == .outcomeUnknown ? "; the write may or may not have been applied" : "")
            finish(id, with: EventStoreClientError(code, message))
            return false
        }
        actions.append(.retried(command: entry.command, attempt: entry.attempt, reason: reason))
        return true
    }

    private mutating func finish(_ id: Int, with error: EventStoreClientError) {
        guard let entry = entries[id] else { return }
        remove(id)
        entry.handler.fail(error)
    }

    private mutating func remove(_ id: Int) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        byCorrelation[entry.correlationID] = nil
        queue.removeAll { $0 == id }
        if entry.sentAt != nil { inFlight -= 1 }
    }

    /// Replies every operation treats the same way (docs/protocol.md §4.4).
    static func genericDecision(for reply: TCPPackage, useTLS: Bool) -> ReplyDecision? {
        switch reply.command {
        case .notHandled:
            guard let notHandled = try? reply.decodeMessage(as: ESNotHandled.self) else {
                return .fail(EventStoreClientError(.protocolViolation, "undecodable NotHandled"))
            }
            switch notHandled.reason {
            case .notReady: return .retry(reason: "server not ready")
            case .tooBusy: return .retry(reason: "server too busy")
            case .isReadOnly: return .fail(EventStoreClientError(.isReadOnly, "the node is read-only"))
            case .notLeader:
                guard let info = try? ESNotHandled.LeaderInfo(serializedBytes: notHandled.additionalInfo, partial: true),
                      info.hasExternalTcpAddress || info.hasExternalSecureTcpAddress
                else { return .fail(EventStoreClientError(.protocolViolation, "NotLeader without leader information")) }
                // Like the .NET client: the secure endpoint for TLS connections, the plain one otherwise;
                // whichever exists when only one is advertised.
                let secure = info.hasExternalSecureTcpAddress && (useTLS || !info.hasExternalTcpAddress)
                let host = secure ? info.externalSecureTcpAddress : info.externalTcpAddress
                let port = secure ? info.externalSecureTcpPort : info.externalTcpPort
                return .reconnect(Endpoint(host: host, port: Int(port)), reason: "not leader")
            }
        case .notAuthenticated:
            return .fail(EventStoreClientError(.notAuthenticated, "not authenticated: \(String(buffer: reply.payload))"))
        case .badRequest:
            return .fail(EventStoreClientError(.badRequest, "bad request: \(String(buffer: reply.payload))"))
        default:
            return nil
        }
    }
}
