import EventStoreWire
import Foundation

/// The version a write expects the stream to be at (docs/protocol.md §4.5).
///
/// ```swift
/// let result = try await client.append(to: "orders-1", events: [event], expectedVersion: .noStream)
/// try await client.append(to: "orders-1", events: [next], expectedVersion: .exact(result.nextExpectedVersion))
/// ```
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

    /// The form the shell uses: `any`, `no-stream`, `exists` or the number.
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
///
/// ```swift
/// let page = try await client.readAllSlice(from: .start, maxCount: 100)
/// let resumeAt: Position = page.nextPosition  // e.g. "1234/1234"
/// ```
public struct Position: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The commit position of the transaction that wrote the event.
    public var commit: Int64
    /// The prepare position of the event inside that transaction.
    public var prepare: Int64

    /// A position from its two parts.
    public init(commit: Int64, prepare: Int64) {
        self.commit = commit
        self.prepare = prepare
    }

    /// The start of `$all`.
    public static let start = Position(commit: 0, prepare: 0)
    /// The end of `$all` (reading backward starts here).
    public static let end = Position(commit: -1, prepare: -1)

    /// Orders by commit position, then prepare position.
    public static func < (lhs: Position, rhs: Position) -> Bool {
        (lhs.commit, lhs.prepare) < (rhs.commit, rhs.prepare)
    }

    /// `COMMIT/PREPARE`, the form the shell reads and prints.
    public var description: String { "\(commit)/\(prepare)" }
}

/// An event to append.
///
/// ```swift
/// let placed = EventData(type: "OrderPlaced", json: #"{"total": 42}"#, metadata: #"{"user": "ann"}"#)
/// struct Shipped: Encodable { var carrier: String }
/// let shipped = try EventData(type: "OrderShipped", encoding: Shipped(carrier: "DHL"))
/// let blob = EventData(type: "Snapshot", data: [0x01, 0x02], isJSON: false)
/// ```
public struct EventData: Sendable, Hashable {
    /// Kept across retries, so a retried append is idempotent.
    public var id: UUID
    /// The event type, e.g. `OrderPlaced`.
    public var type: String
    /// The payload.
    public var data: [UInt8]
    /// The metadata bytes (JSON by convention).
    public var metadata: [UInt8]
    /// Whether `data` is JSON (metadata is flagged the same way on the server).
    public var isJSON: Bool

    /// An event with raw bytes.
    public init(id: UUID = UUID.random(), type: String, data: [UInt8], metadata: [UInt8] = [], isJSON: Bool) {
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
        self.isJSON = isJSON
    }

