import EventStoreWire
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

/// The allocation-lean read-page decoders (`ReadStreamPage`, `ReadAllPage`) agree with SwiftProtobuf's
/// generated messages field for field, including absent fields, links, unknown fields and bad input.
@Suite struct ReadPageDecodingTests {
    static func record(_ number: Int64, stream: String = "orders-1", minimal: Bool = false) -> ESEventRecord {
        var record = ESEventRecord()
        record.eventStreamID = stream
        record.eventNumber = number
        record.eventID = Data(UUID().dotNetBytes)
        record.eventType = "OrderPlaced"
        record.dataContentType = 1
        record.metadataContentType = 0
        record.data = Data("{\"n\":\(number),\"ü\":\"é\"}".utf8)
        if !minimal {
            record.metadata = Data("{\"user\":\"u1\"}".utf8)
            record.created = 638_000_000_000_000_000 + number
            record.createdEpoch = 1_700_000_000_000 + number
        }
        return record
    }

    static func expectSame(_ lean: WireEventRecord?, _ reference: ESEventRecord?) {
        #expect((lean == nil) == (reference == nil))
        guard let lean, let reference else { return }
        #expect(lean.eventStreamID == reference.eventStreamID)
        #expect(lean.eventNumber == reference.eventNumber)
        #expect(lean.eventID == UUID(dotNetBytes: reference.eventID))
        #expect(lean.eventType == reference.eventType)
        #expect(lean.dataContentType == reference.dataContentType)
        #expect(lean.metadataContentType == reference.metadataContentType)
        #expect(lean.data == Array(reference.data))
        #expect(lean.metadata == Array(reference.metadata))
        #expect(lean.created == (reference.hasCreated ? reference.created : nil))
        #expect(lean.createdEpoch == (reference.hasCreatedEpoch ? reference.createdEpoch : nil))
    }

    @Test func streamPageMatchesSwiftProtobuf() throws {
        var page = ESReadStreamEventsCompleted()
        page.result = .success
        page.nextEventNumber = 3
        page.lastEventNumber = 9
        page.isEndOfStream = false
        page.lastCommitPosition = 12_345
        page.error = "fine"
        var plain = ESResolvedIndexedEvent()
        plain.event = Self.record(0)
        var linked = ESResolvedIndexedEvent()
        linked.event = Self.record(1, minimal: true)
        linked.link = Self.record(7, stream: "$ce-orders")
        var orphanLink = ESResolvedIndexedEvent()
        orphanLink.link = Self.record(8, stream: "$ce-orders")
        page.events = [plain, linked, orphanLink]
        // An unknown field 100 (varint 1) after the known ones: both decoders must skip it.
        let bytes: [UInt8] = try page.serializedBytes(partial: true) + [0xA0, 0x06, 0x01]
        let package = TCPPackage(command: .readStreamEventsForwardCompleted, correlationID: UUID(), payload: ByteBuffer(bytes: bytes))

        let lean = try ReadStreamPage(decoding: package)
        let reference = try package.decodeMessage(as: ESReadStreamEventsCompleted.self)
        #expect(lean.result == reference.result)
        #expect(lean.nextEventNumber == reference.nextEventNumber)
        #expect(lean.lastEventNumber == reference.lastEventNumber)
        #expect(lean.isEndOfStream == reference.isEndOfStream)
        #expect(lean.lastCommitPosition == reference.lastCommitPosition)
        #expect(lean.error == reference.error)
        #expect(lean.events.count == reference.events.count)
        for (mine, theirs) in zip(lean.events, reference.events) {
            Self.expectSame(mine.event, theirs.hasEvent ? theirs.event : nil)
            Self.expectSame(mine.link, theirs.hasLink ? theirs.link : nil)
        }

        // Header first, events later (the read sequences' order): the same page in two steps.
        let header = try ReadStreamPage(decoding: package, events: false)
        #expect(header.events.isEmpty && header.eventCount == 3 && lean.eventCount == 3)
        #expect(header.nextEventNumber == lean.nextEventNumber && header.isEndOfStream == lean.isEndOfStream)
        #expect(header.error == lean.error && header.result == lean.result)
        #expect(try ReadStreamPage.events(in: package, expectedCount: header.eventCount) == lean.events)
    }

    @Test func allPageMatchesSwiftProtobuf() throws {
        var page = ESReadAllEventsCompleted()
        page.commitPosition = 10
        page.preparePosition = 11
        page.nextCommitPosition = 900
        page.nextPreparePosition = 901
        page.result = .accessDenied
        var resolved = ESResolvedEvent()
        resolved.event = Self.record(4)
        resolved.commitPosition = 100
        resolved.preparePosition = 99
        page.events = [resolved, resolved]
        let package = TCPPackage(command: .readAllEventsForwardCompleted, correlationID: UUID(), message: page)

        let lean = try ReadAllPage(decoding: package)
        let reference = try package.decodeMessage(as: ESReadAllEventsCompleted.self)
        #expect(lean.commitPosition == reference.commitPosition)
        #expect(lean.preparePosition == reference.preparePosition)
        #expect(lean.nextCommitPosition == reference.nextCommitPosition)
        #expect(lean.nextPreparePosition == reference.nextPreparePosition)
        #expect(lean.result == reference.result)
        #expect(lean.events.map(\.commitPosition) == reference.events.map(\.commitPosition))
        #expect(lean.events.map(\.preparePosition) == reference.events.map(\.preparePosition))
        for (mine, theirs) in zip(lean.events, reference.events) {
            Self.expectSame(mine.event, theirs.event)
        }

        let header = try ReadAllPage(decoding: package, events: false)
        #expect(header.events.isEmpty && header.eventCount == 2)
        #expect(header.nextCommitPosition == 900 && header.nextPreparePosition == 901 && header.result == .accessDenied)
        #expect(try ReadAllPage.events(in: package) == lean.events)
    }

    @Test func emptyPayloadGivesDefaultsLikeSwiftProtobuf() throws {
        let package = TCPPackage(command: .readAllEventsForwardCompleted, correlationID: UUID(), payload: ByteBuffer())
        let lean = try ReadAllPage(decoding: package)
        let reference = try package.decodeMessage(as: ESReadAllEventsCompleted.self)
        #expect(lean.result == reference.result)
        #expect(lean.events.isEmpty && reference.events.isEmpty)
        #expect(lean.nextCommitPosition == reference.nextCommitPosition)
    }

    @Test(arguments: [
        [0x0A, 0x05, 0x01],             // events: length beyond the payload
        [0x10],                          // result: truncated varint
        [0x0A, 0x02, 0x0A, 0x09],        // nested record longer than its parent
        [0x3A, 0x02, 0xC3, 0x28],        // error: invalid UTF-8
        [0x0F],                          // wire type 7
    ] as [[UInt8]])
    func malformedPayloadsFailLikeSwiftProtobuf(bytes: [UInt8]) {
        let package = TCPPackage(command: .readStreamEventsForwardCompleted, correlationID: UUID(), payload: ByteBuffer(bytes: bytes))
        #expect(throws: TCPPayloadError.self) { try ReadStreamPage(decoding: package) }
        #expect(throws: TCPPayloadError.self) {
            // The header pass checks lengths; a nested record's contents fail when the events are decoded.
            _ = try ReadStreamPage(decoding: package, events: false)
            _ = try ReadStreamPage.events(in: package)
        }
        #expect(throws: TCPPayloadError.self) { try package.decodeMessage(as: ESReadStreamEventsCompleted.self) }
    }
}
