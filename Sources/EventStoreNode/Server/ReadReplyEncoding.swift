import EventStoreWire
import NIOCore

// Hand-written protobuf encoding of the read replies, straight from the stored records.
//
// Reads are the node's hottest path: building `ESEventRecord`s (three `Data` copies and a storage
// object per event) and serializing them through SwiftProtobuf's visitors cost about a third of the
// node's CPU in the read benchmark. These encoders write the same bytes (fields in number order,
// as SwiftProtobuf does; `ReadReplyEncodingTests` compares them byte for byte) in two passes:
// sizes first, then one reserved buffer.

/// The field layout of `EventRecord` (docs/protocol.md §4.9) for one stored event.
private enum EventRecordEncoding {
    static func size(_ event: borrowing RecordedLogEvent, version: ClientVersion) -> Int {
        let contentType: Int32 = event.isJSON ? 1 : 0
        return ProtoSize.lengthDelimited(1, event.stream.utf8.count)
            + ProtoSize.int64(2, number(event, version))
            + ProtoSize.lengthDelimited(3, event.eventID.count)
            + ProtoSize.lengthDelimited(4, event.type.utf8.count)
            + ProtoSize.int32(5, contentType) * 2
            + ProtoSize.lengthDelimited(7, event.data.count)
            + ProtoSize.lengthDelimited(8, event.metadata.count)
            + ProtoSize.int64(9, dotNetBinaryDate(epochMilliseconds: event.createdMs))
            + ProtoSize.int64(10, event.createdMs)
    }

    static func write(_ event: borrowing RecordedLogEvent, version: ClientVersion, into sink: inout ProtoSink) {
        let contentType: Int32 = event.isJSON ? 1 : 0
        sink.string(field: 1, event.stream)
        sink.int64(field: 2, number(event, version))
        sink.bytes(field: 3, event.eventID)
        sink.string(field: 4, event.type)
        sink.int32(field: 5, contentType)
        sink.int32(field: 6, contentType)
        sink.bytes(field: 7, event.data)
        sink.bytes(field: 8, event.metadata)
        sink.int64(field: 9, dotNetBinaryDate(epochMilliseconds: event.createdMs))
        sink.int64(field: 10, event.createdMs)
    }

    /// V1 clients see 32-bit event numbers.
    private static func number(_ event: borrowing RecordedLogEvent, _ version: ClientVersion) -> Int64 {
        version == .v1 ? ClientVersion.downgrade(event.number) : event.number
    }
}

/// `ResolvedIndexedEvent` (event = 1, link = 2) and `ResolvedEvent` (the same plus positions 3, 4)
/// for each record of a page, with every nested size computed once.
private struct ReadRecordsEncoding {
    let records: ReadRecords
    let withPosition: Bool
    let version: ClientVersion
    /// Per record: the body sizes of its event and link records (0 when absent) and of itself.
    private var sizes: [(event: Int, link: Int, record: Int)] = []

    init(_ records: ReadRecords, withPosition: Bool, version: ClientVersion) {
        self.records = records
        self.withPosition = withPosition
        self.version = version
        sizes.reserveCapacity(records.count)
        for index in records.records.indices {
            var event = 0
            var link = 0
            var size = 0
            if let target = records.target(at: index) {
                if let target {
                    event = EventRecordEncoding.size(target, version: version)
                    size += ProtoSize.lengthDelimited(1, event)
                }
                link = EventRecordEncoding.size(records.records[index], version: version)
                size += ProtoSize.lengthDelimited(2, link)
            } else {
                event = EventRecordEncoding.size(records.records[index], version: version)
                size += ProtoSize.lengthDelimited(1, event)
            }
            if withPosition {
                let position = records.records[index].position
                size += ProtoSize.int64(3, position.commit) + ProtoSize.int64(4, position.prepare)
            }
            sizes.append((event, link, size))
        }
    }

    /// The bytes of the records as repeated field `field`.
    func size(asField field: Int) -> Int {
        sizes.reduce(0) { $0 + ProtoSize.lengthDelimited(field, $1.record) }
    }

    /// Writes the records as repeated field `field`, each length-prefixed.
    func write(asField field: Int, into sink: inout ProtoSink) {
        for index in sizes.indices {
            sink.lengthPrefix(field: field, length: sizes[index].record)
            write(at: index, into: &sink)
        }
    }

