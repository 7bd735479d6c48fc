import EventStoreWire
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

/// Protobuf messages: round trips, lenient decoding (docs/protocol.md §3.3), the command table.
@Suite struct MessageTests {
    static func newEvent(_ id: UUID, json: String) -> ESNewEvent {
        var event = ESNewEvent()
        event.eventID = Data(id.dotNetBytes)
        event.eventType = "OrderPlaced"
        event.dataContentType = 1
        event.metadataContentType = 0
        event.data = Data(json.utf8)
        event.metadata = Data("{\"user\":\"u1\"}".utf8)
        return event
    }

    @Test func writeEventsRoundTripsThroughAPackage() throws {
        var write = ESWriteEvents()
        write.eventStreamID = "orders-1"
        write.expectedVersion = -1
        write.requireLeader = true
        write.events = [Self.newEvent(UUID(), json: "{\"total\":12}"), Self.newEvent(UUID(), json: "{}")]
        #expect(write.isInitialized)
        let package = TCPPackage(command: .writeEvents, correlationID: UUID(), message: write)
        let decoded = try #require(try TCPFrameReader.decodeAll(try package.encodedFrame()).first)
        #expect(try decoded.decodeMessage(as: ESWriteEvents.self) == write)
    }

    @Test func readStreamCompletedRoundTripsWithLinks() throws {
        var record = ESEventRecord()
        record.eventStreamID = "orders-1"
        record.eventNumber = 5
        record.eventID = Data(UUID().dotNetBytes)
        record.eventType = "OrderShipped"
        record.dataContentType = 1
        record.metadataContentType = 1
        record.data = Data("{}".utf8)
        record.metadata = Data()
        record.createdEpoch = 1_700_000_000_000
        var link = record
        link.eventStreamID = "$ce-orders"
        link.eventType = "$>"
        link.data = Data("5@orders-1".utf8)
        var indexed = ESResolvedIndexedEvent()
        indexed.event = record
        indexed.link = link
        var completed = ESReadStreamEventsCompleted()
        completed.events = [indexed]
        completed.result = .success
        completed.nextEventNumber = 6
        completed.lastEventNumber = 5
        completed.isEndOfStream = true
        completed.lastCommitPosition = 99
        let bytes: [UInt8] = try completed.serializedBytes()
        #expect(try ESReadStreamEventsCompleted(serializedBytes: bytes) == completed)
    }

    @Test func emptyPayloadDecodesLenientlyAsDefaults() throws {
        // A 22.x+ server omits every default: a successful WriteEventsCompleted can be empty.
        let package = TCPPackage(command: .writeEventsCompleted, correlationID: UUID())
        let completed = try package.decodeMessage(as: ESWriteEventsCompleted.self)
        #expect(completed.result == .success)
        #expect(completed.firstEventNumber == 0)
        #expect(!completed.hasCurrentVersion)
        #expect(!completed.isInitialized)
    }

    @Test func missingRequiredNestedEventDecodes() throws {
        // 20.x: ReadEventCompleted(NotFound) carries an empty ResolvedIndexedEvent.
        var completed = ESReadEventCompleted()
        completed.result = .notFound
        completed.event = ESResolvedIndexedEvent()
        let bytes: [UInt8] = try completed.serializedBytes(partial: true)
        let package = TCPPackage(command: .readEventCompleted, correlationID: UUID(), payload: ByteBuffer(bytes: bytes))
        let decoded = try package.decodeMessage(as: ESReadEventCompleted.self)
        #expect(decoded.result == .notFound)
        #expect(decoded.hasEvent && !decoded.event.hasEvent)
    }

    @Test func missingReadAllResultMeansSuccess() throws {
        var completed = ESReadAllEventsCompleted()
        completed.commitPosition = 0
        completed.preparePosition = 0
        completed.nextCommitPosition = 10
        completed.nextPreparePosition = 10
        let decoded = try ESReadAllEventsCompleted(serializedBytes: try completed.serializedBytes() as [UInt8])
        #expect(!decoded.hasResult)
        #expect(decoded.result == .success)
    }

    @Test func absentLastEventNumberMeansAllSubscription() throws {
        var confirmation = ESSubscriptionConfirmation()
        confirmation.lastCommitPosition = 42
        let decoded = try ESSubscriptionConfirmation(serializedBytes: try confirmation.serializedBytes() as [UInt8])
        #expect(!decoded.hasLastEventNumber)
        confirmation.lastEventNumber = -1
        #expect(try ESSubscriptionConfirmation(serializedBytes: try confirmation.serializedBytes() as [UInt8]).hasLastEventNumber)
    }

