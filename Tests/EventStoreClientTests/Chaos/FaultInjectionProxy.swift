import EventStoreTesting
import Foundation
import NIOCore
import NIOPosix

/// What a ``FaultInjectionProxy`` has done so far.
struct ProxyStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Client connections accepted (and connected through to the node).
    var connectionsAccepted = 0
    /// `cutAll()` commands executed (including mid-frame cuts that fell back to an immediate cut).
    var immediateCuts = 0
    /// Cuts executed after a byte budget of node→client traffic.
    var byteBudgetCuts = 0
    /// Of those, cuts after which the client held a partial frame (length prefix or body incomplete).
    var cutsLandingMidFrame = 0
    /// Connections closed by cuts.
    var connectionsCut = 0
    /// Stalls started.
    var stalls = 0
    var bytesToNode = 0
    var bytesToClient = 0

    var description: String {
        "accepted=\(connectionsAccepted) immediateCuts=\(immediateCuts) byteBudgetCuts=\(byteBudgetCuts) "
            + "(midFrame=\(cutsLandingMidFrame)) connectionsCut=\(connectionsCut) stalls=\(stalls) "
            + "bytesToNode=\(bytesToNode) bytesToClient=\(bytesToClient)"
    }
}

/// A loopback TCP proxy between a client and a node that cuts, stalls and delays the traffic on command.
///
/// Both the listening socket and the target are `127.0.0.1`: the proxy cannot be pointed anywhere else.
/// Bytes are forwarded in chunks of seeded random sizes, so a cut after a random byte count lands
/// in the middle of a frame (the proxy tracks the node→client framing to tell).
///
/// ```swift
/// let proxy = try await FaultInjectionProxy.start(targetPort: node.tcpEndpoint.port, seed: 42)
/// // client → 127.0.0.1:proxy.port
/// await proxy.cutAll()
/// await proxy.stall(for: .milliseconds(700))
/// await proxy.stop()
/// ```
final class FaultInjectionProxy: Sendable {
    /// The only address the proxy listens on and forwards to.
    static let loopback = "127.0.0.1"

    /// The port clients connect to.
    let port: Int
    /// The node's port on 127.0.0.1.
    let targetPort: Int
    private let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop
    private let core: NIOLoopBound<ProxyCore>
    private let serverChannel: any Channel

    private init(port: Int, targetPort: Int, group: MultiThreadedEventLoopGroup, loop: any EventLoop,
                 core: NIOLoopBound<ProxyCore>, serverChannel: any Channel) {
        self.port = port
        self.targetPort = targetPort
        self.group = group
        self.loop = loop
        self.core = core
        self.serverChannel = serverChannel
    }

