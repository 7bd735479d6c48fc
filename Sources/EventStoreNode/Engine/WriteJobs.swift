import EventStoreWire
import Foundation

/// Everything a write job needs besides the writer state and the batch.
struct WriteContext: Sendable {
    var user: NodeUser?
    var access: AccessControl
    var now: Int64
}

/// The outcome of a write-like job, before it becomes a reply message.
struct WriteResult: Sendable {
    var result: ESOperationResult
    var message: String?
    var firstNumber: Int64
    var lastNumber: Int64
    var position: LogPosition?
    var currentVersion: Int64?

    static func failure(_ result: ESOperationResult, _ message: String, current: Int64? = nil) -> WriteResult {
        WriteResult(result: result, message: message, firstNumber: EventNumber.invalid, lastNumber: EventNumber.invalid,
                    position: nil, currentVersion: current)
    }
}

extension WriterState {
    /// Whether the context's user may do `operation` on `stream` (metastreams use the original's `$mr`/`$mw`).
    mutating func allowed(_ operation: StreamOperation, on stream: String, context: WriteContext, log: EventLog) throws(SQLiteError) -> Bool {
        var target = stream
        var operation = operation
        if StreamNames.isMetastream(stream) {
            target = StreamNames.original(ofMetastream: stream)
            operation = operation == .read ? .metadataRead : .metadataWrite
        }
        let acl = try metadata(of: target, in: log).acl
        return context.access.allows(operation, on: target, user: context.user, streamACL: acl, settings: settings)
    }

    /// WriteEvents: checks ACL and expected version, appends, records system links.
    mutating func write(
        stream: String, expected: Int64, events: [ProposedEvent], context: WriteContext, batch: inout WriteBatch
    ) throws -> WriteResult {
        guard stream != StreamNames.all else { return .failure(.accessDenied, "Access denied") }
        guard try allowed(.write, on: stream, context: context, log: batch.log) else {
            return .failure(.accessDenied, "Access denied")
        }
        let check = try checkVersion(stream: stream, expected: expected, ids: events.map(\.eventID), in: batch.log)
        return try apply(check, stream: stream, events: events, context: context, transactional: false, batch: &batch)
    }

    /// Carries out a version check's verdict.
    mutating func apply(
        _ check: VersionCheck, stream: String, events: [ProposedEvent], context: WriteContext, transactional: Bool,
        batch: inout WriteBatch
    ) throws -> WriteResult {
        switch check {
        case .streamDeleted:
            return .failure(.streamDeleted, "Stream is deleted.", current: EventNumber.deletedStream)
        case .wrongExpectedVersion(let current):
            return .failure(.wrongExpectedVersion, "Wrong expected version.", current: current)
        case .idempotent(let first, let last):
            let position = try batch.log.event(stream: stream, number: last)?.position
            return WriteResult(result: .success, message: nil, firstNumber: first, lastNumber: last, position: position,
                               currentVersion: nil)
        case .proceed(let firstNumber, let undelete):
            guard !events.isEmpty else {
                if undelete { try softUndelete(stream, recreateFrom: firstNumber, context: context, batch: &batch) }
                return WriteResult(result: .success, message: nil, firstNumber: firstNumber, lastNumber: firstNumber - 1,
                                   position: nil, currentVersion: nil)
            }
            let new = events.enumerated().map { offset, event in
                NewLogEvent(stream: stream, number: firstNumber + Int64(offset), eventID: event.eventID, type: event.type,
                            isJSON: event.isJSON, data: event.data, metadata: event.metadata, createdMs: context.now)
            }
            // A write to `$$s` of a soft-deleted `s` un-deletes it, keeping the old events hidden.
            let undeletesOriginal = StreamNames.isMetastream(stream)
                ? try metadata(of: StreamNames.original(ofMetastream: stream), in: batch.log).isSoftDeleted : false
            let recorded = transactional ? try batch.appendTransaction(new) : try new.map { try batch.append($0) }
            try recordWritten(recorded, context: context, batch: &batch)
            if undelete { try softUndelete(stream, recreateFrom: firstNumber, context: context, batch: &batch) }
            if undeletesOriginal {
                let original = StreamNames.original(ofMetastream: stream)
                try softUndelete(original, recreateFrom: try head(of: original, in: batch.log) + 1, context: context, batch: &batch)
            }
            return WriteResult(result: .success, message: nil, firstNumber: firstNumber,
                               lastNumber: recorded.last!.number, position: recorded.last!.position, currentVersion: nil)
        }
    }

    /// Updates caches for written events (links to them come later, from ``StandardProjections``).
    mutating func recordWritten(_ recorded: [RecordedLogEvent], context: WriteContext, batch: inout WriteBatch) throws {
        guard let first = recorded.first else { return }
        let stream = first.stream
        heads[stream] = recorded.last!.number
        for event in recorded { recentIDs.remember(event.eventID, stream: stream, number: event.number) }
        // The last event counts, whatever its type (docs/node-fidelity.md §Metadata).
        if StreamNames.isMetastream(stream) {
            metadata[StreamNames.original(ofMetastream: stream)] = StoredMetadata.metadata(fromLastEventOf: recorded.last)
        }
        if stream == StreamNames.settings, let last = recorded.last {
            settings = StoredMetadata.settings(from: last.data)
        }
    }

