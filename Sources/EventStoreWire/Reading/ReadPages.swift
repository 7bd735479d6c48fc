import NIOCore

/// `ReadStreamEventsCompleted`, decoded without SwiftProtobuf's per-field allocations.
///
/// Same results as `decodeMessage(as: ESReadStreamEventsCompleted.self)` (lenient: missing fields
/// take their defaults, unknown fields are skipped, an unknown enum value leaves the default), but
/// each event's data is copied once, straight from the frame into its `[UInt8]`.
public struct ReadStreamPage: Sendable {
    public var events: [WireResolvedEvent] = []
    public var result: ESReadStreamEventsCompleted.ReadStreamResult = .success
    public var nextEventNumber: Int64 = 0
    public var lastEventNumber: Int64 = 0
    public var isEndOfStream = false
    public var lastCommitPosition: Int64 = 0
    public var error = ""

    /// Decodes the payload of `package` (a ReadStreamEvents*Completed).
    public init(decoding package: TCPPackage) throws(TCPPayloadError) {
        self = try package.decodeFast { (reader: inout ProtoReader) throws(ProtoReadError) in
            var page = ReadStreamPage()
            page.events.reserveCapacity(16)
            while let field = try reader.nextField() {
                switch field.number {
                case 1: page.events.append(try WireResolvedEvent.decode(&reader, wireType: field.wireType, positioned: false))
                case 2:
                    let raw = try reader.varint(wireType: field.wireType)
                    if let value = ESReadStreamEventsCompleted.ReadStreamResult(rawValue: Int(truncatingIfNeeded: Int32(truncatingIfNeeded: raw))) {
                        page.result = value
                    }
                case 3: page.nextEventNumber = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 4: page.lastEventNumber = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 5: page.isEndOfStream = try reader.varint(wireType: field.wireType) != 0
                case 6: page.lastCommitPosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 7: page.error = try reader.string(wireType: field.wireType)
                default: try reader.skip(wireType: field.wireType, number: field.number)
                }
            }
            return page
        }
    }

    private init() {}
}

/// `ReadAllEventsCompleted`, decoded like ``ReadStreamPage``.
public struct ReadAllPage: Sendable {
    public var commitPosition: Int64 = 0
    public var preparePosition: Int64 = 0
    public var events: [WireResolvedEvent] = []
    public var nextCommitPosition: Int64 = 0
    public var nextPreparePosition: Int64 = 0
    public var result: ESReadAllEventsCompleted.ReadAllResult = .success
    public var error = ""

    /// Decodes the payload of `package` (a ReadAllEvents*Completed).
    public init(decoding package: TCPPackage) throws(TCPPayloadError) {
        self = try package.decodeFast { (reader: inout ProtoReader) throws(ProtoReadError) in
            var page = ReadAllPage()
            page.events.reserveCapacity(16)
            while let field = try reader.nextField() {
                switch field.number {
                case 1: page.commitPosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 2: page.preparePosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 3: page.events.append(try WireResolvedEvent.decode(&reader, wireType: field.wireType, positioned: true))
                case 4: page.nextCommitPosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 5: page.nextPreparePosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 6:
                    let raw = try reader.varint(wireType: field.wireType)
                    if let value = ESReadAllEventsCompleted.ReadAllResult(rawValue: Int(truncatingIfNeeded: Int32(truncatingIfNeeded: raw))) {
                        page.result = value
                    }
                case 7: page.error = try reader.string(wireType: field.wireType)
                default: try reader.skip(wireType: field.wireType, number: field.number)
                }
            }
            return page
        }
    }

    private init() {}
}

extension TCPPackage {
    /// Runs `body` over the payload bytes, mapping a decoding failure to ``TCPPayloadError``.
    func decodeFast<Value>(_ body: (inout ProtoReader) throws(ProtoReadError) -> Value) throws(TCPPayloadError) -> Value {
        let outcome: Result<Value, ProtoReadError> = payload.withUnsafeReadableBytes { bytes in
            var reader = ProtoReader(bytes)
            do throws(ProtoReadError) {
                return .success(try body(&reader))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw TCPPayloadError(command: command, reason: error.description)
        }
    }
}
