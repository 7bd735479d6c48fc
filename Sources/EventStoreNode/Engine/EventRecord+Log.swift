import EventStoreWire
import Foundation

extension ESEventRecord {
    /// The wire form of a stored event (every required field set; content types mirror `isJSON`).
    init(_ event: RecordedLogEvent) {
        self.init()
        eventStreamID = event.stream
        eventNumber = event.number
        eventID = Data(event.eventID)
        eventType = event.type
        dataContentType = event.isJSON ? 1 : 0
        metadataContentType = event.isJSON ? 1 : 0
        data = Data(event.data)
        metadata = Data(event.metadata)
        createdEpoch = event.createdMs
        created = dotNetBinaryDate(epochMilliseconds: event.createdMs)
    }
}
