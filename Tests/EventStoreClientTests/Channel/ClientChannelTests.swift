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
/// The production decoder and encoder with `ConnectionRules` behind them: framing and byte layouts in
/// isolation. `DriverChannelTests` runs the same frames through the real `ConnectionDriver`.
@Suite struct ClientChannelTests {
    // MARK: Golden frames (docs/protocol.md §1.8; id text 00112233-4455-6677-8899-aabbccddeeff)

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
