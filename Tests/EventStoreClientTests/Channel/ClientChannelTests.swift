@testable import EventStoreClient
import EventStoreWire
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The client pipeline (TCPFrameDecoder → ClientChannelHandler) fed golden frames byte for byte
/// over an `EmbeddedChannel`.
///
/// Two harnesses, because `ConnectionDriver` only writes to (and closes) a channel that its own
/// `ClientBootstrap` connected:
/// * `DriverPipeline`: the production decoder, encoder, `ClientChannelHandler` and a real
///   `ConnectionDriver` on the channel's event loop. It covers what reaches the driver and how a
///   channel failure is reported to it.
/// * `RulesPipeline`: the production decoder and encoder with `ConnectionRules` standing in for the
///   connection-level rules of `ConnectionDriver.received` (answer HeartbeatRequest with the same id,
///   close on a zero-id BadRequest). It pins the bytes those rules put on the wire.
@Suite struct ClientChannelTests {
    // MARK: Golden frames (protocol.md §1.8; id text 00112233-4455-6677-8899-aabbccddeeff)

    static let idBytes: [UInt8] = [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]
    static let id = UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF")!
    static let heartbeatRequest: [UInt8] = [0x12, 0x00, 0x00, 0x00, 0x01, 0x00] + idBytes
    static let heartbeatResponse: [UInt8] = [0x12, 0x00, 0x00, 0x00, 0x02, 0x00] + idBytes
    static let badRequestText = Array("Invalid TCP frame received.".utf8)
    /// BadRequest, all-zero id, text payload: the server's "connection-level fatal error".
    static let zeroBadRequest: [UInt8] = [UInt8(18 + badRequestText.count), 0x00, 0x00, 0x00, 0xF0, 0x00]
        + [UInt8](repeating: 0, count: 16) + badRequestText
    /// `GET / HTTP/1.1` read as a frame: the length prefix is 0x20544547, far over 64 MiB.
    static let httpGarbage = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    @Test func goldenFramesDecodeAsDocumented() throws {
        let packages = try TCPFrameReader.decodeAll(Self.buffer(Self.heartbeatRequest + Self.zeroBadRequest))
        #expect(packages.map(\.command) == [.heartbeatRequest, .badRequest])
        #expect(packages[0].correlationID == Self.id)
        #expect(packages[1].correlationID == .zero)
        #expect(String(buffer: packages[1].payload) == "Invalid TCP frame received.")
    }

    // MARK: Connection-level rules on the wire

    @Test func heartbeatRequestIsAnsweredWithTheSameIDByteForByte() throws {
        let pipeline = try RulesPipeline()
        try pipeline.channel.writeInbound(Self.buffer(Self.heartbeatRequest))
        #expect(try pipeline.outboundBytes() == [Self.heartbeatResponse])
        #expect(pipeline.rules.passedOn.isEmpty)
        #expect(pipeline.channel.isActive)
        #expect(try pipeline.channel.finish().isClean)
    }