    @Test func unknownEnumValueIsTolerated() throws {
        // NotHandled with reason 9 (a future value): field 1 varint 9.
        let package = TCPPackage(command: .notHandled, correlationID: UUID(), payload: ByteBuffer(bytes: [0x08, 0x09]))
        let decoded = try package.decodeMessage(as: ESNotHandled.self)
        #expect(!decoded.hasReason)
        #expect(decoded.unknownFields.data == Data([0x08, 0x09]))
    }

    @Test func notLeaderCarriesLeaderInfo() throws {
        var info = ESNotHandled.LeaderInfo()
        info.externalTcpAddress = "10.0.0.2"
        info.externalTcpPort = 1113
        info.httpAddress = "10.0.0.2"
        info.httpPort = 2113
        var notHandled = ESNotHandled()
        notHandled.reason = .notLeader
        notHandled.additionalInfo = try info.serializedBytes()
        let roundTripped = try ESNotHandled(serializedBytes: try notHandled.serializedBytes() as [UInt8])
        #expect(try ESNotHandled.LeaderInfo(serializedBytes: roundTripped.additionalInfo) == info)
    }

    @Test func garbagePayloadGivesATypedError() {
        let package = TCPPackage(command: .writeEvents, correlationID: UUID(), payload: ByteBuffer(bytes: [0x0a, 0xff]))
        #expect(throws: TCPPayloadError.self) { try package.decodeMessage(as: ESWriteEvents.self) }
        #expect(throws: TCPPayloadError.self) { try package.decodePayload() }
    }

    @Test func textPayloadsAreUTF8() throws {
        let package = TCPPackage(command: .badRequest, correlationID: .zero, payload: ByteBuffer(string: "Invalid TCP frame"))
        guard case .text(let text) = try package.decodePayload() else {
            Issue.record("BadRequest payload should be text")
            return
        }
        #expect(text == "Invalid TCP frame")
        let bad = TCPPackage(command: .notAuthenticated, correlationID: UUID(), payload: ByteBuffer(bytes: [0xc3]))
        #expect(throws: TCPPayloadError.self) { try bad.decodePayload() }
    }

    @Test func emptyPayloadCommandsRejectBytes() {
        let package = TCPPackage(command: .heartbeatResponse, correlationID: UUID(), payload: ByteBuffer(bytes: [1]))
        #expect(throws: TCPPayloadError.self) { try package.decodePayload() }
    }

    @Test func unknownCommandsAreRepresentableButRejectedOnDecode() {
        let command = TCPCommand(rawValue: 0x05)
        #expect(!command.isKnown)
        #expect(command.name == "Unknown(0x05)")
        #expect(throws: TCPPayloadError.self) { try TCPPackage(command: command, correlationID: UUID()).decodePayload() }
    }

    @Test func commandTableMatchesProtocol() {
        let pairs: [(TCPCommand, TCPCommand)] = [
            (.heartbeatRequest, .heartbeatResponse), (.ping, .pong), (.authenticate, .authenticated),
            (.identifyClient, .clientIdentified), (.writeEvents, .writeEventsCompleted),
            (.transactionStart, .transactionStartCompleted), (.transactionWrite, .transactionWriteCompleted),
            (.transactionCommit, .transactionCommitCompleted), (.deleteStream, .deleteStreamCompleted),
            (.readEvent, .readEventCompleted), (.readStreamEventsForward, .readStreamEventsForwardCompleted),
            (.readStreamEventsBackward, .readStreamEventsBackwardCompleted),
            (.readAllEventsForward, .readAllEventsForwardCompleted), (.readAllEventsBackward, .readAllEventsBackwardCompleted),
            (.filteredReadAllEventsForward, .filteredReadAllEventsForwardCompleted),
            (.filteredReadAllEventsBackward, .filteredReadAllEventsBackwardCompleted),
            (.subscribeToStream, .subscriptionConfirmation), (.filteredSubscribeToStream, .subscriptionConfirmation),
            (.unsubscribeFromStream, .subscriptionDropped),
            (.connectToPersistentSubscription, .persistentSubscriptionConfirmation),
            (.createPersistentSubscription, .createPersistentSubscriptionCompleted),
            (.updatePersistentSubscription, .updatePersistentSubscriptionCompleted),
            (.deletePersistentSubscription, .deletePersistentSubscriptionCompleted),
            (.scavengeDatabase, .scavengeDatabaseResponse),
        ]
        for (request, reply) in pairs {
            #expect(request.replyCommand == reply, "\(request)")
        }
        #expect(TCPCommand.filteredReadAllEventsBackwardCompleted.rawValue == 0xBE)
        #expect(TCPCommand.allKnown.count == 55)
        #expect(TCPCommand.allKnown.allSatisfy { !$0.name.hasPrefix("Unknown") })
        #expect(TCPCommand.readEvent.description == "ReadEvent (0xB0)")
    }
}
