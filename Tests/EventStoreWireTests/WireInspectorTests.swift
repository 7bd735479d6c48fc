import EventStoreWire
import Foundation
import NIOCore
import Testing

/// The inspector behind `esdb wire decode`.
@Suite struct WireInspectorTests {
    static func hex(_ bytes: [UInt8]) -> String { HexBytes.format(bytes) }

    @Test func heartbeat() throws {
        let frames = try WireInspector.inspect(hex: Self.hex(Fixtures.heartbeatFrame))
        #expect(frames.count == 1)
        #expect(frames[0].text == """
            frame 1: 18 bytes  HeartbeatRequestCommand (0x01)
              flags:          None
              correlation id: 00112233-4455-6677-8899-aabbccddeeff
              payload:        (empty)
            """)
    }

    @Test func authenticatedReadEventMasksThePassword() throws {
        let frame = try #require(try WireInspector.inspect(hex: Self.hex(Fixtures.readEventFrame)).first)
        #expect(frame.text.contains("credentials:    login \"admin\", password ***"))
        #expect(!frame.text.contains("changeit"))
        #expect(frame.json.compactText == """
            {"frame":1,"length":42,"command":"ReadEvent","code":"0xB0","flags":["Authenticated"],\
            "correlation_id":"00112233-4455-6677-8899-aabbccddeeff","login":"admin","password":"***",\
            "payload":{"event_stream_id":"s","event_number":0,"resolve_link_tos":false,"require_leader":false}}
            """)
    }

    @Test func readEventCompletedShowsJSONDataAndGUIDs() throws {
        let eventID = UUID(uuidString: "11111111-2222-3333-4444-555555555555")!
        var record = ESEventRecord()
        record.eventStreamID = "orders-1"
        record.eventNumber = 3
        record.eventID = Data(eventID.dotNetBytes)
        record.eventType = "OrderPlaced"
        record.dataContentType = 1
        record.metadataContentType = 1
        record.data = Data("{\"total\":12.5,\"items\":[\"a\"]}".utf8)
        record.metadata = Data()
        record.createdEpoch = 1_700_000_000_000
        var completed = ESReadEventCompleted()
        completed.result = .success
        completed.event.event = record
        let package = TCPPackage(command: .readEventCompleted, correlationID: Fixtures.exampleID, message: completed)
        let frames = try WireInspector.inspect(bytes: Fixtures.bytes(try package.encodedFrame()))
        let payload = frames[0].json["payload"]
        #expect(payload?["result"] == .string("Success"))
        let event = payload?["event"]?["event"]
        #expect(event?["event_id"] == .string("11111111-2222-3333-4444-555555555555"))
        #expect(event?["event_number"] == .int(3))
        #expect(event?["data"] == .object([("total", .double(12.5)), ("items", .array([.string("a")]))]))
        #expect(event?["created_epoch"] == .int(1_700_000_000_000))
        #expect(frames[0].text.contains("data: {\"total\":12.5,\"items\":[\"a\"]}"))
        #expect(frames[0].text.contains("event_id: \"11111111-2222-3333-4444-555555555555\""))
    }

    @Test func binaryDataIsBase64() throws {
        var record = ESEventRecord()
        record.data = Data([0x00, 0xff, 0x10])
        let json = WireInspector.messageJSON(record)
        #expect(json["data_base64"] == .string("AP8Q"))
    }

    @Test func notLeaderShowsLeaderInfo() throws {
        var info = ESNotHandled.LeaderInfo()
        info.externalTcpAddress = "127.0.0.1"
        info.externalTcpPort = 1113
        info.httpAddress = "127.0.0.1"
        info.httpPort = 2113
        var notHandled = ESNotHandled()
        notHandled.reason = .notLeader
        notHandled.additionalInfo = try info.serializedBytes()
        let json = WireInspector.messageJSON(notHandled)
        #expect(json["reason"] == .string("NotLeader"))
        #expect(json["leader_info"]?["external_tcp_port"] == .int(1113))
    }

    @Test func multipleFramesAreNumbered() throws {
        let frames = try WireInspector.inspect(bytes: Fixtures.heartbeatFrame + Fixtures.identifyFrame)
        #expect(frames.map(\.index) == [1, 2])
        #expect(frames[1].json["payload"] == .object([("version", .int(1)), ("connection_name", .string("app"))]))
    }

    @Test func badInputsGiveOneClearError() {
        func message(_ hex: String) -> String {
            do {
                _ = try WireInspector.inspect(hex: hex)
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(message("123") == "bad hex input: odd number of hex digits (3); every byte needs two")
        #expect(message("zz") == "bad hex input: invalid hex character 'z' at offset 0")
        #expect(message("") == "bad hex input: no hex digits in input")
        #expect(message("ffffffff") == "frame 1: invalid frame length 4294967295 (must be 1...67108864)")
        #expect(message("12 00 00 00 01 00 33 22") == "frame 1: truncated frame: length says 22 bytes, only 8 present")
        #expect(message(Self.hex(Fixtures.heartbeatFrame) + " 05 00 00 00 01")
            == "frame 2: package of 5 bytes is shorter than the 18-byte header")
        let unknown = [0x12, 0, 0, 0, 0x77, 0] + Fixtures.exampleIDBytes
        #expect(message(Self.hex(unknown)) == "frame 1: cannot decode Unknown(0x77) payload: unknown command 0x77")
        let badPayload = [0x14, 0, 0, 0, 0x82, 0] + Fixtures.exampleIDBytes + [0x0a, 0xff]
        #expect(message(Self.hex(badPayload)).hasPrefix("frame 1: cannot decode WriteEvents payload:"))
    }

    @Test func hexParserAcceptsSpacesAndPrefixes() throws {
        #expect(try HexBytes.parse("0x12 0xAB\n cd") == [0x12, 0xab, 0xcd])
        #expect(try HexBytes.parse("12:ab") == [0x12, 0xab])
    }
}
