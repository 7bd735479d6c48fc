import EventStoreWire
import Foundation
import Logging
import NIOCore
import SwiftProtobuf

/// Shared by every connection of a node.
struct NodeContext: Sendable {
    let engine: NodeEngine
    let configuration: NodeConfiguration
    let logger: Logger
    /// What `NotHandled(NotLeader)` carries when this node follows another.
    let leaderInfo: ESNotHandled.LeaderInfo?
}

/// One client connection of the node: heartbeats, identification, authentication, and
/// dispatch of each request to the engine (docs/protocol.md §4.1–§4.3, §4.16).
final class NodeConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = TCPPackage
    typealias OutboundOut = TCPPackage

    /// The connection's credentials from `Authenticate`: kept as given and checked again on each
    /// request (cheap: ``UserStore`` remembers verified passwords), so a disabled, deleted or
    /// regrouped account takes effect on the connection's next request, as on the server.
    enum DefaultCredentials {
        case none
        case accepted(TCPCredentials)
        case rejected
    }

    let node: NodeContext
    private(set) var clientVersion = ClientVersion.v1
    private var defaultCredentials = DefaultCredentials.none
    private var heartbeat: ServerHeartbeat?
    private var heartbeatTask: RepeatedTask?
    private var connection: NodeConnection?
    private var context: ChannelHandlerContext?
    private var pendingPackages = 0
    private var pendingBytes = 0
    /// Sizes of the packages not yet written, oldest first.
    private var pendingSizes = PendingSizes()
    private var closing = false
    /// A flush is queued on the event loop: replies written in the same loop tick (a group commit
    /// answers many appends at once) leave in one syscall.
    private var flushQueued = false

    init(node: NodeContext) {
        self.node = node
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        connection = NodeConnection(handler: self, eventLoop: context.eventLoop)
    }

    func channelActive(context: ChannelHandlerContext) {
        let config = node.configuration
        heartbeat = ServerHeartbeat(interval: config.heartbeatInterval, timeout: config.heartbeatTimeout, now: .now())
        let tick = TimeAmount.nanoseconds(max(min(config.heartbeatInterval.nanoseconds, config.heartbeatTimeout.nanoseconds) / 4, 1_000_000))
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        heartbeatTask = context.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in
            loopBound.value.heartbeatTick()
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        heartbeatTask?.cancel()
        heartbeatTask = nil
        if let connection {
            node.engine.hub.removeAll(connection: connection.connectionID)
            node.engine.persistent.removeAll(connection: connection.connectionID)
        }
        connection = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let framing = error as? TCPFramingError {
            node.logger.info("closing connection: \(framing)")
            sendAndClose(TCPPackage(command: .badRequest, correlationID: .zero,
                                    payload: ByteBuffer(string: "Invalid TCP frame received: \(framing)")))
        } else {
            context.close(promise: nil)
        }
    }

    private func heartbeatTick() {
        guard var heartbeat, !closing else { return }
        let action = heartbeat.tick(now: .now())
        self.heartbeat = heartbeat
        switch action {
        case .none: break
        case .sendRequest: send(TCPPackage(command: .heartbeatRequest, correlationID: UUID.random()))
        case .close:
            node.logger.info("closing connection: heartbeat timeout")
            closing = true
            context?.close(promise: nil)
        }
    }

    // MARK: Sending

    /// Writes a package, closing the connection when the client stops reading (send queue limits).
    func send(_ package: TCPPackage) {
        guard let context, !closing else { return }
        let bytes = package.encodedLength + 4
        // As EventStoreDB: only what is already waiting counts, not this package, and not the one the
        // socket is writing now (the oldest), so one large reply (an event of up to 16 MiB) still goes
        // out to a client that reads; a client that does not read is cut off at the limit.
        let waitingBytes = pendingBytes - (pendingSizes.first ?? 0)
        if pendingPackages > node.configuration.maxSendQueuePackages || waitingBytes > node.configuration.maxSendQueueBytes {
            node.logger.warning("closing connection: send queue over \(pendingPackages) packages / \(pendingBytes) bytes")
            // The queue is stuck behind a client that does not read: say why (best effort) and close now.
            closing = true
            let reason = TCPPackage(command: .badRequest, correlationID: .zero,
                                    payload: ByteBuffer(string: "Connection send queue is too large: the client is not reading."))
            context.writeAndFlush(wrapOutboundOut(reason), promise: nil)
            context.close(promise: nil)
            return
        }
        pendingPackages += 1
        pendingBytes += bytes
        pendingSizes.append(bytes)
        let promise = context.eventLoop.makePromise(of: Void.self)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { _ in
            // Writes complete in order: the oldest pending package is the one done.
            let handler = loopBound.value
            handler.pendingPackages -= 1
            handler.pendingBytes -= bytes
            handler.pendingSizes.removeFirst()
        }
        context.write(wrapOutboundOut(package), promise: promise)
        queueFlush(context)
        heartbeat?.sent(now: .now())
    }

    /// Flushes once the loop has run what is already queued on it (replies delivered together).
    private func queueFlush(_ context: ChannelHandlerContext) {
        guard !flushQueued else { return }
        flushQueued = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushQueued = false
            context.flush()
        }
    }

    private func sendAndClose(_ package: TCPPackage) {
        guard let context, !closing else { return }
        closing = true
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(package)).whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    private func reply(_ command: TCPCommand, to request: TCPPackage, _ message: some SwiftProtobuf.Message) {
        send(TCPPackage(command: command, correlationID: request.correlationID, message: message))
    }

    private func badRequest(_ request: TCPPackage, _ text: String) {
        send(TCPPackage(command: .badRequest, correlationID: request.correlationID, payload: ByteBuffer(string: text)))
    }

    // MARK: Receiving

    /// Bytes arrived (``ReceivedBytesMarker``, ahead of the frame decoder): a slow upload of one
    /// large frame keeps the connection alive, as the server counts bytes, not packages.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ReceivedBytesMarker.Event {
            heartbeat?.received(now: .now())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let package = unwrapInboundIn(data)
        heartbeat?.received(now: .now())
        guard !closing else { return }
        if package.flags.contains(.trustedWrite) {
            sendAndClose(TCPPackage(command: .badRequest, correlationID: package.correlationID,
                                    payload: ByteBuffer(string: "Trusted writes aren't accepted over the external TCP interface.")))
            return
        }
        switch package.command {
        case .heartbeatRequest:
            send(TCPPackage(command: .heartbeatResponse, correlationID: package.correlationID))
        case .heartbeatResponse:
            break
        case .ping:
            send(TCPPackage(command: .pong, correlationID: package.correlationID, payload: package.payload))
        case .identifyClient:
            guard let identify = try? package.decodeMessage(as: ESIdentifyClient.self) else {
                node.logger.info("ignoring undecodable IdentifyClient")
                return
            }
            clientVersion = identify.version >= 1 ? .v2 : .v1
            send(TCPPackage(command: .clientIdentified, correlationID: package.correlationID))
        case .authenticate:
            authenticate(package)
        case .badRequest:
            node.logger.info("client sent BadRequest: \(String(buffer: package.payload))")
        default:
            dispatch(package)
        }
    }

    private func authenticate(_ package: TCPPackage) {
        guard let credentials = package.credentials else {
            send(TCPPackage(command: .notAuthenticated, correlationID: package.correlationID,
                            payload: ByteBuffer(string: "No user credentials provided.")))
            return
        }
        if !node.configuration.authenticates || user(for: credentials) != nil {
            defaultCredentials = .accepted(credentials)
            send(TCPPackage(command: .authenticated, correlationID: package.correlationID))
        } else {
            defaultCredentials = .rejected
            send(TCPPackage(command: .notAuthenticated, correlationID: package.correlationID,
                            payload: ByteBuffer(string: "Unauthorized")))
        }
    }

    private func user(for credentials: TCPCredentials) -> NodeUser? {
        guard case .password(let login, let password) = credentials else { return nil }
        return node.engine.users.authenticate(login: login, password: password)
    }

    /// The caller of a request: `.some(nil)` is anonymous, `nil` means not authenticated. Under
    /// `--insecure` every request runs as the node's own admin, whatever credentials it carries.
    private func caller(of package: TCPPackage) -> NodeUser?? {
        guard node.configuration.authenticates else { return .some(NodeUser.system) }
        if let credentials = package.credentials {
            guard let user = user(for: credentials) else { return nil }
            return .some(user)
        }
        switch defaultCredentials {
        case .none: return .some(nil)
        case .accepted(let credentials):
            guard let user = user(for: credentials) else { return nil }
            return .some(user)
        case .rejected: return nil
        }
    }

    private func dispatch(_ package: TCPPackage) {
        guard package.command.isKnown, package.command.replyCommand != nil || isFireAndForget(package.command) else {
            badRequest(package, "Could not unwrap network package for command \(package.command.name).\n"
                + "Unknown or unexpected command \(package.command.hexCode).")
            return
        }
        guard let caller = caller(of: package) else {
            send(TCPPackage(command: .notAuthenticated, correlationID: package.correlationID,
                            payload: ByteBuffer(string: "Not Authenticated")))
            return
        }
        guard let connection else { return }
        do {
            try NodeRequestRouter(node: node, connection: connection, package: package, user: caller).route()
        } catch let reason as BadRequestReason {
            badRequest(package, reason.text)
        } catch {
            badRequest(package, "Could not unwrap network package for command \(package.command.name).\n\(error)")
        }
    }

    private func isFireAndForget(_ command: TCPCommand) -> Bool {
        command == .persistentSubscriptionAckEvents || command == .persistentSubscriptionNakEvents
    }
}

/// A FIFO of the sizes of packages not yet written (removal from the front without shifting).
struct PendingSizes {
    private var sizes: [Int] = []
    private var head = 0

    var first: Int? { head < sizes.count ? sizes[head] : nil }

    mutating func append(_ size: Int) { sizes.append(size) }

    mutating func removeFirst() {
        head += 1
        if head == sizes.count {
            sizes.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > sizes.count {
            sizes.removeFirst(head)
            head = 0
        }
    }
}
