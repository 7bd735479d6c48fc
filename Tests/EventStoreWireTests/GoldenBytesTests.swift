import EventStoreWire
import Foundation
import NIOCore
import Testing

/// The worked byte examples of docs/protocol.md §1.8, in both directions.
@Suite struct GoldenBytesTests {
    @Test func heartbeatRequestEncodes() throws {
        let package = TCPPackage(command: .heartbeatRequest, correlationID: Fixtures.exampleID)
        #expect(Fixtures.bytes(try package.encodedFrame()) == Fixtures.heartbeatFrame)
    }

    @Test func heartbeatRequestDecodes() throws {
        let packages = try TCPFrameReader.decodeAll(ByteBuffer(bytes: Fixtures.heartbeatFrame))
        #expect(packages.count == 1)
        #expect(packages[0].command == .heartbeatRequest)
        #expect(packages[0].flags == [])
        #expect(packages[0].correlationID == Fixtures.exampleID)
        #expect(packages[0].credentials == nil)
        #expect(packages[0].payload.readableBytes == 0)
    }

    @Test func identifyClientEncodes() throws {
        var identify = ESIdentifyClient()
        identify.version = 1
        identify.connectionName = "app"
        let package = TCPPackage(command: .identifyClient, correlationID: Fixtures.exampleID, message: identify)
        #expect(Fixtures.bytes(try package.encodedFrame()) == Fixtures.identifyFrame)
    }

    @Test func identifyClientDecodes() throws {
        let package = try #require(try TCPFrameReader.decodeAll(ByteBuffer(bytes: Fixtures.identifyFrame)).first)
        let identify = try package.decodeMessage(as: ESIdentifyClient.self)
        #expect(package.command == .identifyClient)
        #expect(identify.version == 1)
        #expect(identify.connectionName == "app")
    }

    @Test func authenticatedReadEventEncodes() throws {
        let package = TCPPackage(
            command: .readEvent, correlationID: Fixtures.exampleID,
            credentials: .password(login: "admin", password: "changeit"), message: Fixtures.readEventMessage())
        let frame = Fixtures.bytes(try package.encodedFrame())
        #expect(frame == Fixtures.readEventFrame)
        #expect(frame.count == 4 + 42)
    }

    @Test func authenticatedReadEventDecodes() throws {
        let package = try #require(try TCPFrameReader.decodeAll(ByteBuffer(bytes: Fixtures.readEventFrame)).first)
        #expect(package.command == .readEvent)
        #expect(package.flags == .authenticated)
        #expect(package.credentials == .password(login: "admin", password: "changeit"))
        let read = try package.decodeMessage(as: ESReadEvent.self)
        #expect(read == Fixtures.readEventMessage())
        #expect(read.hasResolveLinkTos && read.hasRequireLeader && read.hasEventNumber)
    }

    @Test func tokenAuthBlock() throws {
        let package = TCPPackage(command: .ping, correlationID: Fixtures.exampleID, credentials: .token("abc"))
        let frame = Fixtures.bytes(try package.encodedFrame())
        #expect(Array(frame[22...]) == [0xfd, 0xff, 0x61, 0x62, 0x63])
        #expect(frame[5] == 0x01)
        let decoded = try #require(try TCPFrameReader.decodeAll(ByteBuffer(bytes: frame)).first)
        #expect(decoded.credentials == .token("abc"))
        #expect(decoded.payload.readableBytes == 0)
    }

    @Test func negativeExpectedVersionIsATenByteVarint() throws {
        var write = ESWriteEvents()
        write.eventStreamID = ""
        write.expectedVersion = -2
        write.requireLeader = false
        let bytes: [UInt8] = try write.serializedBytes()
        let expected: [UInt8] = [0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        #expect(bytes.count == 2 + expected.count + 2)
        #expect(Array(bytes[2..<13]) == expected)
        #expect(try ESWriteEvents(serializedBytes: bytes).expectedVersion == -2)
    }

    @Test func negativeInt32IsAlsoTenBytes() throws {
        var filtered = ESFilteredSubscribeToStream()
        filtered.checkpointInterval = -1
        let bytes: [UInt8] = try filtered.serializedBytes(partial: true)
        #expect(bytes == [0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    }

    @Test func pongEchoesOpaquePayload() throws {
        let package = TCPPackage(command: .pong, correlationID: Fixtures.exampleID, payload: ByteBuffer(bytes: [1, 2, 3]))
        let decoded = try #require(try TCPFrameReader.decodeAll(try package.encodedFrame()).first)
        guard case .bytes(let bytes) = try decoded.decodePayload() else {
            Issue.record("Pong payload should decode as opaque bytes")
            return
        }
        #expect(bytes == [1, 2, 3])
    }
}
