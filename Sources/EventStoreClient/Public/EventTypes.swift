import EventStoreWire
import Foundation

/// The version a write expects the stream to be at (protocol.md §4.5).
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist (or be soft-deleted).
    case noStream
    /// The stream must exist.
    case streamExists
    /// The stream's last event number must be this.
    case exact(Int64)

    /// The wire value.
    public var rawValue: Int64 {
        switch self {
        case .any: return -2
        case .noStream: return -1
        case .streamExists: return -4
        case .exact(let number): return number
        }
    }

    public var description: String {
        switch self {
        case .any: return "any"
        case .noStream: return "no-stream"
        case .streamExists: return "exists"
        case .exact(let number): return String(number)
        }
    }
}

/// A position in `$all`: commit, then prepare.
public struct Position: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var commit: Int64
    public var prepare: Int64

    public init(commit: Int64, prepare: Int64) {
        self.commit = commit
        self.prepare = prepare
    }

    /// The start of `$all`.
    public static let start = Position(commit: 0, prepare: 0)
    /// The end of `$all` (reading backward starts here).
    public static let end = Position(commit: -1, prepare: -1)

    public static func < (lhs: Position, rhs: Position) -> Bool {
        (lhs.commit, lhs.prepare) < (rhs.commit, rhs.prepare)
    }

    public var description: String { "\(commit)/\(prepare)" }
}

/// An event to append.
public struct EventData: Sendable, Hashable {
    /// Kept across retries, so a retried append is idempotent.
    public var id: UUID
    public var type: String
    public var data: [UInt8]
    public var metadata: [UInt8]
    /// Whether `data` is JSON (metadata is flagged the same way on the server).
    public var isJSON: Bool

    /// An event with raw bytes.
    public init(id: UUID = UUID(), type: String, data: [UInt8], metadata: [UInt8] = [], isJSON: Bool) {
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
        self.isJSON = isJSON
    }

    /// A JSON event from JSON text.
    public init(id: UUID = UUID(), type: String, json: String, metadata: String? = nil) {
        self.init(id: id, type: type, data: Array(json.utf8), metadata: metadata.map { Array($0.utf8) } ?? [], isJSON: true)
    }

    /// A JSON event from an `Encodable` value.
    public init<T: Encodable>(id: UUID = UUID(), type: String, encoding value: T, metadata: [UInt8] = []) throws {
        self.init(id: id, type: type, data: Array(try JSONEncoder().encode(value)), metadata: metadata, isJSON: true)
    }

    var wire: ESNewEvent {
        var event = ESNewEvent()
        event.eventID = Data(id.dotNetBytes)
        event.eventType = type
        event.dataContentType = isJSON ? 1 : 0
        event.metadataContentType = 0
        event.data = Data(data)
        event.metadata = Data(metadata)
        return event
    }
}

/// An event as stored.
public struct RecordedEvent: Sendable, Hashable {
    public var stream: String
    public var number: Int64
    public var id: UUID
    public var type: String
    public var data: [UInt8]
    public var metadata: [UInt8]
    public var isJSON: Bool
    /// When the server wrote it.
    public var created: Date

    init(_ record: ESEventRecord) {
        stream = record.eventStreamID
        number = record.eventNumber
        id = UUID(dotNetBytes: record.eventID) ?? .zero
        type = record.eventType
        data = Array(record.data)
        metadata = Array(record.metadata)
        isJSON = record.dataContentType == 1
        if record.hasCreatedEpoch {
            created = Date(timeIntervalSince1970: Double(record.createdEpoch) / 1000)
        } else if record.hasCreated {
            let ticks = record.created & 0x3FFF_FFFF_FFFF_FFFF
            created = Date(timeIntervalSince1970: Double(ticks - 621_355_968_000_000_000) / 10_000_000)
        } else {
            created = Date(timeIntervalSince1970: 0)
        }
    }

    /// The data as text, when it is valid UTF-8.
    public var dataText: String? { String(validating: data, as: UTF8.self) }
}

