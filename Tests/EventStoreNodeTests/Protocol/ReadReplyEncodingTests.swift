import EventStoreTesting
import EventStoreWire
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

@testable import EventStoreNode

/// The node's hand-written read-reply encoders write exactly the bytes SwiftProtobuf writes for
/// the same message (built here the slow way), for both client versions and every field shape:
/// links with and without targets, empty and large bodies, non-ASCII names, extreme numbers.
@Suite struct ReadReplyEncodingTests {
    // MARK: The reference: SwiftProtobuf messages built from the same reply

    static func record(_ event: RecordedLogEvent, _ version: ClientVersion) -> ESEventRecord {
        var record = ESEventRecord(event)
        if version == .v1 { record.eventNumber = ClientVersion.downgrade(record.eventNumber) }
        return record
    }

    static func indexed(_ records: ReadRecords, _ version: ClientVersion) -> [ESResolvedIndexedEvent] {
        (0..<records.count).map { index in
            var message = ESResolvedIndexedEvent()
            let (event, link) = records[index]
            if let event { message.event = record(event, version) }
            if let link { message.link = record(link, version) }
            return message
        }
    }

    static func resolved(_ records: ReadRecords, _ version: ClientVersion) -> [ESResolvedEvent] {
        (0..<records.count).map { index in
            var message = ESResolvedEvent()
            let (event, link) = records[index]
            if let event { message.event = record(event, version) }
            if let link { message.link = record(link, version) }
            message.commitPosition = records.records[index].position.commit
            message.preparePosition = records.records[index].position.prepare
            return message
        }
    }

    // MARK: Random replies