    @Test(arguments: [1, 2, 3, 5, 7, 17, 21])
    func aFrameSplitAcrossManyReadsIsAnsweredOnce(chunkSize: Int) throws {
        let pipeline = try RulesPipeline()
        let bytes = Self.heartbeatRequest
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            try pipeline.channel.writeInbound(Self.buffer(Array(bytes[offset..<end])))
            if end < bytes.count {
                #expect(try pipeline.outboundBytes().isEmpty, "nothing before the frame is complete (\(end) of \(bytes.count))")
            }
            offset = end
        }
        #expect(try pipeline.outboundBytes() == [Self.heartbeatResponse])
        #expect(try pipeline.channel.finish().isClean)
    }

    @Test func framesBackToBackInOneReadAreAnsweredInOrder() throws {
        let pipeline = try RulesPipeline()
        let otherID = UUID(uuidString: "FFEEDDCC-BBAA-9988-7766-554433221100")!
        let other = try TCPPackage(command: .heartbeatRequest, correlationID: otherID).encodedFrame()
        let pong = try TCPPackage(command: .pong, correlationID: otherID, payload: Self.buffer([1, 2, 3])).encodedFrame()
        var read = Self.buffer(Self.heartbeatRequest)
        read.writeImmutableBuffer(other)
        read.writeImmutableBuffer(pong)
        // The last frame's first half arrives with the rest; its second half comes later.
        read.writeBytes(Self.heartbeatRequest.prefix(9))
        try pipeline.channel.writeInbound(read)

        let expectedOther: [UInt8] = [0x12, 0x00, 0x00, 0x00, 0x02, 0x00] + otherID.dotNetBytes
        #expect(try pipeline.outboundBytes() == [Self.heartbeatResponse, expectedOther])
        #expect(pipeline.rules.passedOn.map(\.command) == [.pong])
        #expect(pipeline.rules.passedOn.first.map { Array($0.payload.readableBytesView) } == [1, 2, 3])

        try pipeline.channel.writeInbound(Self.buffer(Array(Self.heartbeatRequest.dropFirst(9))))
        #expect(try pipeline.outboundBytes() == [Self.heartbeatResponse])
        #expect(try pipeline.channel.finish().isClean)
    }

    @Test func badRequestWithTheZeroIDClosesTheChannel() throws {
        let pipeline = try RulesPipeline()
        // A BadRequest for one request is that request's failure: the connection stays.
        let perRequest = try TCPPackage(command: .badRequest, correlationID: Self.id,
                                        payload: Self.buffer(Self.badRequestText)).encodedFrame()
        try pipeline.channel.writeInbound(perRequest)
        #expect(pipeline.channel.isActive)
        #expect(pipeline.rules.passedOn.map(\.correlationID) == [Self.id])

        try pipeline.channel.writeInbound(Self.buffer(Self.zeroBadRequest))
        #expect(!pipeline.channel.isActive)
        #expect(pipeline.rules.passedOn.count == 1)
        #expect(try pipeline.outboundBytes().isEmpty)
        _ = try pipeline.channel.finish(acceptAlreadyClosed: true)
    }

    @Test(arguments: [
        (ClientChannelTests.httpGarbage, TCPFramingError.invalidLength(0x2054_4547)),
        ([0x00, 0x00, 0x00, 0x00, 0x01], .invalidLength(0)),
        ([0xFF, 0xFF, 0xFF, 0xFF], .invalidLength(0xFFFF_FFFF)),
        ([0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], .packageTooShort(length: 5)),
        // Authenticated flag with a login length running past the package.
        ([0x14, 0x00, 0x00, 0x00, 0xB0, 0x01] + ClientChannelTests.idBytes + [0x09, 0x61],
         .authBlockOverrun(needed: 11, available: 2)),
    ] as [([UInt8], TCPFramingError)])
    func garbageClosesTheChannelWithAFramingError(bytes: [UInt8], expected: TCPFramingError) throws {
        let pipeline = try RulesPipeline()
        let pong = try TCPPackage(command: .pong, correlationID: Self.id).encodedFrame()
        try pipeline.channel.writeInbound(Self.buffer(Array(pong.readableBytesView) + bytes))
        #expect(pipeline.rules.passedOn.map(\.command) == [.pong], "the frame before the garbage is still read")
        #expect(!pipeline.channel.isActive)
        #expect(pipeline.rules.error as? TCPFramingError == expected)
        // Nothing after the garbage is read or answered.
        _ = try? pipeline.channel.writeInbound(Self.buffer(Self.heartbeatRequest))
        #expect(try pipeline.outboundBytes().isEmpty)
        #expect(pipeline.rules.passedOn.count == 1)
        _ = try pipeline.channel.finish(acceptAlreadyClosed: true)
    }

    // MARK: The production ClientChannelHandler and driver

    @Test func aFrameSplitAcrossManyReadsReachesTheDriverOnce() throws {
        let pipeline = try DriverPipeline()
        for (index, byte) in Self.heartbeatRequest.enumerated() {
            try pipeline.channel.writeInbound(Self.buffer([byte]))
            let expected = index == Self.heartbeatRequest.count - 1 ? 1 : 0
            #expect(pipeline.driver.counters.packagesIn == expected, "after byte \(index)")
        }
        #expect(pipeline.driver.counters.bytesIn == 22)

        // Several frames in one read each reach the driver; replies for ids nobody owns are dropped.
        var read = Self.buffer(Self.heartbeatRequest)
        read.writeImmutableBuffer(try TCPPackage(command: .heartbeatResponse, correlationID: UUID()).encodedFrame())
        read.writeImmutableBuffer(try TCPPackage(command: .readEventCompleted, correlationID: UUID()).encodedFrame())
        try pipeline.channel.writeInbound(read)
        #expect(pipeline.driver.counters.packagesIn == 4)
        #expect(pipeline.driver.counters.bytesIn == 4 * 22)
        #expect(pipeline.channel.isActive)
        #expect(pipeline.driver.phase == .idle)
        _ = try pipeline.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func garbageClosesTheChannelAndTheDriverSeesTheFramingError() async throws {
        // Everything that touches the EmbeddedChannel runs synchronously, on one thread.
        let (events, broadcaster, counters) = try Self.feedGarbageToDriver()
        broadcaster.finish()
        var phases: [ConnectionPhase] = []
        for await case .phaseChanged(let phase, _) in events { phases.append(phase) }
        #expect(counters.packagesIn == 1)
        let reason = TCPFramingError.invalidLength(0x2054_4547).description
        #expect(phases == [
            .dropped(nil, reason: reason),
            .waitingToReconnect(attempt: 1, maxAttempts: 10, after: .seconds(3600)),
        ])
    }

    private static func feedGarbageToDriver() throws
        -> (AsyncStream<ClientEvent>, EventBroadcaster<ClientEvent>, ConnectionCounters) {
        let pipeline = try DriverPipeline()
        let events = pipeline.broadcaster.stream()
        try pipeline.channel.writeInbound(Self.buffer(Self.heartbeatRequest + Self.httpGarbage))
        #expect(!pipeline.channel.isActive)
        let counters = pipeline.driver.counters
        _ = try pipeline.channel.finish(acceptAlreadyClosed: true)
        return (events, pipeline.broadcaster, counters)
    }

    @Test func aStaleConnectionsTrafficAndCloseAreIgnored() throws {
        // A handler from an older connection (generation 7) must not touch the current one (0).
        let pipeline = try DriverPipeline(generation: 7)
        try pipeline.channel.writeInbound(Self.buffer(Self.heartbeatRequest))
        #expect(pipeline.driver.counters.packagesIn == 0)
        try pipeline.channel.writeInbound(Self.buffer(Self.httpGarbage))
        #expect(!pipeline.channel.isActive)
        #expect(pipeline.driver.phase == .idle)
        #expect(pipeline.driver.counters.reconnections == 0)
        _ = try pipeline.channel.finish(acceptAlreadyClosed: true)
    }
}