/// A read or pushed event: the event, and the link it was reached through when links are resolved.
public struct ResolvedEvent: Sendable, Hashable {
    /// The event; `nil` when a link's target could not be read.
    public var event: RecordedEvent?
    /// The `$>` link event, when the event was reached through one.
    public var link: RecordedEvent?
    /// Its `$all` position, when known (reads of `$all` and subscriptions).
    public var position: Position?

    init(indexed: ESResolvedIndexedEvent) {
        event = indexed.hasEvent ? RecordedEvent(indexed.event) : nil
        link = indexed.hasLink ? RecordedEvent(indexed.link) : nil
        position = nil
    }

    init(resolved: ESResolvedEvent) {
        event = resolved.hasEvent ? RecordedEvent(resolved.event) : nil
        link = resolved.hasLink ? RecordedEvent(resolved.link) : nil
        position = Position(commit: resolved.commitPosition, prepare: resolved.preparePosition)
    }

    /// The record that sits in the stream that was read: the link if any, else the event.
    public var original: RecordedEvent? { link ?? event }
    /// The stream that was read.
    public var originalStream: String { original?.stream ?? "" }
    /// The number in the stream that was read.
    public var originalNumber: Int64 { original?.number ?? -1 }
}

/// The outcome of a successful append.
public struct WriteResult: Sendable, Hashable {
    /// The stream's last event number after the write (use it as the next expected version).
    public var nextExpectedVersion: Int64
    /// The `$all` position of the write.
    public var position: Position
}

/// The outcome of an append that reports a version conflict instead of throwing.
public enum ConditionalWriteResult: Sendable, Hashable {
    case success(WriteResult)
    /// The stream was at `current` (−1: no stream).
    case wrongExpectedVersion(current: Int64)
    case streamDeleted
}

/// What ReadEvent found.
public enum ReadEventResult: Sendable, Hashable {
    case success(ResolvedEvent)
    case notFound
    case noStream
    case streamDeleted
}

/// The status of a stream read.
public enum SliceReadStatus: Sendable, Hashable {
    case success
    case streamNotFound
    case streamDeleted
}

/// One page of a stream.
public struct StreamEventsSlice: Sendable, Hashable {
    public var status: SliceReadStatus
    public var stream: String
    public var fromEventNumber: Int64
    public var events: [ResolvedEvent]
    public var nextEventNumber: Int64
    public var lastEventNumber: Int64
    public var isEndOfStream: Bool
}

/// One page of `$all`.
public struct AllEventsSlice: Sendable, Hashable {
    public var fromPosition: Position
    public var events: [ResolvedEvent]
    public var nextPosition: Position
    /// True when the page reached the end of `$all`.
    public var isEndOfStream: Bool
}

/// Which way to read.
public enum ReadDirection: Sendable, Hashable {
    case forward
    case backward
}

/// A server-side filter on `$all` (20.x filtered reads and subscriptions).
public struct EventFilter: Sendable, Hashable {
    public enum Target: Sendable, Hashable { case streamID, eventType }
    public enum Matching: Sendable, Hashable {
        case prefixes([String])
        case regex(String)
    }

    public var target: Target
    public var matching: Matching

    public init(target: Target, matching: Matching) {
        self.target = target
        self.matching = matching
    }

    public static func eventTypePrefix(_ prefixes: String...) -> EventFilter { .init(target: .eventType, matching: .prefixes(prefixes)) }
    public static func streamPrefix(_ prefixes: String...) -> EventFilter { .init(target: .streamID, matching: .prefixes(prefixes)) }
    public static func eventTypeRegex(_ pattern: String) -> EventFilter { .init(target: .eventType, matching: .regex(pattern)) }
    public static func streamRegex(_ pattern: String) -> EventFilter { .init(target: .streamID, matching: .regex(pattern)) }
    /// Everything except `$`-prefixed event types (the .NET client's ExcludeSystemEvents).
    public static let excludeSystemEvents = EventFilter.eventTypeRegex("^[^\\$].*")

    var wire: ESFilter {
        var filter = ESFilter()
        filter.context = target == .eventType ? .eventType : .streamID
        switch matching {
        case .prefixes(let prefixes):
            filter.type = .prefix
            filter.data = prefixes
        case .regex(let pattern):
            filter.type = .regex
            filter.data = [pattern]
        }
        return filter
    }
}
