import EventStoreWire
import Foundation

/// The connection lifecycle of docs/protocol.md §4.1–§4.4 as a pure state machine, with time passed in:
/// discover → connect → (TLS) → authenticate → identify → connected → dropped → wait → discover again,
/// plus heartbeats, handshake deadlines, leader redirects and the reconnection budget.
///
/// It performs no I/O. ``ConnectionDriver`` feeds it what happened (a channel connected, a package
/// arrived, a timer ticked) and executes the ``Action``s it returns, in order. Every channel and every
/// discovery belongs to a *generation*; events of an older generation are ignored, so a late close or
/// a late reply of a dropped connection can never disturb the current one.
struct ConnectionStateMachine {
    /// What the machine needs to know of the client configuration.
    struct Settings {
        var credentials: TCPCredentials?
        var connectionName: String
        /// How long the TLS handshake, Authenticate and IdentifyClient may each take.
        var handshakeTimeout: Duration
        var heartbeatInterval: Duration
        var heartbeatTimeout: Duration
        var maxReconnections: Int
        var reconnectionDelay: Duration
    }

    /// Work for the driver.
    enum Action: Equatable {
        /// Publish a phase change.
        case phase(ConnectionPhase)
        /// Run discovery (avoiding the node that just failed) and report back with this generation.
        case discover(avoiding: Endpoint?, generation: Int)
        /// Open a channel to the endpoint and report back with this generation.
        case connect(Endpoint, generation: Int)
        /// Write a lifecycle package (Authenticate, IdentifyClient, heartbeats) on the current channel.
        case send(TCPPackage)
        /// Close the current channel; its drop has already been handled.
        case closeChannel
        /// The connection is ready: operations may be sent.
        case connectionEstablished
        /// The connection is gone: operations wait for the next one.
        case connectionLost(reason: String)
        /// Call ``reconnectDelayElapsed(generation:)`` after this delay.
        case scheduleReconnect(after: Duration, generation: Int)
        case authenticationFailed(reason: String)
        case heartbeatRoundTrip(Duration)
        case redirected(to: Endpoint)
        /// Closed for good: fail every operation, end the event streams.
        case shutDown(reason: String)
    }

    /// Where a received package goes.
    enum Delivery: Equatable {
        /// It belongs to a dropped connection.
        case stale
        /// The lifecycle consumed it (heartbeat, handshake reply, connection-level BadRequest).
        case consumed
        /// It is a reply for the operation table.
        case forward
    }

    let settings: Settings
    private(set) var phase = ConnectionPhase.idle
    /// The generation of the current discovery or channel.
    private(set) var generation = 0
    private(set) var reconnections = 0
    private(set) var heartbeatTimeouts = 0
    private(set) var redirects = 0
    private var endpoint: Endpoint?
    private var failedEndpoint: Endpoint?
    private var redirectTo: Endpoint?
    private var hasChannel = false
    private var heartbeat: HeartbeatStateMachine?
    private var handshake: (id: UUID, deadline: ContinuousClock.Instant)?
    private var reconnect: ReconnectPolicy

