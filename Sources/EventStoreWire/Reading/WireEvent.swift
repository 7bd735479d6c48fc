import Foundation

/// An `EventRecord` as a read reply carries it, decoded straight from the payload bytes
/// (one allocation for the data, none for short strings) — see ``ReadStreamPage``.
public struct WireEventRecord: Sendable, Hashable {
    public var eventStreamID = ""
    public var eventNumber: Int64 = 0
    /// The event id; nil when the field is not 16 bytes.
    public var eventID: UUID?
    public var eventType = ""
    public var dataContentType: Int32 = 0
    public var metadataContentType: Int32 = 0
    public var data: [UInt8] = []
    public var metadata: [UInt8] = []
    /// .NET ticks, when present.
    public var created: Int64?
    /// Milliseconds since 1970, when present.
    public var createdEpoch: Int64?

    public init() {}

    /// Decodes (merges) the fields of an `EventRecord` message into `self`.
    mutating func merge(_ reader: inout ProtoReader) throws(ProtoReadError) {
        while let field = try reader.nextField() {
            switch field.number {
            case 1: eventStreamID = try reader.string(wireType: field.wireType)
            case 2: eventNumber = Int64(bitPattern: try reader.varint(wireType: field.wireType))
            case 3: eventID = try reader.dotNetGUID(wireType: field.wireType)
            case 4: eventType = try reader.string(wireType: field.wireType)
            case 5: dataContentType = Int32(truncatingIfNeeded: try reader.varint(wireType: field.wireType))
            case 6: metadataContentType = Int32(truncatingIfNeeded: try reader.varint(wireType: field.wireType))
            case 7: data = try reader.byteArray(wireType: field.wireType)
            case 8: metadata = try reader.byteArray(wireType: field.wireType)
            case 9: created = Int64(bitPattern: try reader.varint(wireType: field.wireType))
            case 10: createdEpoch = Int64(bitPattern: try reader.varint(wireType: field.wireType))
            default: try reader.skip(wireType: field.wireType, number: field.number)
            }
        }
    }
}

/// A `ResolvedIndexedEvent` (stream reads) or `ResolvedEvent` (`$all` reads, pushes): the event,
/// the link that led to it, and — for `ResolvedEvent` — its `$all` position.
public struct WireResolvedEvent: Sendable, Hashable {
    public var event: WireEventRecord?
    public var link: WireEventRecord?
    public var commitPosition: Int64 = 0
    public var preparePosition: Int64 = 0

    public init() {}

    /// Decodes (merges) a `ResolvedEvent` (`positioned`) or `ResolvedIndexedEvent` message into `self`.
    mutating func merge(_ reader: inout ProtoReader, positioned: Bool) throws(ProtoReadError) {
        while let field = try reader.nextField() {
            switch field.number {
            case 1: try Self.mergeRecord(&event, &reader, wireType: field.wireType)
            case 2: try Self.mergeRecord(&link, &reader, wireType: field.wireType)
            case 3 where positioned: commitPosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
            case 4 where positioned: preparePosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
            default: try reader.skip(wireType: field.wireType, number: field.number)
            }
        }
    }

    /// Decodes a nested message into `record`, merging into an earlier occurrence as protobuf does.
    static func mergeRecord(_ record: inout WireEventRecord?, _ reader: inout ProtoReader,
                            wireType: UInt8) throws(ProtoReadError) {
        let range = try reader.lengthDelimited(wireType: wireType)
        var nested = ProtoReader(reader.bytes, range: range)
        guard var value = record else {
            var fresh = WireEventRecord()
            try fresh.merge(&nested)
            record = fresh
            return
        }
        record = nil
        try value.merge(&nested)
        record = value
    }

    /// Decodes a nested `ResolvedEvent`/`ResolvedIndexedEvent` message.
    static func decode(_ reader: inout ProtoReader, wireType: UInt8, positioned: Bool) throws(ProtoReadError) -> WireResolvedEvent {
        let range = try reader.lengthDelimited(wireType: wireType)
        var nested = ProtoReader(reader.bytes, range: range)
        var value = WireResolvedEvent()
        try value.merge(&nested, positioned: positioned)
        return value
    }

    /// One occurrence of a repeated event field: decoded into `events`, or with `decoding` off only
    /// skipped (its length checked) — for a page's header pass.
    static func take(
        _ reader: inout ProtoReader, wireType: UInt8, positioned: Bool, into events: inout [WireResolvedEvent], decoding: Bool
    ) throws(ProtoReadError) {
        if decoding {
            events.append(try decode(&reader, wireType: wireType, positioned: positioned))
        } else {
            _ = try reader.lengthDelimited(wireType: wireType)
        }
    }

    /// Decodes every occurrence of the repeated message field `field`, skipping the other fields.
    static func decodeRepeated(
        field number: Int, positioned: Bool, expectedCount: Int, _ reader: inout ProtoReader
    ) throws(ProtoReadError) -> [WireResolvedEvent] {
        var events: [WireResolvedEvent] = []
        events.reserveCapacity(expectedCount)
        while let field = try reader.nextField() {
            if field.number == number {
                events.append(try decode(&reader, wireType: field.wireType, positioned: positioned))
            } else {
                try reader.skip(wireType: field.wireType, number: field.number)
            }
        }
        return events
    }
}
