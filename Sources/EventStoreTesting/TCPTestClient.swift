import EventStoreWire
import Foundation
import NIOCore
import NIOPosix
import SwiftProtobuf
import Synchronization

/// A bare protocol client for tests and benchmarks: sends packages and waits for packages by
/// correlation id, with no retries, no reconnects and no interpretation.
///
/// ```swift
/// let client = try await TCPTestClient.connect(host: "127.0.0.1", port: port)
/// let reply = try await client.request(.readEvent, message: read, as: ESReadEventCompleted.self)
/// ```
public final class TCPTestClient: Sendable {
    /// Why a wait ended without a package.
    public enum Failure: Error, CustomStringConvertible {
        case timedOut(UUID)
        case closed

        public var description: String {
            switch self {
            case .timedOut(let id): return "no package with id \(id.dotNetString) before the deadline"
            case .closed: return "connection closed"
            }
        }
    }

    private let channel: any Channel
    private let mailbox: Mailbox

    private init(channel: any Channel, mailbox: Mailbox) {
        self.channel = channel
        self.mailbox = mailbox
    }

    /// Connects; heartbeat requests from the server are answered unless `answerHeartbeats` is false.
    public static func connect(host: String, port: Int, answerHeartbeats: Bool = true) async throws -> TCPTestClient {
        let mailbox = Mailbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(TCPFrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        InboundHandler(mailbox: mailbox, answerHeartbeats: answerHeartbeats))
                }
            }
            .connect(host: host, port: port).get()
        return TCPTestClient(channel: channel, mailbox: mailbox)
    }

    /// Sends one package.
    public func send(_ package: TCPPackage) async throws {
        try await channel.writeAndFlush(package)
    }

    /// Sends raw bytes, bypassing the encoder (for malformed-input tests).
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.pipeline.context(handlerType: MessageToByteHandler<TCPFrameEncoder>.self).flatMap { context in
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: bytes)))
        }.get()
    }

    /// Waits for the next package carrying `id`.
    public func receive(id: UUID, timeout: Duration = .seconds(10)) async throws -> TCPPackage {
        try await mailbox.next(id: id, timeout: timeout)
    }

    /// Sends `package` and waits for the first package with its id.
    public func request(_ package: TCPPackage, timeout: Duration = .seconds(10)) async throws -> TCPPackage {
        try await send(package)
        return try await receive(id: package.correlationID, timeout: timeout)
    }

    /// Sends a message and decodes the reply as `R`; any other reply command is an error.
    public func request<R: SwiftProtobuf.Message>(
        _ command: TCPCommand, message: some SwiftProtobuf.Message, credentials: TCPCredentials? = nil,
        as type: R.Type, timeout: Duration = .seconds(10)
    ) async throws -> R {
        let package = TCPPackage(command: command, correlationID: UUID(), credentials: credentials, message: message)
        let reply = try await request(package, timeout: timeout)
        guard reply.command == command.replyCommand else {
            throw UnexpectedReply(package: reply)
        }
        return try reply.decodeMessage(as: type)
    }

    /// Whether the connection has closed.
    public var isClosed: Bool { mailbox.isClosed }

    /// Waits until the server closes the connection.
    public func waitForClose(timeout: Duration = .seconds(10)) async throws {
        try await mailbox.waitForClose(timeout: timeout)
    }

    /// Every package received so far that no `receive` consumed, in arrival order.
    public var unclaimed: [TCPPackage] { mailbox.unclaimed }

    /// Stops reading from the socket (the kernel buffers fill, the peer's writes back up), to act
    /// like a stuck client.
    public func stopReading() async throws {
        try await channel.setOption(.autoRead, value: false).get()
    }

    /// Starts reading from the socket again after ``stopReading()``.
    public func resumeReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }
}

/// A reply with a command other than the request's reply command.
public struct UnexpectedReply: Error, CustomStringConvertible {
    public let package: TCPPackage
    public init(package: TCPPackage) { self.package = package }
    public var description: String {
        var text = "unexpected reply \(package.command)"
        if case .text(let reason)? = try? package.decodePayload() { text += ": \(reason)" }
        return text
    }
}

private final class InboundHandler: ChannelInboundHandler {
    typealias InboundIn = TCPPackage
    typealias OutboundOut = TCPPackage
    let mailbox: Mailbox
    let answerHeartbeats: Bool

    init(mailbox: Mailbox, answerHeartbeats: Bool) {
        self.mailbox = mailbox
        self.answerHeartbeats = answerHeartbeats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let package = unwrapInboundIn(data)
        if package.command == .heartbeatRequest, answerHeartbeats {
            context.writeAndFlush(wrapOutboundOut(TCPPackage(command: .heartbeatResponse, correlationID: package.correlationID)),
                                  promise: nil)
        }
        mailbox.deliver(package)
    }

    func channelInactive(context: ChannelHandlerContext) {
        mailbox.close()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Packages waiting to be claimed, and tasks waiting for packages.
private final class Mailbox: Sendable {
    private struct State {
        var packages: [TCPPackage] = []
        var waiters: [UUID: [CheckedContinuation<TCPPackage?, Never>]] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    var unclaimed: [TCPPackage] { state.withLock { $0.packages } }

    func deliver(_ package: TCPPackage) {
        let waiter: CheckedContinuation<TCPPackage?, Never>? = state.withLock { state in
            if var list = state.waiters[package.correlationID], !list.isEmpty {
                let first = list.removeFirst()
                state.waiters[package.correlationID] = list.isEmpty ? nil : list
                return first
            }
            state.packages.append(package)
            return nil
        }
        waiter?.resume(returning: package)
    }

    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.flatMap { $0 }
        }
        waiters.forEach { $0.resume(returning: nil) }
    }

    func next(id: UUID, timeout: Duration) async throws -> TCPPackage {
        let result: TCPPackage? = try await withThrowingTaskGroup(of: TCPPackage?.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let ready: TCPPackage?? = self.state.withLock { state in
                            if let index = state.packages.firstIndex(where: { $0.correlationID == id }) {
                                return .some(state.packages.remove(at: index))
                            }
                            if state.closed || Task.isCancelled { return .some(nil) }
                            state.waiters[id, default: []].append(continuation)
                            return nil
                        }
                        if let ready { continuation.resume(returning: ready) }
                    }
                } onCancel: {
                    self.cancelWaiters(id: id)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TCPTestClient.Failure.timedOut(id)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        guard let result else { throw TCPTestClient.Failure.closed }
        return result
    }

    private func cancelWaiters(id: UUID) {
        let waiters = state.withLock { $0.waiters.removeValue(forKey: id) ?? [] }
        waiters.forEach { $0.resume(returning: nil) }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Polls until closed, or throws at the deadline.
    func waitForClose(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isClosed {
            guard ContinuousClock.now < deadline else { throw TCPTestClient.Failure.timedOut(.zero) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