    /// Appends a `$metadata` event with `data` to `$$stream` and caches what it says.
    @discardableResult
    mutating func appendMetadata(
        _ data: [UInt8], of stream: String, context: WriteContext, batch: inout WriteBatch
    ) throws -> RecordedLogEvent {
        let metastream = StreamNames.metastream(of: stream)
        let number = try head(of: metastream, in: batch.log) + 1
        let event = NewLogEvent(stream: metastream, number: number, eventID: UUID.random().dotNetBytes,
                                type: SystemEventTypes.metadata, isJSON: true, data: data,
                                metadata: [], createdMs: context.now)
        let recorded = try batch.append(event)
        heads[metastream] = number
        metadata[stream] = StoredMetadata.metadata(fromLastEventOf: recorded)
        return recorded
    }

    /// Rewrites the metastream's last body with `$tb` = `recreateFrom`, as the server's soft
    /// undelete does; nothing is written when that body is not a JSON object.
    mutating func softUndelete(_ stream: String, recreateFrom: Int64, context: WriteContext, batch: inout WriteBatch) throws {
        guard let raw = try rawMetadata(of: stream, in: batch.log),
              let json = try? JSONValue(parsing: raw), case .object(var pairs) = json
        else { return }
        if let index = pairs.firstIndex(where: { $0.0 == "$tb" }) {
            pairs[index].1 = .int(recreateFrom)
        } else {
            pairs.append(("$tb", .int(recreateFrom)))
        }
        try appendMetadata(Array(JSONValue.object(pairs).compactText.utf8), of: stream, context: context, batch: &batch)
    }

    /// DeleteStream, soft (metadata `{"$tb": Int64.max}` and nothing else) or hard (a tombstone).
    mutating func delete(
        stream: String, expected: Int64, hard: Bool, context: WriteContext, batch: inout WriteBatch
    ) throws -> WriteResult {
        // Metastreams cannot be deleted, not even by admins (the server's legacy permission check).
        guard stream != StreamNames.all, !StreamNames.isMetastream(stream) else { return .failure(.accessDenied, "Access denied") }
        guard try allowed(.delete, on: stream, context: context, log: batch.log) else {
            return .failure(.accessDenied, "Access denied")
        }
        switch try checkVersion(stream: stream, expected: expected, ids: [UUID.random().dotNetBytes], in: batch.log) {
        case .streamDeleted:
            return .failure(.streamDeleted, "Stream is deleted.", current: EventNumber.deletedStream)
        case .wrongExpectedVersion(let current):
            return .failure(.wrongExpectedVersion, "Wrong expected version.", current: current)
        case .idempotent, .proceed:
            let recorded: RecordedLogEvent
            if hard {
                let tombstone = NewLogEvent(stream: stream, number: EventNumber.deletedStream, eventID: UUID.random().dotNetBytes,
                                            type: SystemEventTypes.streamDeleted, isJSON: false, data: [], metadata: [],
                                            createdMs: context.now)
                recorded = try batch.append(tombstone)
                heads[stream] = EventNumber.deletedStream
                metadata[stream] = .empty
            } else {
                // A stream that never existed (nor its metadata) cannot be soft-deleted (21.10+).
                if try head(of: stream, in: batch.log) < 0,
                   try head(of: StreamNames.metastream(of: stream), in: batch.log) < 0 {
                    return .failure(.wrongExpectedVersion, "Wrong expected version.", current: -1)
                }
                recorded = try appendMetadata(Array(#"{"$tb":9223372036854775807}"#.utf8), of: stream, context: context,
                                              batch: &batch)
            }
            return WriteResult(result: .success, message: nil, firstNumber: 0, lastNumber: 0, position: recorded.position,
                               currentVersion: nil)
        }
    }

    /// TransactionCommit: the caller must be allowed to write the stream; the expected-version
    /// check happens now; events appear atomically. An unknown (or ended) id is AccessDenied.
    mutating func commitTransaction(id: Int64, context: WriteContext, batch: inout WriteBatch) throws -> WriteResult {
        transactions.expire(now: context.now)
        guard let transaction = transactions.transaction(id),
              try allowed(.write, on: transaction.stream, context: context, log: batch.log)
        else {
            return .failure(.accessDenied, "Access Denied")
        }
        _ = transactions.finish(id)
        let ids = transaction.events.map(\.eventID)
        let check = try checkVersion(stream: transaction.stream, expected: transaction.expectedVersion, ids: ids, in: batch.log)
        return try apply(check, stream: transaction.stream, events: transaction.events, context: context,
                         transactional: true, batch: &batch)
    }
}