// MARK: Harnesses

/// The client's framing handlers (as `ConnectionDriver` installs them) in front of `last`, on an
/// active `EmbeddedChannel`.
private func makeClientPipeline(last: any ChannelHandler, loop: EmbeddedEventLoop = EmbeddedEventLoop()) throws
    -> EmbeddedChannel {
    let channel = EmbeddedChannel(loop: loop)
    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(TCPFrameEncoder()))
    try channel.pipeline.syncOperations.addHandler(last)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1113)).wait()
    return channel
}

/// The production pipeline: decoder, encoder, `ClientChannelHandler`, and a `ConnectionDriver`
/// that was never started (no timer, no discovery) on the channel's event loop.
private struct DriverPipeline {
    let channel: EmbeddedChannel
    let driver: ConnectionDriver
    let broadcaster = EventBroadcaster<ClientEvent>()

    init(generation: Int = 0) throws {
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "127.0.0.1", port: 1113)))
        configuration.reconnectionDelay = .seconds(3600)  // the reconnect task never comes due
        let loop = EmbeddedEventLoop()
        driver = ConnectionDriver(
            configuration: configuration, eventLoop: loop, events: broadcaster,
            discover: { _ in throw EventStoreClientError(.cannotConnect, "no discovery in channel tests") },
            channelSetup: { _, _ in }, logger: Logger(label: "esdb.tests.channel"))
        channel = try makeClientPipeline(last: ClientChannelHandler(driver: driver, generation: generation), loop: loop)
    }
}

/// Stand-in for the connection-level rules of `ConnectionDriver.received`, which cannot write to
/// an `EmbeddedChannel`: answer a HeartbeatRequest with a HeartbeatResponse carrying the same id,
/// close on a BadRequest with the zero id, close on a framing error; pass everything else on.
private final class ConnectionRules: ChannelInboundHandler {
    typealias InboundIn = TCPPackage
    typealias OutboundOut = TCPPackage

    private(set) var passedOn: [TCPPackage] = []
    private(set) var error: (any Error)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let package = unwrapInboundIn(data)
        switch package.command {
        case .heartbeatRequest:
            context.write(wrapOutboundOut(TCPPackage(command: .heartbeatResponse, correlationID: package.correlationID)),
                          promise: nil)
        case .badRequest where package.correlationID == .zero:
            context.close(promise: nil)
        default:
            passedOn.append(package)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.error = error
        context.close(promise: nil)
    }
}

private struct RulesPipeline {
    let channel: EmbeddedChannel
    let rules = ConnectionRules()

    init() throws {
        channel = try makeClientPipeline(last: rules)
    }

    /// Every frame written since the last call, as bytes.
    func outboundBytes() throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { frames.append(Array(buffer.readableBytesView)) }
        return frames
    }
}