    /// Writes the first record's body alone (`StreamEventAppeared` holds one `ResolvedEvent`).
    func writeFirst(into sink: inout ProtoSink) { write(at: 0, into: &sink) }
    var firstSize: Int { sizes[0].record }

    private func write(at index: Int, into sink: inout ProtoSink) {
        let size = sizes[index]
        if let target = records.target(at: index) {
            if let target {
                sink.lengthPrefix(field: 1, length: size.event)
                EventRecordEncoding.write(target, version: version, into: &sink)
            }
            sink.lengthPrefix(field: 2, length: size.link)
            EventRecordEncoding.write(records.records[index], version: version, into: &sink)
        } else {
            sink.lengthPrefix(field: 1, length: size.event)
            EventRecordEncoding.write(records.records[index], version: version, into: &sink)
        }
        if withPosition {
            let position = records.records[index].position
            sink.int64(field: 3, position.commit)
            sink.int64(field: 4, position.prepare)
        }
    }
}

extension StreamPageReply {
    /// The reply's protobuf bytes (`ReadStreamEventsCompleted`) as a client of `version` expects them.
    func encoded(for version: ClientVersion) -> ByteBuffer {
        let last = version == .v1 ? ClientVersion.downgrade(lastEventNumber) : lastEventNumber
        let result = Int32(result.rawValue)
        let records = ReadRecordsEncoding(events, withPosition: false, version: version)
        let size = records.size(asField: 1)
            + ProtoSize.int32(2, result) + ProtoSize.int64(3, nextEventNumber) + ProtoSize.int64(4, last)
            + ProtoSize.bool(5) + ProtoSize.int64(6, lastCommitPosition)
            + (error.map { ProtoSize.lengthDelimited(7, $0.utf8.count) } ?? 0)
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeProtoMessage(size: size) { sink in
            records.write(asField: 1, into: &sink)
            sink.int32(field: 2, result)
            sink.int64(field: 3, nextEventNumber)
            sink.int64(field: 4, last)
            sink.bool(field: 5, isEndOfStream)
            sink.int64(field: 6, lastCommitPosition)
            if let error { sink.string(field: 7, error) }
        }
        return buffer
    }
}

extension AllPageReply {
    /// The reply's protobuf bytes: `FilteredReadAllEventsCompleted` when `isEndOfStream` is set,
    /// else `ReadAllEventsCompleted`.
    func encoded(for version: ClientVersion) -> ByteBuffer {
        // The filtered message inserts is_end_of_stream at 6 and moves result and error up by one.
        let resultField = isEndOfStream == nil ? 6 : 7
        let records = ReadRecordsEncoding(events, withPosition: true, version: version)
        let size = ProtoSize.int64(1, commitPosition) + ProtoSize.int64(2, preparePosition)
            + records.size(asField: 3)
            + ProtoSize.int64(4, nextCommitPosition) + ProtoSize.int64(5, nextPreparePosition)
            + (isEndOfStream == nil ? 0 : ProtoSize.bool(6))
            + ProtoSize.int32(resultField, result.rawValue)
            + (error.map { ProtoSize.lengthDelimited(resultField + 1, $0.utf8.count) } ?? 0)
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeProtoMessage(size: size) { sink in
            sink.int64(field: 1, commitPosition)
            sink.int64(field: 2, preparePosition)
            records.write(asField: 3, into: &sink)
            sink.int64(field: 4, nextCommitPosition)
            sink.int64(field: 5, nextPreparePosition)
            if let isEndOfStream { sink.bool(field: 6, isEndOfStream) }
            sink.int32(field: resultField, result.rawValue)
            if let error { sink.string(field: resultField + 1, error) }
        }
        return buffer
    }
}

extension ReadRecords {
    /// A `StreamEventAppeared` message (`event = 1`, a `ResolvedEvent`) carrying the first record.
    func encodedEventAppeared(for version: ClientVersion) -> ByteBuffer {
        let record = ReadRecordsEncoding(self, withPosition: true, version: version)
        let size = ProtoSize.lengthDelimited(1, record.firstSize)
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeProtoMessage(size: size) { sink in
            sink.lengthPrefix(field: 1, length: record.firstSize)
            record.writeFirst(into: &sink)
        }
        return buffer
    }
}