    init(settings: Settings) {
        self.settings = settings
        self.reconnect = ReconnectPolicy(maxReconnections: settings.maxReconnections, delay: settings.reconnectionDelay)
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    // MARK: Driver events

    /// The client starts: the first discovery.
    mutating func start() -> [Action] {
        guard case .idle = phase else { return [] }
        var actions: [Action] = []
        beginDiscovery(&actions)
        return actions
    }

    /// Discovery of `generation` found a node.
    mutating func discovered(_ endpoint: Endpoint, generation: Int) -> [Action] {
        guard generation == self.generation, !isClosed else { return [] }
        var actions: [Action] = []
        connect(to: endpoint, &actions)
        return actions
    }

    /// Discovery of `generation` failed.
    mutating func discoveryFailed(generation: Int, reason: String) -> [Action] {
        guard generation == self.generation, !isClosed else { return [] }
        var actions: [Action] = []
        scheduleReconnect(after: reason, &actions)
        return actions
    }

    /// The connect attempt of `generation` failed; that node is avoided by the next discovery.
    mutating func connectFailed(generation: Int, reason: String) -> [Action] {
        guard generation == self.generation, !isClosed else { return [] }
        failedEndpoint = endpoint
        var actions: [Action] = []
        scheduleReconnect(after: reason, &actions)
        return actions
    }

    /// The channel of `generation` is open. Returns `nil` when it is stale and must be closed.
    mutating func channelConnected(generation: Int, secured: Bool, now: ContinuousClock.Instant) -> [Action]? {
        guard generation == self.generation, !isClosed, let endpoint else { return nil }
        hasChannel = true
        var actions: [Action] = []
        if secured {
            // Heartbeats start once TLS is up; the handshake deadline covers the TLS handshake too.
            set(.tlsHandshake(endpoint), &actions)
            handshake = (UUID(), now + settings.handshakeTimeout)
        } else {
            beginSession(now: now, &actions)
        }
        return actions
    }

    /// The TLS handshake on the channel of `generation` finished.
    mutating func tlsEstablished(generation: Int, now: ContinuousClock.Instant) -> [Action] {
        guard generation == self.generation, !isClosed, hasChannel, case .tlsHandshake = phase else { return [] }
        var actions: [Action] = []
        beginSession(now: now, &actions)
        return actions
    }

    /// A package arrived on the channel of `generation`.
    mutating func received(_ package: TCPPackage, generation: Int, now: ContinuousClock.Instant,
                           _ actions: inout [Action]) -> Delivery {
        guard generation == self.generation, !isClosed, hasChannel else { return .stale }
        if let roundTrip = heartbeat?.received(correlationID: package.correlationID, now: now) {
            actions.append(.heartbeatRoundTrip(roundTrip))
        }
        switch package.command {
        case .heartbeatRequest:
            actions.append(.send(TCPPackage(command: .heartbeatResponse, correlationID: package.correlationID)))
            return .consumed
        case .heartbeatResponse:
            return .consumed
        case .badRequest where package.correlationID == .zero:
            let text = String(buffer: package.payload)
            drop(reason: "the server closed the connection: \(text.isEmpty ? "bad request" : text)", &actions)
            return .consumed
        default:
            break
        }
        // Anything else is for the operation table, which ignores ids it does not know (such as a late
        // reply to an Authenticate that already timed out).
        guard let handshake, package.correlationID == handshake.id else { return .forward }
        switch package.command {
        case .authenticated:
            identify(now: now, &actions)
        case .notAuthenticated:
            let reason = String(buffer: package.payload)
            actions.append(.authenticationFailed(reason: reason.isEmpty ? "not authenticated" : reason))
            identify(now: now, &actions)
        case .clientIdentified:
            identified(&actions)
        default:
            drop(reason: "unexpected \(package.command.name) during the handshake", &actions)
        }
        return .consumed
    }

    /// Time passed: heartbeat probes and timeouts, handshake deadlines.
    mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        guard !isClosed, hasChannel else { return [] }
        var actions: [Action] = []
        if var heartbeat {
            let decision = heartbeat.tick(now: now)
            self.heartbeat = heartbeat
            switch decision {
            case .none: break
            case .sendRequest(let id): actions.append(.send(TCPPackage(command: .heartbeatRequest, correlationID: id)))
            case .timedOut:
                heartbeatTimeouts += 1
                drop(reason: "heartbeat timeout", &actions)
                return actions
            }
        }
        guard let handshake, now >= handshake.deadline, let endpoint else { return actions }
        switch phase {
        case .tlsHandshake:
            drop(reason: "TLS handshake with \(endpoint) did not finish within \(settings.handshakeTimeout)", &actions)
        case .authenticating:
            actions.append(.authenticationFailed(reason: "no reply to Authenticate within \(settings.handshakeTimeout)"))
            identify(now: now, &actions)
        default:
            drop(reason: "no reply to IdentifyClient within \(settings.handshakeTimeout)", &actions)
        }
        return actions
    }

    /// The channel of `generation` closed by itself (peer closed, I/O error, TLS failure).
    mutating func channelClosed(generation: Int, reason: String) -> [Action] {
        guard generation == self.generation, !isClosed, hasChannel else { return [] }
        var actions: [Action] = []
        lose(reason: reason, &actions)
        return actions
    }

