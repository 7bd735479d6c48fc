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
    /// How many events the page holds (also when only the header was decoded).
    public var eventCount = 0

    /// Decodes the payload of `package` (a ReadStreamEvents*Completed).
    ///
    /// With `events: false` only the header fields are decoded and the events are counted, not
    /// read (a pass over their lengths): enough to request the next page before decoding this one
    /// with ``events(in:expectedCount:)``.
    public init(decoding package: TCPPackage, events decodeEvents: Bool = true) throws(TCPPayloadError) {
        self = try package.decodeFast { (reader: inout ProtoReader) throws(ProtoReadError) in
            var page = ReadStreamPage()
            page.events.reserveCapacity(decodeEvents ? 16 : 0)
            while let field = try reader.nextField() {
                switch field.number {
                case 1:
                    page.eventCount += 1
                    try WireResolvedEvent.take(&reader, wireType: field.wireType, positioned: false, into: &page.events,
                                               decoding: decodeEvents)
                case 2:
                    if let value = ESReadStreamEventsCompleted.ReadStreamResult(rawValue: try reader.enumValue(wireType: field.wireType)) {
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

    /// Decodes only the events of a ReadStreamEvents*Completed payload.
    ///
    /// `expectedCount` (the header's ``eventCount``) only sizes the array.
    public static func events(in package: TCPPackage, expectedCount: Int = 0) throws(TCPPayloadError) -> [WireResolvedEvent] {
        try package.decodeFast { (reader: inout ProtoReader) throws(ProtoReadError) in
            try WireResolvedEvent.decodeRepeated(field: 1, positioned: false, expectedCount: expectedCount, &reader)
        }
    }
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
    /// How many events the page holds (also when only the header was decoded).
    public var eventCount = 0

    /// Decodes the payload of `package` (a ReadAllEvents*Completed); `events: false` decodes the
    /// header only, as for ``ReadStreamPage/init(decoding:events:)``.
    public init(decoding package: TCPPackage, events decodeEvents: Bool = true) throws(TCPPayloadError) {
        self = try package.decodeFast { (reader: inout ProtoReader) throws(ProtoReadError) in
            var page = ReadAllPage()
            page.events.reserveCapacity(decodeEvents ? 16 : 0)
            while let field = try reader.nextField() {
                switch field.number {
                case 1: page.commitPosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 2: page.preparePosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 3:
                    page.eventCount += 1
                    try WireResolvedEvent.take(&reader, wireType: field.wireType, positioned: true, into: &page.events,
                                               decoding: decodeEvents)
                case 4: page.nextCommitPosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 5: page.nextPreparePosition = Int64(bitPattern: try reader.varint(wireType: field.wireType))
                case 6:
                    if let value = ESReadAllEventsCompleted.ReadAllResult(rawValue: try reader.enumValue(wireType: field.wireType)) {
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

    /// Decodes only the events of a ReadAllEvents*Completed payload.
    ///
    /// `expectedCount` (the header's ``eventCount``) only sizes the array.
    public static func events(in package: TCPPackage, expectedCount: Int = 0) throws(TCPPayloadError) -> [WireResolvedEvent] {
        try package.decodeFast { (reader: inout ProtoReader) throws(ProtoReadError) in
            try WireResolvedEvent.decodeRepeated(field: 3, positioned: true, expectedCount: expectedCount, &reader)
        }
    }
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
