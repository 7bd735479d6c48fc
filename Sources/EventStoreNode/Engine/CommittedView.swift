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
        let event = try log.lastEvent(stream: StreamNames.metastream(of: stream))
        let loaded = Versioned(value: event.map { StreamMetadata(jsonBytes: $0.data) } ?? .empty,
                               position: event?.position.prepare ?? 0)
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
        state.withLock { $0.settings = Versioned(value: SystemSettings(jsonBytes: event.data), position: event.position.prepare) }
    }

    /// Applies committed metadata and settings events (called by the writer, in commit order).
    func apply(_ records: [RecordedLogEvent]) {
        let updates = records.filter {
            ($0.type == SystemEventTypes.metadata && StreamNames.isMetastream($0.stream))
                || ($0.type == SystemEventTypes.settings && $0.stream == StreamNames.settings)
        }
        guard !updates.isEmpty else { return }
        state.withLock { state in
            for record in updates {
                if record.stream == StreamNames.settings {
                    state.settings = Versioned(value: SystemSettings(jsonBytes: record.data), position: record.position.prepare)
                } else {
                    state.metadata[StreamNames.original(ofMetastream: record.stream)] =
                        Versioned(value: StreamMetadata(jsonBytes: record.data), position: record.position.prepare)
                }
            }
        }
    }
}
