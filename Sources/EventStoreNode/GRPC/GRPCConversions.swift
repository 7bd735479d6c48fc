import EventStoreGRPC
import EventStoreWire
import Foundation

/// Stored values in the gRPC API's shapes (docs/grpc.md §2.3).

extension EventStore_Client_UUID {
    /// `uuid` as the client asked for it: `structured` holds the big-endian halves of the RFC 4122
    /// bytes (Java's `UUID`), `string` the lower-case hyphenated text.
    init(_ uuid: UUID, asString: Bool) {
        self.init()
        if asString {
            string = uuid.uuidString.lowercased()
        } else {
            let bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
            var structured = Structured()
            structured.mostSignificantBits = Int64(bitPattern: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
            structured.leastSignificantBits = Int64(bitPattern: bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
            self.structured = structured
        }
    }

    /// The UUID this message carries; nil when it is empty or not a UUID.
    var foundationUUID: UUID? {
        switch value {
        case .string(let text)?:
            return UUID(uuidString: text)
        case .structured(let structured)?:
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in 0..<8 {
                bytes[index] = UInt8(truncatingIfNeeded: UInt64(bitPattern: structured.mostSignificantBits) >> (56 - 8 * index))
                bytes[8 + index] = UInt8(truncatingIfNeeded: UInt64(bitPattern: structured.leastSignificantBits) >> (56 - 8 * index))
            }
            return bytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        case nil:
            return nil
        }
    }
}

extension EventStore_Client_StreamIdentifier {
    /// A stream name as the API carries it (UTF-8 bytes).
    init(_ name: String) {
        self.init()
        streamName = Data(name.utf8)
    }

    /// The stream name; nil when the bytes are not UTF-8.
    var name: String? {
        String(data: streamName, encoding: .utf8)
    }
}

/// A `RecordedEvent` message: the Streams and PersistentSubscriptions services declare it as two
/// types with the same fields.
protocol GRPCRecordedEventMessage {
    init()
    var id: EventStore_Client_UUID { get set }
    var streamIdentifier: EventStore_Client_StreamIdentifier { get set }
    var streamRevision: UInt64 { get set }
    var preparePosition: UInt64 { get set }
    var commitPosition: UInt64 { get set }
    var metadata: [String: String] { get set }
    var customMetadata: Data { get set }
    var data: Data { get set }
}

extension GRPCRecordedEventMessage {
    /// `record` as the server sends it: `type`, `content-type` and `created` (.NET ticks since the
    /// Unix epoch, as a decimal string) in `metadata`; the event's own metadata in `custom_metadata`.
    init(_ record: RecordedLogEvent, uuidAsString: Bool) {
        self.init()
        let uuid = UUID(dotNetBytes: record.eventID) ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        id = EventStore_Client_UUID(uuid, asString: uuidAsString)
        streamIdentifier = EventStore_Client_StreamIdentifier(record.stream)
        streamRevision = UInt64(bitPattern: record.number)
        preparePosition = UInt64(bitPattern: record.position.prepare)
        commitPosition = UInt64(bitPattern: record.position.commit)
        metadata = [
            "type": record.type,
            "content-type": record.isJSON ? "application/json" : "application/octet-stream",
            "created": String(record.createdMs * 10_000),
        ]
        customMetadata = Data(record.metadata)
        data = Data(record.data)
    }
}

extension EventStore_Client_Streams_ReadResp.ReadEvent.RecordedEvent: GRPCRecordedEventMessage {}

extension EventStore_Client_PersistentSubscriptions_ReadResp.ReadEvent.RecordedEvent: GRPCRecordedEventMessage {}
