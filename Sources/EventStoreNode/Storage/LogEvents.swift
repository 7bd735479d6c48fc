/// An event to append: everything but its log position, which the writer assigns.
public struct NewLogEvent: Sendable, Equatable {
    /// The stream the event belongs to.
    public var stream: String
    /// The event's number in its stream, chosen by the caller (the storage enforces uniqueness only).
    public var number: Int64
    /// The 16-byte event id.
    public var eventID: [UInt8]
    /// The event type, for example `"OrderPlaced"` or `"$metadata"`.
    public var type: String
    /// Whether `data` (and `metadata`) are JSON.
    public var isJSON: Bool
    /// The event body.
    public var data: [UInt8]
    /// The event metadata (empty when none).
    public var metadata: [UInt8]
    /// The creation time, milliseconds since 1970-01-01 UTC.
    public var createdMs: Int64

    /// Creates an event to append.
    public init(
        stream: String,
        number: Int64,
        eventID: [UInt8],
        type: String,
        isJSON: Bool,
        data: [UInt8],
        metadata: [UInt8] = [],
        createdMs: Int64
    ) {
        self.stream = stream
        self.number = number
        self.eventID = eventID
        self.type = type
        self.isJSON = isJSON
        self.data = data
        self.metadata = metadata
        self.createdMs = createdMs
    }
}

/// An event as stored in the log, with its position.
public struct RecordedLogEvent: Sendable, Equatable {
    /// The stream the event belongs to.
    public var stream: String
    /// The event's number in its stream.
    public var number: Int64
    /// The 16-byte event id.
    public var eventID: [UInt8]
    /// The event type.
    public var type: String
    /// Whether `data` (and `metadata`) are JSON.
    public var isJSON: Bool
    /// The event body.
    public var data: [UInt8]
    /// The event metadata (empty when none).
    public var metadata: [UInt8]
    /// The creation time, milliseconds since 1970-01-01 UTC.
    public var createdMs: Int64
    /// Where the event sits in the log: `prepare` is its own position, `commit` its commit position.
    public var position: LogPosition

    /// Creates a recorded event from its parts.
    public init(
        stream: String,
        number: Int64,
        eventID: [UInt8],
        type: String,
        isJSON: Bool,
        data: [UInt8],
        metadata: [UInt8],
        createdMs: Int64,
        position: LogPosition
    ) {
        self.stream = stream
        self.number = number
        self.eventID = eventID
        self.type = type
        self.isJSON = isJSON
        self.data = data
        self.metadata = metadata
        self.createdMs = createdMs
        self.position = position
    }

    /// The recorded form of `event` at `position`.
    public init(_ event: NewLogEvent, position: LogPosition) {
        self.init(
            stream: event.stream,
            number: event.number,
            eventID: event.eventID,
            type: event.type,
            isJSON: event.isJSON,
            data: event.data,
            metadata: event.metadata,
            createdMs: event.createdMs,
            position: position
        )
    }
}
