import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Fetches `/gossip?format=json` over plain HTTP/1.1 with NIO: one connection per request, closed afterwards.
struct GossipHTTPClient: Sendable {
    let eventLoopGroup: any EventLoopGroup

    /// GETs and parses the gossip document of `seed` within `timeout` (connect included).
    func fetchGossip(from seed: GossipSeed, timeout: Duration) async -> Result<GossipDocument, DiscoveryError.Reason> {
        guard !seed.secure else { return .failure(.httpsNotSupported) }
        let response: HTTPResponse
        switch await get(seed.endpoint, path: "/gossip?format=json", timeout: timeout) {
        case .success(let value): response = value
        case .failure(let reason): return .failure(reason)
        }
        guard response.status == 200 else { return .failure(.httpStatus(response.status)) }
        do {
            return .success(try GossipDocument(parsing: response.body))
        } catch {
            return .failure(.invalidGossip(error))
        }
    }

    /// One GET request; the result is a complete response or the reason there is none.
    func get(_ endpoint: Endpoint, path: String, timeout: Duration) async -> Result<HTTPResponse, DiscoveryError.Reason> {
        let eventLoop = eventLoopGroup.next()
        let promise = eventLoop.makePromise(of: HTTPResponse.self)
        let request = "GET \(path) HTTP/1.1\r\nHost: \(endpoint)\r\nAccept: application/json\r\n"
            + "User-Agent: esdb-swift\r\nConnection: close\r\n\r\n"
        let timeAmount = TimeAmount.nanoseconds(Self.nanoseconds(timeout))
        let timer = eventLoop.scheduleTask(in: timeAmount) { promise.fail(GossipRequestFailure.timedOut) }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeAmount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPResponseCollector(promise: promise))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
                case .failure(let error):
                    promise.fail(error)
                }
            }
        do {
            let response = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(CancellationError())
            }
            return .success(response)
        } catch GossipRequestFailure.timedOut {
            return .failure(.timedOut(timeout))
        } catch let error as HTTPResponseError {
            return .failure(.invalidHTTP(error.message))
        } catch is CancellationError {
            return .failure(.connectionFailed("cancelled"))
        } catch {
            return .failure(.connectionFailed(Self.describe(error)))
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// A short reason for a connect error (`connection refused` rather than a type dump).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            let inner = error.connectionErrors.first.map { describe($0.error) }
            return inner ?? error.dnsAError.map { "cannot resolve host: \($0)" } ?? "\(error)"
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        if case ChannelError.connectTimeout? = error as? ChannelError { return "connect timed out" }
        return String(describing: error)
    }
}

private enum GossipRequestFailure: Error {
    case timedOut
}

/// Collects response bytes and completes the promise as soon as the response is whole (or the peer closes).
private final class HTTPResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<HTTPResponse>
    private var received: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<HTTPResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        complete(atEOF: false)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(atEOF: true)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    private func complete(atEOF: Bool) {
        guard !done else { return }
        do {
            guard let response = try HTTPResponseParser.parse(received, atEOF: atEOF) else { return }
            done = true
            promise.succeed(response)
        } catch {
            done = true
            promise.fail(error)
        }
    }
}