    /// The reconnection delay scheduled for `generation` elapsed.
    mutating func reconnectDelayElapsed(generation: Int) -> [Action] {
        guard generation == self.generation, !isClosed, case .waitingToReconnect = phase else { return [] }
        var actions: [Action] = []
        beginDiscovery(&actions)
        return actions
    }

    /// The operation table was told to go to the leader at `target` (NotHandled/NotLeader).
    mutating func redirect(to target: Endpoint) -> [Action] {
        guard !isClosed, redirectTo == nil else { return [] }
        redirects += 1
        redirectTo = target
        var actions: [Action] = [.redirected(to: target)]
        if hasChannel {
            drop(reason: "redirected to the leader at \(target)", &actions)
        }
        return actions
    }

    /// The client closes for good.
    mutating func close(reason: String) -> [Action] {
        guard !isClosed else { return [] }
        var actions: [Action] = []
        if hasChannel { actions.append(.closeChannel) }
        hasChannel = false
        heartbeat = nil
        handshake = nil
        generation += 1
        set(.closed(reason: reason), &actions)
        actions.append(.shutDown(reason: reason))
        return actions
    }

    // MARK: Steps

    private mutating func set(_ new: ConnectionPhase, _ actions: inout [Action]) {
        phase = new
        actions.append(.phase(new))
    }

    private mutating func beginDiscovery(_ actions: inout [Action]) {
        if let target = redirectTo {
            redirectTo = nil
            connect(to: target, &actions)
            return
        }
        generation += 1
        set(.discovering(attempt: reconnect.attempts + 1), &actions)
        actions.append(.discover(avoiding: failedEndpoint, generation: generation))
    }

    private mutating func connect(to endpoint: Endpoint, _ actions: inout [Action]) {
        self.endpoint = endpoint
        generation += 1
        set(.connecting(endpoint), &actions)
        actions.append(.connect(endpoint, generation: generation))
    }

    private mutating func beginSession(now: ContinuousClock.Instant, _ actions: inout [Action]) {
        heartbeat = HeartbeatStateMachine(interval: settings.heartbeatInterval, timeout: settings.heartbeatTimeout, now: now)
        guard let credentials = settings.credentials, let endpoint else {
            identify(now: now, &actions)
            return
        }
        set(.authenticating(endpoint), &actions)
        let id = UUID()
        handshake = (id, now + settings.handshakeTimeout)
        actions.append(.send(TCPPackage(command: .authenticate, correlationID: id, credentials: credentials)))
    }

    private mutating func identify(now: ContinuousClock.Instant, _ actions: inout [Action]) {
        guard let endpoint else { return }
        set(.identifying(endpoint), &actions)
        var message = ESIdentifyClient()
        message.version = 1
        message.connectionName = settings.connectionName
        let id = UUID()
        handshake = (id, now + settings.handshakeTimeout)
        actions.append(.send(TCPPackage(command: .identifyClient, correlationID: id, message: message)))
    }

    private mutating func identified(_ actions: inout [Action]) {
        guard let endpoint else { return }
        handshake = nil
        reconnect.connected()
        failedEndpoint = nil
        set(.connected(endpoint), &actions)
        actions.append(.connectionEstablished)
    }

    /// Drops the current channel for `reason` (handled now) and has the driver close it.
    private mutating func drop(reason: String, _ actions: inout [Action]) {
        lose(reason: reason, &actions)
        actions.append(.closeChannel)
    }

    private mutating func lose(reason: String, _ actions: inout [Action]) {
        hasChannel = false
        heartbeat = nil
        handshake = nil
        generation += 1
        actions.append(.connectionLost(reason: reason))
        set(.dropped(endpoint, reason: reason), &actions)
        scheduleReconnect(after: reason, &actions)
    }

    private mutating func scheduleReconnect(after reason: String, _ actions: inout [Action]) {
        switch reconnect.connectionLost() {
        case .giveUp(let attempts):
            let closing = close(reason: "gave up after \(attempts) reconnection attempts (last: \(reason))")
            actions.append(contentsOf: closing)
        case .reconnect(let attempt, let delay):
            reconnections += 1
            let wait = redirectTo != nil ? Duration.zero : delay
            set(.waitingToReconnect(attempt: attempt, maxAttempts: settings.maxReconnections, after: wait), &actions)
            actions.append(.scheduleReconnect(after: wait, generation: generation))
        }
    }
}
