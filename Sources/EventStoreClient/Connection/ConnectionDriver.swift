import EventStoreWire
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Runs the connection lifecycle and the operation table on one event loop: discovery,
/// connect, authenticate, identify, heartbeats, drops and reconnects (protocol.md §4.1–§4.4).
///
/// Every method must be called on `eventLoop`. ``EventStoreClient`` is its thread-safe face.
final class ConnectionDriver {
    /// Finds the node to connect to; `failed` is the endpoint that just failed, to avoid.
    typealias Discover = @Sendable (_ failed: Endpoint?) async throws -> Endpoint
    /// Adds TLS (or nothing) in front of the framing handlers for a new channel.
    typealias ChannelSetup = @Sendable (_ channel: any Channel, _ endpoint: Endpoint) throws -> Void

    let configuration: ClientConfiguration
    let eventLoop: any EventLoop
    let events: EventBroadcaster<ClientEvent>
    private let discover: Discover
    private let channelSetup: ChannelSetup
    private let logger: Logger

    private(set) var phase = ConnectionPhase.idle
    private(set) var counters = ConnectionCounters()
    private var table: OperationTable
    private var reconnect: ReconnectPolicy
    private var channel: (any Channel)?
    private var generation = 0
    private var heartbeat: HeartbeatStateMachine?
    private var handshake: (id: UUID, deadline: ContinuousClock.Instant)?
    private var endpoint: Endpoint?
    private var failedEndpoint: Endpoint?
    private var redirectTo: Endpoint?
    private var timer: RepeatedTask?
    private var needsFlush = false
    private var waitingForRoom: [() -> Void] = []
    private var closed = false

    init(configuration: ClientConfiguration, eventLoop: any EventLoop, events: EventBroadcaster<ClientEvent>,
         discover: @escaping Discover, channelSetup: @escaping ChannelSetup, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.events = events
        self.discover = discover
        self.channelSetup = channelSetup
        self.logger = logger
        self.table = OperationTable(limits: .init(
            maxRetries: configuration.maxRetries, operationTimeout: configuration.operationTimeout,
            maxConcurrent: configuration.maxConcurrentItems, failOnNoServerResponse: configuration.failOnNoServerResponse))
        self.reconnect = ReconnectPolicy(maxReconnections: configuration.maxReconnections, delay: configuration.reconnectionDelay)
    }

    // MARK: Lifecycle