    /// A JSON event from JSON text.
    public init(id: UUID = UUID.random(), type: String, json: String, metadata: String? = nil) {
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
///
/// ```swift
/// if case .success(let resolved) = try await client.readEvent(stream: "orders-1", number: 0), let event = resolved.event {
///     print(event.stream, event.number, event.type, event.dataText ?? "<binary>")
/// }
/// ```
public struct RecordedEvent: Sendable, Hashable {
    /// The stream it belongs to.
    public var stream: String
    /// Its number in that stream (0-based).
    public var number: Int64
    /// The id the writer gave it.
    public var id: UUID
    /// The event type.
    public var type: String
    /// The payload.
    public var data: [UInt8]
    /// The metadata bytes.
    public var metadata: [UInt8]
    /// Whether the payload was written as JSON.
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
///
/// ```swift
/// for try await resolved in client.readStream("$ce-orders", resolveLinks: true) {
///     // `original` is the link in $ce-orders; `event` the event it points to in orders-N.
///     print(resolved.originalNumber, resolved.event?.stream ?? "<deleted>")
/// }
/// ```
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
///
/// ```swift
/// let result = try await client.append(to: "orders-1", events: [event])
/// print("now at \(result.nextExpectedVersion), $all position \(result.position)")
/// ```
public struct WriteResult: Sendable, Hashable {
    /// The stream's last event number after the write (use it as the next expected version).
    public var nextExpectedVersion: Int64
    /// The `$all` position of the write.
    public var position: Position
}

/// The outcome of an append that reports a version conflict instead of throwing.
///
/// ```swift
/// switch try await client.conditionalAppend(to: "orders-1", events: [event], expectedVersion: .exact(3)) {
/// case .success(let result): print("written, now at \(result.nextExpectedVersion)")
/// case .wrongExpectedVersion(let current): print("someone else wrote first; stream is at \(current)")
/// case .streamDeleted: print("the stream is deleted")
/// }
/// ```
public enum ConditionalWriteResult: Sendable, Hashable {
    /// Written.
    case success(WriteResult)
    /// The stream was at `current` (−1: no stream).
    case wrongExpectedVersion(current: Int64)
    /// The stream is hard-deleted (or soft-deleted and the write expected it to exist).
    case streamDeleted
}

/// What ReadEvent found.
///
/// ```swift
/// switch try await client.readEvent(stream: "orders-1", number: -1) {  // -1: the last event
/// case .success(let resolved): print(resolved.event?.type ?? "?")
/// case .notFound, .noStream: print("nothing there")
/// case .streamDeleted: print("deleted")
/// }
/// ```
public enum ReadEventResult: Sendable, Hashable {
    /// The event (and its link when resolved).
    case success(ResolvedEvent)
    /// The stream exists but has no event with that number.
    case notFound
    /// The stream does not exist.
    case noStream
    /// The stream is deleted.
    case streamDeleted
}

/// The status of a stream read.
public enum SliceReadStatus: Sendable, Hashable {
    /// The page was read (it may be empty).
    case success
    /// The stream does not exist.
    case streamNotFound
    /// The stream is deleted.
    case streamDeleted
}

/// One page of a stream.
///
/// ```swift
/// var next: Int64 = 0
/// while true {
///     let page = try await client.readStreamSlice("orders-1", from: next, maxCount: 500)
///     page.events.forEach { print($0.originalNumber) }
///     if page.isEndOfStream { break }
///     next = page.nextEventNumber
/// }
/// ```
public struct StreamEventsSlice: Sendable, Hashable {
    /// Whether the stream could be read.
    public var status: SliceReadStatus
    /// The stream read.
    public var stream: String
    /// The number the read started at.
    public var fromEventNumber: Int64
    /// The events, in the read's direction.
    public var events: [ResolvedEvent]
    /// Where the next page starts.
    public var nextEventNumber: Int64
    /// The stream's last event number when read.
    public var lastEventNumber: Int64
    /// True when there is nothing more to read in this direction.
    public var isEndOfStream: Bool
}

/// One page of `$all`.
///
/// ```swift
/// let page = try await client.readAllSlice(from: .start, maxCount: 1000)
/// let more = try await client.readAllSlice(from: page.nextPosition, maxCount: 1000)
/// ```
public struct AllEventsSlice: Sendable, Hashable {
    /// The position the read started at.
    public var fromPosition: Position
    /// The events, with their positions.
    public var events: [ResolvedEvent]
    /// Where the next page starts.
    public var nextPosition: Position
    /// True when the page reached the end of `$all`.
    public var isEndOfStream: Bool
}

/// Which way to read.
///
/// ```swift
/// let newestFirst = client.readStream("orders-1", direction: .backward)
/// ```
public enum ReadDirection: Sendable, Hashable {
    /// Oldest first.
    case forward
    /// Newest first.
    case backward
}

/// A server-side filter on `$all` (20.x filtered reads and subscriptions).
///
/// ```swift
/// let orders = try await client.readAllFilteredSlice(from: .start, maxCount: 100, filter: .streamPrefix("orders-"))
/// let live = try await client.subscribe(to: nil, filter: .eventTypeRegex("^Order"))
/// ```
public struct EventFilter: Sendable, Hashable {
    /// What the filter looks at.
    public enum Target: Sendable, Hashable {
        /// The event's stream id.
        case streamID
        /// The event type.
        case eventType
    }

    /// How it matches.
    public enum Matching: Sendable, Hashable {
        /// Any of these prefixes.
        case prefixes([String])
        /// A regular expression (the server's dialect).
        case regex(String)
    }

    /// What the filter looks at.
    public var target: Target
    /// How it matches.
    public var matching: Matching

    /// A filter from its parts.
    public init(target: Target, matching: Matching) {
        self.target = target
        self.matching = matching
    }

    /// Events whose type starts with any of `prefixes`.
    public static func eventTypePrefix(_ prefixes: String...) -> EventFilter { .init(target: .eventType, matching: .prefixes(prefixes)) }
    /// Events whose stream id starts with any of `prefixes`.
    public static func streamPrefix(_ prefixes: String...) -> EventFilter { .init(target: .streamID, matching: .prefixes(prefixes)) }
    /// Events whose type matches `pattern`.
    public static func eventTypeRegex(_ pattern: String) -> EventFilter { .init(target: .eventType, matching: .regex(pattern)) }
    /// Events whose stream id matches `pattern`.
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
