import EventStoreWire
import Synchronization

/// Committed stream metadata and `$settings` as readers see them: filled lazily from the log
/// and kept current by the writer after each commit. An entry only ever moves forward in the
/// log, so a reader that loaded an older value cannot overwrite a newer one.
final class CommittedView: Sendable {
    private struct Versioned<Value: Sendable>: Sendable {
        var value: Value
        var position: Int64
    }

    private struct State: Sendable {
        var metadata: [String: Versioned<StreamMetadata>] = [:]
        var settings = Versioned(value: SystemSettings(), position: -1)
    }

    private let state = Mutex(State())

    /// The metadata of `stream`, loading it from `log` on a miss.
    func metadata(of stream: String, log: EventLog) throws(SQLiteError) -> StreamMetadata {
        if let cached = state.withLock({ $0.metadata[stream]?.value }) { return cached }
        let event = try log.lastNumber(stream: stream) == EventNumber.deletedStream
            ? nil : try log.lastEvent(stream: StreamNames.metastream(of: stream))
        let loaded = Versioned(value: StoredMetadata.metadata(fromLastEventOf: event), position: event?.position.prepare ?? 0)
        return state.withLock { state in
            if let current = state.metadata[stream], current.position >= loaded.position { return current.value }
            state.metadata[stream] = loaded
            return loaded.value
        }
    }

    /// The current `$settings`.
    var settings: SystemSettings { state.withLock { $0.settings.value } }

    /// Sets `$settings` from the log at start-up.
    func loadSettings(from log: EventLog) throws(SQLiteError) {
        guard let event = try log.lastEvent(stream: StreamNames.settings) else { return }
        state.withLock { $0.settings = Versioned(value: StoredMetadata.settings(from: event.data), position: event.position.prepare) }
    }

    /// Applies committed metadata and settings events (called by the writer, in commit order): the
    /// last event of a metastream or of `$settings` counts, whatever its type; a tombstone clears
    /// the stream's metadata (its metastream is deleted with it).
    func apply(_ records: [RecordedLogEvent]) {
        let updates = records.filter {
            StreamNames.isMetastream($0.stream) || $0.stream == StreamNames.settings || $0.number == EventNumber.deletedStream
        }
        guard !updates.isEmpty else { return }
        state.withLock { state in
            for record in updates {
                let position = record.position.prepare
                if record.stream == StreamNames.settings {
                    state.settings = Versioned(value: StoredMetadata.settings(from: record.data), position: position)
                } else if record.number == EventNumber.deletedStream {
                    state.metadata[record.stream] = Versioned(value: .empty, position: position)
                } else {
                    state.metadata[StreamNames.original(ofMetastream: record.stream)] =
                        Versioned(value: StoredMetadata.metadata(fromLastEventOf: record), position: position)
                }
            }
        }
    }
}