    /// Starts the first discovery and the housekeeping timer.
    func start() {
        eventLoop.preconditionInEventLoop()
        guard case .idle = phase else { return }
        let tick = TimeAmount.milliseconds(50)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in loopBound.value.tick() }
        beginDiscovery()
    }

    /// Closes for good: fails every operation and ends the event streams.
    func close(reason: String) {
        guard !closed else { return }
        closed = true
        timer?.cancel()
        timer = nil
        generation += 1
        channel?.close(promise: nil)
        channel = nil
        table.failAll(EventStoreClientError(.connectionClosed, "connection closed: \(reason)"))
        let waiting = waitingForRoom
        waitingForRoom = []
        waiting.forEach { $0() }
        setPhase(.closed(reason: reason))
        events.finish()
    }

    var isClosed: Bool { closed }

    private func setPhase(_ new: ConnectionPhase) {
        phase = new
        events.yield(.phaseChanged(new, at: Date()))
        logger.debug("phase: \(new)")
    }

    private func beginDiscovery() {
        guard !closed else { return }
        let attempt = reconnect.attempts + 1
        if let target = redirectTo {
            redirectTo = nil
            connect(to: target)
            return
        }
        setPhase(.discovering(attempt: attempt))
        let (discover, failed, generation) = (self.discover, failedEndpoint, self.generation)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        Task {
            do {
                let endpoint = try await discover(failed)
                eventLoop.execute { loopBound.value.discovered(endpoint, generation: generation) }
            } catch {
                eventLoop.execute { loopBound.value.attemptFailed(generation: generation, reason: "discovery failed: \(error)") }
            }
        }
    }

    private func discovered(_ endpoint: Endpoint, generation: Int) {
        guard generation == self.generation, !closed else { return }
        connect(to: endpoint)
    }

    private func connect(to endpoint: Endpoint) {
        self.endpoint = endpoint
        setPhase(.connecting(endpoint))
        generation += 1
        let generation = self.generation
        let channelSetup = self.channelSetup
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let timeout = TimeAmount.nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000
            + configuration.connectTimeout.components.attoseconds / 1_000_000_000)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channelSetup(channel, endpoint)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(TCPFrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        ClientChannelHandler(driver: loopBound.value, generation: generation))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                switch result {
                case .success(let channel): loopBound.value.channelConnected(channel, generation: generation)
                case .failure(let error):
                    loopBound.value.failedEndpoint = endpoint
                    loopBound.value.attemptFailed(generation: generation, reason: "cannot connect to \(endpoint): \(error)")
                }
            }
    }

    private func channelConnected(_ channel: any Channel, generation: Int) {
        guard generation == self.generation, !closed else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        if let tlsCompleted = ClientTLS.handshakeCompleted(on: channel) {
            // Heartbeats and the handshake deadline start once TLS is up; a failed handshake closes
            // the channel, which arrives as `connectionClosed` with the TLS reason.
            setPhase(.tlsHandshake(endpoint!))
            handshake = (UUID(), .now + configuration.operationTimeout)
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            tlsCompleted.whenSuccess { loopBound.value.tlsEstablished(generation: generation) }
            return
        }
        beginSession()
    }

    private func tlsEstablished(generation: Int) {
        guard generation == self.generation, !closed, channel != nil else { return }
        beginSession()
    }

    /// Starts heartbeats and the Authenticate/IdentifyClient handshake on a connected (and secured) channel.
    private func beginSession() {
        let now = ContinuousClock.now
        heartbeat = HeartbeatStateMachine(interval: configuration.heartbeatInterval, timeout: configuration.heartbeatTimeout,
                                          now: now)
        if let credentials = configuration.defaultCredentials {
            setPhase(.authenticating(endpoint!))
            let id = UUID()
            handshake = (id, now + configuration.operationTimeout)
            write(TCPPackage(command: .authenticate, correlationID: id, credentials: credentials.wire))
        } else {
            identify(now: now)
        }
        flushIfNeeded()
    }

    private func identify(now: ContinuousClock.Instant) {
        setPhase(.identifying(endpoint!))
        var identify = ESIdentifyClient()
        identify.version = 1
        identify.connectionName = configuration.connectionName
        let id = UUID()
        handshake = (id, now + configuration.operationTimeout)
        write(TCPPackage(command: .identifyClient, correlationID: id, message: identify))
    }

    private func identified(now: ContinuousClock.Instant) {
        handshake = nil
        reconnect.connected()
        failedEndpoint = nil
        setPhase(.connected(endpoint!))
        var actions: [OperationTable.Action] = []
        table.connectionEstablished(now: now, actions: &actions)
        run(actions)
    }

    /// A connect or discovery attempt failed before a connection existed.
    private func attemptFailed(generation: Int, reason: String) {
        guard generation == self.generation, !closed else { return }
        logger.info("\(reason)")
        scheduleReconnect(after: reason, endpoint: endpoint)
    }

    /// The channel of `generation` closed.
    func connectionClosed(generation: Int, reason: String) {
        guard generation == self.generation, !closed else { return }
        self.generation += 1
        channel = nil
        heartbeat = nil
        handshake = nil
        var actions: [OperationTable.Action] = []
        table.connectionLost(reason: reason, actions: &actions)
        run(actions)
        setPhase(.dropped(endpoint, reason: reason))
        scheduleReconnect(after: reason, endpoint: endpoint)
    }

    private func scheduleReconnect(after reason: String, endpoint: Endpoint?) {
        switch reconnect.connectionLost() {
        case .giveUp(let attempts):
            close(reason: "gave up after \(attempts) reconnection attempts (last: \(reason))")
        case .reconnect(let attempt, let delay):
            counters.reconnections += 1
            let target = redirectTo != nil ? Duration.zero : delay
            setPhase(.waitingToReconnect(attempt: attempt, maxAttempts: configuration.maxReconnections, after: target))
            let generation = self.generation
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.scheduleTask(in: .nanoseconds(Int64(target.components.seconds) * 1_000_000_000
                                                    + target.components.attoseconds / 1_000_000_000)) {
                let driver = loopBound.value
                guard generation == driver.generation, !driver.closed else { return }
                driver.beginDiscovery()
            }
        }
    }

    // MARK: Traffic

    func received(_ package: TCPPackage, generation: Int) {
        guard generation == self.generation, !closed else { return }
        let now = ContinuousClock.now
        counters.packagesIn += 1
        counters.bytesIn += package.encodedLength + 4
        if let roundTrip = heartbeat?.received(correlationID: package.correlationID, now: now) {
            events.yield(.heartbeatRoundTrip(roundTrip))
        }
        switch package.command {
        case .heartbeatRequest:
            write(TCPPackage(command: .heartbeatResponse, correlationID: package.correlationID))
            return
        case .heartbeatResponse:
            return
        case .badRequest where package.correlationID == .zero:
            logger.warning("server closed the connection: \(String(buffer: package.payload))")
            channel?.close(promise: nil)
            return
        default:
            break
        }
        if let handshake, package.correlationID == handshake.id {
            handleHandshakeReply(package, now: now)
            return
        }
        var actions: [OperationTable.Action] = []
        if !table.received(package, now: now, actions: &actions) {
            logger.debug("ignoring \(package.command.name) for unknown id \(package.correlationID)")
        }
        run(actions)
        admitWaiting()
    }

    private func handleHandshakeReply(_ package: TCPPackage, now: ContinuousClock.Instant) {
        switch package.command {
        case .authenticated:
            identify(now: now)
        case .notAuthenticated:
            events.yield(.authenticationFailed(reason: String(buffer: package.payload)))
            identify(now: now)
        case .clientIdentified:
            identified(now: now)
        default:
            logger.warning("unexpected \(package.command.name) during the handshake")
            channel?.close(promise: nil)
        }
    }

    private func tick() {
        guard !closed else { return }
        let now = ContinuousClock.now
        if var heartbeat, channel != nil {
            let action = heartbeat.tick(now: now)
            self.heartbeat = heartbeat
            switch action {
            case .none: break
            case .sendRequest(let id): write(TCPPackage(command: .heartbeatRequest, correlationID: id))
            case .timedOut:
                counters.heartbeatTimeouts += 1
                logger.info("heartbeat timeout")
                closeChannel(reason: "heartbeat timeout")
                return
            }
        }
        if let handshake, now >= handshake.deadline {
            if case .tlsHandshake(let endpoint) = phase, let channel {
                // Drop first: closing fires channelInactive at once, which would report a plain close.
                connectionClosed(generation: generation,
                                 reason: "TLS handshake with \(endpoint) did not finish within \(configuration.operationTimeout)")
                channel.close(promise: nil)
                return
            } else if case .authenticating = phase {
                events.yield(.authenticationFailed(reason: "no reply to Authenticate within \(configuration.operationTimeout)"))
                identify(now: now)
            } else {
                closeChannel(reason: "no reply to IdentifyClient within \(configuration.operationTimeout)")
                return
            }
        }
        var actions: [OperationTable.Action] = []
        table.tick(now: now, actions: &actions)
        run(actions)
        admitWaiting()
        flushIfNeeded()
    }

    /// Closes the current channel; the close arrives as `connectionClosed` with this reason.
    private func closeChannel(reason: String) {
        guard let channel else { return }
        let generation = self.generation
        // Record the drop first: closing fires channelInactive at once, with a generic reason.
        connectionClosed(generation: generation, reason: reason)
        channel.close(promise: nil)
    }

    private func write(_ package: TCPPackage) {
        guard let channel else { return }
        counters.packagesOut += 1
        counters.bytesOut += package.encodedLength + 4
        channel.write(package, promise: nil)
        needsFlush = true
    }

    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        channel?.flush()
    }

    private func run(_ actions: [OperationTable.Action]) {
        for action in actions {
            switch action {
            case .send(let package):
                write(package)
            case .retried(let command, let attempt, let reason):
                counters.retries += 1
                events.yield(.operationRetried(command: command.name, attempt: attempt, reason: reason))
            case .reconnect(let target):
                guard redirectTo == nil else { continue }
                counters.redirects += 1
                redirectTo = target
                events.yield(.redirected(to: target))
                closeChannel(reason: "redirected to the leader at \(target)")
            }
        }
        flushIfNeeded()
    }

    // MARK: Operations

    /// Adds an operation, or waits for room when `maxQueueSize` operations are pending.
    func submit(command: TCPCommand, payload: ByteBuffer, credentials: TCPCredentials?, handler: any OperationHandler,
                registered: @escaping (Int) -> Void) {
        guard !closed else {
            handler.fail(EventStoreClientError(.connectionClosed, "the client is closed"))
            return
        }
        guard table.count < configuration.maxQueueSize else {
            waitingForRoom.append { [unowned self] in
                self.submit(command: command, payload: payload, credentials: credentials, handler: handler,
                            registered: registered)
            }
            return
        }
        var actions: [OperationTable.Action] = []
        let id = table.enqueue(command: command, payload: payload, credentials: credentials, handler: handler,
                               now: .now, actions: &actions)
        registered(id)
        run(actions)
    }

    private func admitWaiting() {
        while !waitingForRoom.isEmpty, table.count < configuration.maxQueueSize || closed {
            waitingForRoom.removeFirst()()
        }
    }

    func cancel(_ id: Int) {
        var actions: [OperationTable.Action] = []
        table.cancel(id, actions: &actions)
        run(actions)
        admitWaiting()
    }

    func snapshots() -> [OperationSnapshot] {
        table.snapshots(now: .now)
    }
}
