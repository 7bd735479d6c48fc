@testable import EventStoreClient
import EventStoreTesting
import EventStoreWire
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The real `ConnectionDriver` (state machines, pipeline, `ClientChannelHandler`) on an
/// `NIOAsyncTestingChannel` that its injected connector hands out: every byte in and out is checked,
/// from the IdentifyClient handshake to heartbeats, connection-level BadRequest and garbage.
@Suite struct DriverChannelTests {
    typealias Golden = ClientChannelTests

    @Test func theHandshakeIsIdentifyClientThenTheDriverIsConnected() async throws {
        let rig = try await DriverRig.connected()
        #expect(try await rig.phase() == .connected(DriverRig.node))
        #expect(try await rig.counters().packagesOut == 1)
        try await rig.finish()
    }

    @Test func aHeartbeatRequestIsAnsweredWithTheSameIDByteForByte() async throws {
        let rig = try await DriverRig.connected()
        try await rig.channel.writeInbound(ByteBuffer(bytes: Golden.heartbeatRequest))
        let answer = try await rig.channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(Array(answer.readableBytesView) == Golden.heartbeatResponse)
        try await rig.finish()
    }

    @Test(arguments: [1, 3, 7, 21])
    func aFrameSplitAcrossReadsReachesTheDriverOnce(chunkSize: Int) async throws {
        let rig = try await DriverRig.connected()
        let before = try await rig.counters().packagesIn
        let bytes = Golden.heartbeatRequest
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            try await rig.channel.writeInbound(ByteBuffer(bytes: Array(bytes[offset..<end])))
            let expected = end == bytes.count ? before + 1 : before
            #expect(try await rig.counters().packagesIn == expected, "after \(end) of \(bytes.count) bytes")
            offset = end
        }
        #expect(Array(try await rig.channel.waitForOutboundWrite(as: ByteBuffer.self).readableBytesView) == Golden.heartbeatResponse)
        try await rig.finish()
    }

    @Test func framesBackToBackInOneReadAllReachTheDriver() async throws {
        let rig = try await DriverRig.connected()
        let before = try await rig.counters()
        var read = ByteBuffer(bytes: Golden.heartbeatRequest)
        read.writeImmutableBuffer(try TCPPackage(command: .heartbeatResponse, correlationID: UUID()).encodedFrame())
        // A reply for an id nobody owns is counted and dropped, not fatal.
        read.writeImmutableBuffer(try TCPPackage(command: .readEventCompleted, correlationID: UUID()).encodedFrame())
        try await rig.channel.writeInbound(read)
        let after = try await rig.counters()
        #expect(after.packagesIn == before.packagesIn + 3)
        #expect(after.bytesIn == before.bytesIn + 3 * 22)
        #expect(try await rig.phase() == .connected(DriverRig.node))
        try await rig.finish()
    }

    @Test func aZeroIDBadRequestDropsTheConnectionWithTheServersText() async throws {
        let rig = try await DriverRig.connected()
        try await rig.channel.writeInbound(ByteBuffer(bytes: Golden.zeroBadRequest))
        let reason = "the server closed the connection: Invalid TCP frame received."
        #expect(try await rig.phase() == .waitingToReconnect(attempt: 1, maxAttempts: 10, after: .seconds(3600)))
        #expect(try await eventually { try await rig.phases().contains(.dropped(DriverRig.node, reason: reason)) })
        #expect(await eventually { !rig.channel.isActive })
        try await rig.finish()
    }

    @Test func garbageClosesTheChannelAndTheDriverReportsTheFramingError() async throws {
        let rig = try await DriverRig.connected()
        // The frame before the garbage is still read and answered.
        _ = try? await rig.channel.writeInbound(ByteBuffer(bytes: Golden.heartbeatRequest + Golden.httpGarbage))
        #expect(Array(try await rig.channel.waitForOutboundWrite(as: ByteBuffer.self).readableBytesView) == Golden.heartbeatResponse)
        let reason = TCPFramingError.invalidLength(0x2054_4547).description
        #expect(try await eventually { try await rig.phases().contains(.dropped(DriverRig.node, reason: reason)) })
        #expect(try await rig.phase() == .waitingToReconnect(attempt: 1, maxAttempts: 10, after: .seconds(3600)))
        #expect(!rig.channel.isActive)
        try await rig.finish()
    }

    @Test func anUnexpectedReplyDuringTheHandshakeDropsTheConnection() async throws {
        let rig = try await DriverRig.started()
        let identify = try await rig.nextPackage()
        let wrong = try TCPPackage(command: .pong, correlationID: identify.correlationID).encodedFrame()
        try await rig.channel.writeInbound(wrong)
        #expect(try await eventually {
            try await rig.phases().contains(.dropped(DriverRig.node, reason: "unexpected Pong during the handshake"))
        })
        #expect(await eventually { !rig.channel.isActive })
        try await rig.finish()
    }
}

