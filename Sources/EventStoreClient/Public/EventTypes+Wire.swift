import EventStoreWire
import Foundation

extension RecordedEvent {
    /// The same mapping as `init(_: ESEventRecord)`, from a record decoded by the page decoder
    /// (the data and metadata arrays are taken over, not copied).
    init(_ record: WireEventRecord) {
        stream = record.eventStreamID
        number = record.eventNumber
        id = record.eventID ?? .zero
        type = record.eventType
        data = record.data
        metadata = record.metadata
        isJSON = record.dataContentType == 1
        if let epoch = record.createdEpoch {
            created = Date(timeIntervalSince1970: Double(epoch) / 1000)
        } else if let ticks = record.created {
            created = Date(timeIntervalSince1970: Double((ticks & 0x3FFF_FFFF_FFFF_FFFF) - 621_355_968_000_000_000) / 10_000_000)
        } else {
            created = Date(timeIntervalSince1970: 0)
        }
    }
}

extension ResolvedEvent {
    /// From a stream read's `ResolvedIndexedEvent` (no position).
    init(indexed: WireResolvedEvent) {
        event = indexed.event.map(RecordedEvent.init)
        link = indexed.link.map(RecordedEvent.init)
        position = nil
    }

    /// From an `$all` read's `ResolvedEvent` (with its position).
    init(resolved: WireResolvedEvent) {
        event = resolved.event.map(RecordedEvent.init)
        link = resolved.link.map(RecordedEvent.init)
        position = Position(commit: resolved.commitPosition, prepare: resolved.preparePosition)
    }
}
