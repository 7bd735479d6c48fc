import EventStoreWire
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Executes the connection lifecycle (``ConnectionStateMachine``) and the operation table
/// (``OperationTable``) on one event loop: it owns the channel, the timers and the discovery tasks,
/// feeds both machines what happens and carries out their actions.
///
/// Every method must be called on `eventLoop`. ``EventStoreClient`` is its thread-safe face.
final class ConnectionDriver {
    /// Finds the node to connect to; `failed` is the endpoint that just failed, to avoid.
    typealias Discover = @Sendable (_ failed: Endpoint?) async throws -> Endpoint
    /// Adds TLS (or nothing) in front of the framing handlers for a new channel.
    typealias ChannelSetup = @Sendable (_ channel: any Channel, _ endpoint: Endpoint) throws -> Void
    /// Opens a channel to an endpoint on the driver's event loop, running `initialize` on it first.
    typealias Connector = @Sendable (
        _ endpoint: Endpoint, _ eventLoop: any EventLoop, _ connectTimeout: TimeAmount,
        _ initialize: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel>

    /// The production connector: a TCP connection with `TCP_NODELAY`.
    static let tcpConnector: Connector = { endpoint, eventLoop, connectTimeout, initialize in
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer(initialize)
            .connect(host: endpoint.host, port: endpoint.port)
    }

    let configuration: ClientConfiguration
    let eventLoop: any EventLoop
    let events: EventBroadcaster<ClientEvent>
    private let discover: Discover
    private let channelSetup: ChannelSetup
    private let connector: Connector
    private let logger: Logger

    private var lifecycle: ConnectionStateMachine
    private var table: OperationTable
    private var traffic = ConnectionCounters()
    private var channel: (any Channel)?
    private var timer: RepeatedTask?
    private var needsFlush = false
    private var flushScheduled = false
    private var waitingForRoom: [() -> Void] = []

    init(configuration: ClientConfiguration, eventLoop: any EventLoop, events: EventBroadcaster<ClientEvent>,
         discover: @escaping Discover, channelSetup: @escaping ChannelSetup, connector: @escaping Connector = tcpConnector,
         logger: Logger) {
        self.configuration = configuration
        self.connector = connector
        self.eventLoop = eventLoop
        self.events = events
        self.discover = discover
        self.channelSetup = channelSetup
        self.logger = logger
        self.table = OperationTable(limits: .init(
            maxRetries: configuration.maxRetries, operationTimeout: configuration.operationTimeout,
            maxConcurrent: configuration.maxConcurrentItems, failOnNoServerResponse: configuration.failOnNoServerResponse,
            useTLS: configuration.tls != nil))
        self.lifecycle = ConnectionStateMachine(settings: .init(
            credentials: configuration.defaultCredentials?.wire, connectionName: configuration.connectionName,
            handshakeTimeout: configuration.operationTimeout, heartbeatInterval: configuration.heartbeatInterval,
            heartbeatTimeout: configuration.heartbeatTimeout, maxReconnections: configuration.maxReconnections,
            reconnectionDelay: configuration.reconnectionDelay))
    }

    var phase: ConnectionPhase { lifecycle.phase }

    var counters: ConnectionCounters {
        var counters = traffic
        counters.reconnections = lifecycle.reconnections
        counters.heartbeatTimeouts = lifecycle.heartbeatTimeouts
        counters.redirects = lifecycle.redirects
        return counters
    }

    var isClosed: Bool { lifecycle.isClosed }

    // MARK: Lifecycle

    /// Starts the first discovery and the housekeeping timer.
    func start() {
        eventLoop.preconditionInEventLoop()
        guard case .idle = lifecycle.phase else { return }
        let tick = TimeAmount.milliseconds(50)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in loopBound.value.tick() }
        perform(lifecycle.start())
    }

    /// Closes for good: fails every operation and ends the event streams.
    func close(reason: String) {
        perform(lifecycle.close(reason: reason))
    }