/// A `ConnectionDriver` whose connector returns one `NIOAsyncTestingChannel`; discovery answers at once.
/// The reconnection delay is an hour, so a drop stays visible as "waiting to reconnect".
private struct DriverRig {
    static let node = Endpoint(host: "127.0.0.1", port: 1113)
    let loop: NIOAsyncTestingEventLoop
    let channel: NIOAsyncTestingChannel
    let driver: NIOLoopBound<ConnectionDriver>
    let events: AsyncStream<ClientEvent>
    let recorded: PhaseRecorder

    /// Started: the IdentifyClient request is on the wire.
    static func started() async throws -> DriverRig {
        var configuration = ClientConfiguration(discovery: .singleNode(node))
        configuration.reconnectionDelay = .seconds(3600)
        let settings = configuration
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        let broadcaster = EventBroadcaster<ClientEvent>()
        let events = broadcaster.stream()
        let driver = try await loop.submit {
            NIOLoopBound(ConnectionDriver(
                configuration: settings, eventLoop: loop, events: broadcaster,
                discover: { _ in node }, channelSetup: { _, _ in },
                connector: { _, _, _, initialize in
                    initialize(channel).flatMap {
                        channel.connect(to: try! SocketAddress(ipAddress: "127.0.0.1", port: 1113))
                    }.map { channel as any Channel }
                },
                logger: Logger(label: "esdb.tests.driver")), eventLoop: loop)
        }.get()
        let rig = DriverRig(loop: loop, channel: channel, driver: driver, events: events, recorded: PhaseRecorder(events))
        try await loop.submit { driver.value.start() }.get()
        return rig
    }

    /// Connected: the handshake was answered with ClientIdentified.
    static func connected() async throws -> DriverRig {
        let rig = try await started()
        let identify = try await rig.nextPackage()
        #expect(identify.command == .identifyClient)
        try await rig.channel.writeInbound(try TCPPackage(command: .clientIdentified, correlationID: identify.correlationID)
            .encodedFrame())
        #expect(try await eventually { try await rig.phase() == .connected(node) })
        return rig
    }

    /// The next package the driver writes.
    func nextPackage() async throws -> TCPPackage {
        let bytes = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        let packages = try TCPFrameReader.decodeAll(bytes)
        guard packages.count == 1 else { throw DeadlineExceeded(what: "one package, got \(packages.count)") }
        return packages[0]
    }

    func phase() async throws -> ConnectionPhase {
        try await loop.submit { driver.value.phase }.get()
    }

    func counters() async throws -> ConnectionCounters {
        try await loop.submit { driver.value.counters }.get()
    }

    /// Every phase published so far.
    func phases() async throws -> [ConnectionPhase] {
        await recorded.phases
    }

    func finish() async throws {
        try await loop.submit { driver.value.close(reason: "test over") }.get()
        _ = try await channel.finish(acceptAlreadyClosed: true)
        await recorded.stop()
    }
}

/// Collects the phases a driver publishes.
private final class PhaseRecorder: Sendable {
    private let state = PhaseLog()
    private let task: Task<Void, Never>

    init(_ events: AsyncStream<ClientEvent>) {
        let state = self.state
        task = Task {
            for await case .phaseChanged(let phase, _) in events { await state.append(phase) }
        }
    }

    /// What was collected so far (poll with a deadline: the collector runs asynchronously).
    var phases: [ConnectionPhase] {
        get async { await state.phases }
    }

    func stop() async {
        task.cancel()
    }
}

private actor PhaseLog {
    private(set) var phases: [ConnectionPhase] = []
    func append(_ phase: ConnectionPhase) { phases.append(phase) }
}
