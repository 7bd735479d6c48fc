@testable import EventStoreClient
import EventStoreShell
@testable import EventStoreTUI
import EventStoreWire
import Foundation

/// Builds events the way the client delivers them.
enum Fixtures {
    static func event(_ stream: String, _ number: Int64, type: String = "Thing", json: String = #"{"n":1}"#,
                      binary: [UInt8]? = nil) -> EventView {
        var record = ESEventRecord()
        record.eventStreamID = stream
        record.eventNumber = number
        record.eventID = Data(repeating: 7, count: 16)
        record.eventType = type
        record.data = Data(binary ?? Array(json.utf8))
        record.dataContentType = binary == nil ? 1 : 0
        record.metadataContentType = 0
        record.createdEpoch = 1_700_000_000_000
        var indexed = ESResolvedIndexedEvent()
        indexed.event = record
        return EventView(ResolvedEvent(indexed: indexed))!
    }

    /// Renders a state on a fixed-size screen and returns the text.
    static func screen(_ state: inout AppState, rows: Int = 30, columns: Int = 120, now: TimeInterval = 1000) -> String {
        ScreenRenderer.render(&state, rows: rows, columns: columns, now: now).grid.text
    }
}