    /// Carries out the lifecycle's actions in order.
    private func perform(_ actions: [ConnectionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .phase(let phase):
                events.yield(.phaseChanged(phase, at: Date()))
                logger.debug("phase: \(phase)")
            case .discover(let avoiding, let generation):
                startDiscovery(avoiding: avoiding, generation: generation)
            case .connect(let endpoint, let generation):
                connect(to: endpoint, generation: generation)
            case .send(let package):
                write(package)
            case .closeChannel:
                let channel = self.channel
                self.channel = nil
                channel?.close(promise: nil)
            case .connectionEstablished:
                var operations: [OperationTable.Action] = []
                table.connectionEstablished(now: .now, actions: &operations)
                run(operations)
            case .connectionLost(let reason):
                logger.info("\(reason)")
                var operations: [OperationTable.Action] = []
                table.connectionLost(reason: reason, actions: &operations)
                run(operations)
            case .scheduleReconnect(let delay, let generation):
                let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
                eventLoop.scheduleTask(in: Self.timeAmount(delay)) {
                    let driver = loopBound.value
                    driver.perform(driver.lifecycle.reconnectDelayElapsed(generation: generation))
                }
            case .authenticationFailed(let reason):
                events.yield(.authenticationFailed(reason: reason))
            case .heartbeatRoundTrip(let roundTrip):
                events.yield(.heartbeatRoundTrip(roundTrip))
            case .redirected(let target):
                events.yield(.redirected(to: target))
            case .shutDown(let reason):
                timer?.cancel()
                timer = nil
                table.failAll(EventStoreClientError(.connectionClosed, "connection closed: \(reason)"))
                let waiting = waitingForRoom
                waitingForRoom = []
                waiting.forEach { $0() }
                events.finish()
            }
        }
        flushIfNeeded()
    }

    private func startDiscovery(avoiding failed: Endpoint?, generation: Int) {
        let discover = self.discover
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        Task {
            do {
                let endpoint = try await discover(failed)
                eventLoop.execute {
                    let driver = loopBound.value
                    driver.perform(driver.lifecycle.discovered(endpoint, generation: generation))
                }
            } catch {
                eventLoop.execute {
                    let driver = loopBound.value
                    driver.perform(driver.lifecycle.discoveryFailed(generation: generation, reason: "discovery failed: \(error)"))
                }
            }
        }
    }

    private func connect(to endpoint: Endpoint, generation: Int) {
        let channelSetup = self.channelSetup
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let opened = connector(endpoint, eventLoop, Self.timeAmount(configuration.connectTimeout)) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channelSetup(channel, endpoint)
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
                try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(TCPFrameEncoder()))
                try channel.pipeline.syncOperations.addHandler(
                    ClientChannelHandler(driver: loopBound.value, generation: generation))
            }
        }
        opened.whenComplete { result in
            let driver = loopBound.value
            switch result {
            case .success(let channel):
                driver.channelConnected(channel, generation: generation)
            case .failure(let error):
                driver.perform(driver.lifecycle.connectFailed(generation: generation,
                                                              reason: "cannot connect to \(endpoint): \(error)"))
            }
        }
    }

    private func channelConnected(_ channel: any Channel, generation: Int) {
        let tlsCompleted = ClientTLS.handshakeCompleted(on: channel)
        guard let actions = lifecycle.channelConnected(generation: generation, secured: tlsCompleted != nil, now: .now) else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        if let tlsCompleted {
            // A failed TLS handshake closes the channel, which arrives as `connectionClosed` with its reason.
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            tlsCompleted.whenSuccess {
                let driver = loopBound.value
                driver.perform(driver.lifecycle.tlsEstablished(generation: generation, now: .now))
            }
        }
        perform(actions)
    }

    /// The channel of `generation` closed.
    func connectionClosed(generation: Int, reason: String) {
        let actions = lifecycle.channelClosed(generation: generation, reason: reason)
        if !actions.isEmpty { channel = nil }
        perform(actions)
    }

    // MARK: Traffic

    func received(_ package: TCPPackage, generation: Int) {
        let now = ContinuousClock.now
        var actions: [ConnectionStateMachine.Action] = []
        let delivery = lifecycle.received(package, generation: generation, now: now, &actions)
        guard delivery != .stale else { return }
        traffic.packagesIn += 1
        traffic.bytesIn += package.encodedLength + 4
        perform(actions)
        guard delivery == .forward else { return }
        var operations: [OperationTable.Action] = []
        if !table.received(package, now: now, actions: &operations) {
            logger.debug("ignoring \(package.command.name) for unknown id \(package.correlationID)")
        }
        run(operations)
        admitWaiting()
    }

    private func tick() {
        guard !lifecycle.isClosed else { return }
        let now = ContinuousClock.now
        perform(lifecycle.tick(now: now))
        var operations: [OperationTable.Action] = []
        table.tick(now: now, actions: &operations)
        run(operations)
        admitWaiting()
        flushIfNeeded()
    }

    private func write(_ package: TCPPackage) {
        guard let channel else { return }
        traffic.packagesOut += 1
        traffic.bytesOut += package.encodedLength + 4
        channel.write(package, promise: nil)
        needsFlush = true
    }

    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        channel?.flush()
    }

    /// Flushes once the loop has run what is already queued on it: operations submitted by many
    /// tasks at once (64 appends in flight) leave in one write instead of one syscall each.
    private func flushSoon() {
        guard needsFlush, !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute {
            let driver = loopBound.value
            driver.flushScheduled = false
            driver.flushIfNeeded()
        }
    }

    private func run(_ actions: [OperationTable.Action]) {
        for action in actions {
            switch action {
            case .send(let package):
                write(package)
            case .retried(let command, let attempt, let reason):
                traffic.retries += 1
                events.yield(.operationRetried(command: command.name, attempt: attempt, reason: reason))
            case .reconnect(let target):
                perform(lifecycle.redirect(to: target))
            }
        }
        flushSoon()
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    // MARK: Operations

    /// Adds an operation, or waits for room when `maxQueueSize` operations are pending.
    func submit(command: TCPCommand, payload: ByteBuffer, credentials: TCPCredentials?, handler: any OperationHandler,
                registered: @escaping (Int) -> Void) {
        guard !lifecycle.isClosed else {
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
        while !waitingForRoom.isEmpty, table.count < configuration.maxQueueSize || lifecycle.isClosed {
            waitingForRoom.removeFirst()()
        }
    }

    /// Sends a package that belongs to operation `id` (Ack/Nak of a persistent subscription) on the
    /// operation's correlation id; false when the operation is not on the wire now.
    func send(_ command: TCPCommand, payload: ByteBuffer, credentials: TCPCredentials?, alongside id: Int) -> Bool {
        guard let correlationID = table.liveCorrelationID(of: id) else { return false }
        run([.send(TCPPackage(command: command, correlationID: correlationID, credentials: credentials, payload: payload))])
        return true
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