    /// Starts listening on 127.0.0.1 (a free port) and forwarding to 127.0.0.1:`targetPort`.
    /// - Parameter maxChunk: forwarded chunks are 1…`maxChunk` bytes.
    static func start(targetPort: Int, seed: UInt64, maxChunk: Int = 1024) async throws -> FaultInjectionProxy {
        precondition((1...65535).contains(targetPort), "the proxy targets 127.0.0.1 on a real port only")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let core = try await loop.submit {
            NIOLoopBound(ProxyCore(loop: loop, seed: seed, maxChunk: maxChunk), eventLoop: loop)
        }.get()
        do {
            let server = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { child in
                    ClientBootstrap(group: child.eventLoop)
                        .channelOption(.socketOption(.tcp_nodelay), value: 1)
                        .connectTimeout(.seconds(2))
                        .connect(host: loopback, port: targetPort)
                        .flatMapThrowing { node in
                            do {
                                try core.value.attach(client: child, node: node)
                            } catch {
                                node.close(promise: nil)
                                throw error
                            }
                        }
                }
                .bind(host: loopback, port: 0).get()
            guard let port = server.localAddress?.port else {
                try? await server.close()
                throw ChannelError.unknownLocalAddress
            }
            return FaultInjectionProxy(port: port, targetPort: targetPort, group: group, loop: loop, core: core,
                                       serverChannel: server)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Closes every current connection, on both sides, now.
    func cutAll() async {
        let core = self.core
        try? await loop.submit { core.value.cutAll(reason: .immediate) }.get()
    }

    /// Arms a cut after `bytes` more bytes of node→client traffic (so it usually lands mid-frame): the bytes up
    /// to the budget reach the client, then every connection closes. When no such traffic flows `within`,
    /// cuts immediately instead. Returns `true` when the byte-budget cut happened.
    @discardableResult
    func cutMidFrame(afterBytes bytes: Int, within timeout: Duration = .milliseconds(500)) async -> Bool {
        let core = self.core
        let before = (try? await loop.submit { () -> Int in
            core.value.midFrameBudget = max(0, bytes)
            return core.value.statistics.byteBudgetCuts
        }.get()) ?? 0
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await statistics.byteBudgetCuts > before { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let happened = (try? await loop.submit { () -> Bool in
            if core.value.statistics.byteBudgetCuts > before { return true }
            core.value.midFrameBudget = nil
            core.value.cutAll(reason: .immediate)
            return false
        }.get()) ?? false
        return happened
    }

    /// Stops forwarding in both directions (on current and new connections) for `duration`; the held bytes
    /// are forwarded afterwards if their connection is still open.
    func stall(for duration: Duration) async {
        let core = self.core
        try? await loop.submit { core.value.stall(for: TimeAmount(duration)) }.get()
    }

    /// Delays every forwarded chunk by `delay` (order is kept).
    func setChunkDelay(_ delay: Duration) async {
        let core = self.core
        try? await loop.submit { core.value.chunkDelay = TimeAmount(delay) }.get()
    }

    /// Counters so far.
    var statistics: ProxyStatistics {
        get async {
            let core = self.core
            return (try? await loop.submit { core.value.statistics }.get()) ?? ProxyStatistics()
        }
    }

    /// Stops listening, closes every connection and the proxy's event loop.
    func stop() async {
        try? await serverChannel.close()
        let core = self.core
        try? await loop.submit { core.value.closeEverything() }.get()
        try? await group.shutdownGracefully()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

// MARK: - Event-loop confined state

/// Which way bytes flow.
private enum Direction {
    case toNode
    case toClient
}

/// Follows the node→client framing (4-byte little-endian length, then the package) to tell whether a
/// cut leaves the client with a partial frame.
private struct FrameTracker {
    private var header: [UInt8] = []
    private var remaining = 0

    var atBoundary: Bool { header.isEmpty && remaining == 0 }

    mutating func feed(_ buffer: ByteBuffer) {
        let bytes = buffer.readableBytesView
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if remaining > 0 {
                let take = min(remaining, bytes.endIndex - index)
                remaining -= take
                index += take
            } else {
                header.append(bytes[index])
                index += 1
                if header.count == 4 {
                    remaining = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
                    header.removeAll(keepingCapacity: true)
                }
            }
        }
    }
}

/// A proxied connection: the client's socket and the one to the node.
private final class ProxyPair {
    let id: Int
    let client: any Channel
    let node: any Channel
    var toNode = CircularBuffer<(chunk: ByteBuffer, due: NIODeadline)>()
    var toClient = CircularBuffer<(chunk: ByteBuffer, due: NIODeadline)>()
    var toNodeScheduled = false
    var toClientScheduled = false
    var frames = FrameTracker()

    init(id: Int, client: any Channel, node: any Channel) {
        self.id = id
        self.client = client
        self.node = node
    }
}

/// The proxy's state; touched only on its event loop (through `NIOLoopBound`).
final class ProxyCore {
    fileprivate enum CutReason { case immediate, byteBudget }

    let loop: any EventLoop
    private var random: SeededRandom
    private let maxChunk: Int
    private var pairs: [Int: ProxyPair] = [:]
    private var nextID = 0
    private var stalledUntil = NIODeadline.uptimeNanoseconds(0)
    private var closed = false
    var chunkDelay = TimeAmount.zero
    /// Node→client bytes still to forward before an armed cut.
    var midFrameBudget: Int?
    var statistics = ProxyStatistics()

    init(loop: any EventLoop, seed: UInt64, maxChunk: Int) {
        self.loop = loop
        self.random = SeededRandom(seed: seed)
        self.maxChunk = max(1, maxChunk)
    }

    /// Wires a freshly accepted client channel to its node channel (on the loop, from the child initializer).
    func attach(client: any Channel, node: any Channel) throws {
        guard !closed else { throw ChannelError.ioOnClosedChannel }
        let id = nextID
        nextID += 1
        pairs[id] = ProxyPair(id: id, client: client, node: node)
        statistics.connectionsAccepted += 1
        try client.pipeline.syncOperations.addHandler(ForwardHandler(core: self, pair: id, direction: .toNode))
        try node.pipeline.syncOperations.addHandler(ForwardHandler(core: self, pair: id, direction: .toClient))
    }

    fileprivate func received(_ buffer: ByteBuffer, pair id: Int, direction: Direction) {
        guard let pair = pairs[id] else { return }
        var buffer = buffer
        let due = NIODeadline.now() + chunkDelay
        while buffer.readableBytes > 0 {
            let size = min(Int.random(in: 1...maxChunk, using: &random), buffer.readableBytes)
            let chunk = buffer.readSlice(length: size)!
            switch direction {
            case .toNode: pair.toNode.append((chunk, due))
            case .toClient: pair.toClient.append((chunk, due))
            }
        }
        pump(id, direction)
    }

    /// Forwards the chunks that are due, in order; schedules itself for the next one.
    fileprivate func pump(_ id: Int, _ direction: Direction) {
        guard let pair = pairs[id] else { return }
        let target = direction == .toNode ? pair.node : pair.client
        let now = NIODeadline.now()
        var wrote = false
        while let head = direction == .toNode ? pair.toNode.first : pair.toClient.first {
            let due = max(head.due, stalledUntil)
            if due > now {
                schedulePump(pair, direction, at: due)
                break
            }
            switch direction {
            case .toNode: pair.toNode.removeFirst()
            case .toClient: pair.toClient.removeFirst()
            }
            var chunk = head.chunk
            if direction == .toClient, let budget = midFrameBudget {
                if chunk.readableBytes >= budget {
                    let prefix = chunk.readSlice(length: budget)!
                    pair.frames.feed(prefix)
                    statistics.bytesToClient += prefix.readableBytes
                    midFrameBudget = nil
                    statistics.byteBudgetCuts += 1
                    if !pair.frames.atBoundary { statistics.cutsLandingMidFrame += 1 }
                    // The partial frame reaches the client, then its socket closes; every other connection
                    // is cut at once.
                    pairs.removeValue(forKey: id)
                    statistics.connectionsCut += 1
                    pair.node.close(promise: nil)
                    let client = pair.client
                    client.writeAndFlush(prefix).whenComplete { _ in client.close(promise: nil) }
                    cutAll(reason: .byteBudget)
                    return
                }
                midFrameBudget = budget - chunk.readableBytes
            }
            if direction == .toClient {
                pair.frames.feed(chunk)
                statistics.bytesToClient += chunk.readableBytes
            } else {
                statistics.bytesToNode += chunk.readableBytes
            }
            target.write(chunk, promise: nil)
            wrote = true
        }
        if wrote { target.flush() }
    }

    private func schedulePump(_ pair: ProxyPair, _ direction: Direction, at deadline: NIODeadline) {
        switch direction {
        case .toNode:
            if pair.toNodeScheduled { return }
            pair.toNodeScheduled = true
        case .toClient:
            if pair.toClientScheduled { return }
            pair.toClientScheduled = true
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let id = pair.id
        loop.scheduleTask(deadline: deadline) {
            let core = bound.value
            if let pair = core.pairs[id] {
                switch direction {
                case .toNode: pair.toNodeScheduled = false
                case .toClient: pair.toClientScheduled = false
                }
            }
            core.pump(id, direction)
        }
    }

    fileprivate func cutAll(reason: CutReason) {
        if reason == .immediate { statistics.immediateCuts += 1 }
        for id in pairs.keys.sorted() {
            statistics.connectionsCut += 1
            close(pair: id)
        }
    }

    func stall(for duration: TimeAmount) {
        statistics.stalls += 1
        stalledUntil = max(stalledUntil, NIODeadline.now() + duration)
    }

    /// Closes both sides of a pair and drops what it still held.
    fileprivate func close(pair id: Int) {
        guard let pair = pairs.removeValue(forKey: id) else { return }
        pair.toNode.removeAll()
        pair.toClient.removeAll()
        pair.node.close(promise: nil)
        pair.client.close(promise: nil)
    }

    func closeEverything() {
        closed = true
        for id in pairs.keys.sorted() { close(pair: id) }
    }
}

/// Hands what one side reads to the core; closes the pair when either side goes away.
private final class ForwardHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: ProxyCore
    private let pair: Int
    private let direction: Direction

    init(core: ProxyCore, pair: Int, direction: Direction) {
        self.core = core
        self.pair = pair
        self.direction = direction
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        core.received(unwrapInboundIn(data), pair: pair, direction: direction)
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.close(pair: pair)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        core.close(pair: pair)
    }
}