    static func event(_ random: inout SeededRandom, number: Int64) -> RecordedLogEvent {
        let streams = ["orders-1", "", "$ce-orders", "prämie-ß-\u{1F600}", String(repeating: "s", count: 200)]
        let sizes = [0, 1, 127, 128, 200, 4096, 20_000]
        let dataSize = sizes.randomElement(using: &random)!
        let metadataSize = [0, 0, 14, 300].randomElement(using: &random)!
        let commit = Int64.random(in: 0...(1 << 40), using: &random)
        return RecordedLogEvent(
            stream: streams.randomElement(using: &random)!,
            number: number,
            eventID: (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) },
            type: ["OrderPlaced", "$>", "$metadata", "Événement"].randomElement(using: &random)!,
            isJSON: Bool.random(using: &random),
            data: (0..<dataSize).map { _ in UInt8.random(in: 0...255, using: &random) },
            metadata: (0..<metadataSize).map { _ in UInt8.random(in: 0...255, using: &random) },
            createdMs: Int64.random(in: 0...2_000_000_000_000, using: &random),
            position: LogPosition(commit: commit, prepare: commit - Int64.random(in: 0...3, using: &random))
        )
    }

    /// Up to 12 records: plain, links with an unreadable target, links with a target.
    static func records(_ random: inout SeededRandom) -> ReadRecords {
        let numbers: [Int64] = [0, 1, 127, 128, Int64(Int32.max), Int64(Int32.max) + 1, 5_000_000_000, .max, -1]
        let count = Int.random(in: 0...12, using: &random)
        var records = ReadRecords((0..<count).map { _ in event(&random, number: numbers.randomElement(using: &random)!) })
        for index in 0..<count {
            switch Int.random(in: 0...2, using: &random) {
            case 0: break
            case 1: records.resolveLink(at: index, to: nil)
            default: records.resolveLink(at: index, to: event(&random, number: numbers.randomElement(using: &random)!))
            }
        }
        return records
    }

    static let seeds: [UInt64] = Array(1...40)

    @Test(arguments: seeds)
    func streamPageMatchesSwiftProtobuf(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var reply = StreamPageReply()
        reply.events = Self.records(&random)
        reply.result = [.success, .noStream, .streamDeleted, .error, .accessDenied].randomElement(using: &random)!
        reply.nextEventNumber = [-1, 0, 4096, .max].randomElement(using: &random)!
        reply.lastEventNumber = [-1, 0, Int64(Int32.max) + 7, .max, EventNumber.deletedStream].randomElement(using: &random)!
        reply.isEndOfStream = Bool.random(using: &random)
        reply.lastCommitPosition = Int64.random(in: -1...(1 << 50), using: &random)
        reply.error = Bool.random(using: &random) ? "Read size too big: ü" : nil

        for version in [ClientVersion.v1, .v2] {
            var message = ESReadStreamEventsCompleted()
            message.events = Self.indexed(reply.events, version)
            message.result = reply.result
            message.nextEventNumber = reply.nextEventNumber
            message.lastEventNumber = version == .v1 ? ClientVersion.downgrade(reply.lastEventNumber) : reply.lastEventNumber
            message.isEndOfStream = reply.isEndOfStream
            message.lastCommitPosition = reply.lastCommitPosition
            if let error = reply.error { message.error = error }
            let expected: [UInt8] = try message.serializedBytes(partial: true)
            let encoded = reply.encoded(for: version)
            #expect(Array(encoded.readableBytesView) == expected, "seed \(seed) \(version)")
        }
    }

    @Test(arguments: seeds)
    func allPageMatchesSwiftProtobuf(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let position = LogPosition(commit: Int64.random(in: 0...(1 << 45), using: &random), prepare: 12)
        for filtered in [false, true] {
            var reply = AllPageReply(at: position, filtered: filtered)
            reply.events = Self.records(&random)
            reply.nextCommitPosition = Int64.random(in: 0...(1 << 45), using: &random)
            reply.result = [.success, .notModified, .error, .accessDenied].randomElement(using: &random)!
            reply.error = Bool.random(using: &random) ? "Invalid position." : nil
            if filtered { reply.isEndOfStream = Bool.random(using: &random) }

            for version in [ClientVersion.v1, .v2] {
                let expected: [UInt8]
                if filtered {
                    var message = ESFilteredReadAllEventsCompleted()
                    message.commitPosition = reply.commitPosition
                    message.preparePosition = reply.preparePosition
                    message.events = Self.resolved(reply.events, version)
                    message.nextCommitPosition = reply.nextCommitPosition
                    message.nextPreparePosition = reply.nextPreparePosition
                    message.isEndOfStream = reply.isEndOfStream!
                    message.result = ESFilteredReadAllEventsCompleted.FilteredReadAllResult(rawValue: Int(reply.result.rawValue))!
                    if let error = reply.error { message.error = error }
                    expected = try message.serializedBytes(partial: true)
                } else {
                    var message = ESReadAllEventsCompleted()
                    message.commitPosition = reply.commitPosition
                    message.preparePosition = reply.preparePosition
                    message.events = Self.resolved(reply.events, version)
                    message.nextCommitPosition = reply.nextCommitPosition
                    message.nextPreparePosition = reply.nextPreparePosition
                    message.result = ESReadAllEventsCompleted.ReadAllResult(rawValue: Int(reply.result.rawValue))!
                    if let error = reply.error { message.error = error }
                    expected = try message.serializedBytes(partial: true)
                }
                let encoded = reply.encoded(for: version)
                #expect(Array(encoded.readableBytesView) == expected, "seed \(seed) filtered \(filtered) \(version)")
            }
        }
    }

    @Test(arguments: seeds.prefix(10))
    func eventAppearedMatchesSwiftProtobuf(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let records = Self.records(&random)
        for index in 0..<records.count {
            let (event, link) = records[index]
            let single = event == nil || link != nil ? ReadRecords(link: link!, target: event) : ReadRecords([event!])
            for version in [ClientVersion.v1, .v2] {
                var message = ESStreamEventAppeared()
                message.event = Self.resolved(single, version)[0]
                let expected: [UInt8] = try message.serializedBytes(partial: true)
                #expect(Array(single.encodedEventAppeared(for: version).readableBytesView) == expected)
            }
        }
    }
}
