import EventStoreWire
import Foundation

/// Why a request cannot be processed: answered with BadRequest on the request's id.
struct BadRequestReason: Error {
    var text: String
}

/// EventStoreDB's limit: data + metadata + 2 × type length ≤ 16 MiB − 10 000 bytes.
let maxEventSize = 16 * 1024 * 1024 - 10_000

extension ProposedEvent {
    /// Validates a client's event: non-empty type, 16-byte non-zero id, size within the limit.
    init(validating event: ESNewEvent, command: TCPCommand) throws(BadRequestReason) {
        // Built only on a failure: a string per event showed in the append profile.
        var unwrap: String { "Could not unwrap network package for command \(command.name)." }
        guard event.eventID.count == 16, event.eventID.contains(where: { $0 != 0 }) else {
            throw BadRequestReason(text: "\(unwrap)\nEmpty eventId provided.")
        }
        guard !event.eventType.isEmpty else {
            throw BadRequestReason(text: "\(unwrap)\nEmpty eventType provided.")
        }
        let size = event.data.count + event.metadata.count + 2 * event.eventType.utf8.count
        guard size <= maxEventSize else {
            throw BadRequestReason(text: "\(unwrap)\nEvent of \(size) bytes exceeds the \(maxEventSize)-byte limit.")
        }
        self.init(eventID: Array(event.eventID), type: event.eventType, isJSON: event.dataContentType == 1,
                  data: Array(event.data), metadata: Array(event.metadata))
    }

    static func validating(_ events: [ESNewEvent], command: TCPCommand) throws(BadRequestReason) -> [ProposedEvent] {
        var result: [ProposedEvent] = []
        result.reserveCapacity(events.count)
        for event in events { result.append(try ProposedEvent(validating: event, command: command)) }
        return result
    }
}

/// The checks the server's request messages make when they are built (`ClientMessage` constructors):
/// a failure there means the package could not be unwrapped, answered with BadRequest.
enum RequestChecks {
    /// Non-empty stream id.
    static func streamID(_ stream: String, command: TCPCommand) throws(BadRequestReason) {
        guard !stream.isEmpty else {
            throw BadRequestReason(text: "Could not unwrap network package for command \(command.name).\neventStreamId should be non-empty.")
        }
    }

    /// An expected version a write or delete may carry: ≥ −4 and not −3 (the internal "invalid");
    /// a transaction start takes ≥ −2 only.
    static func expectedVersion(_ expected: Int64, command: TCPCommand, allowStreamExists: Bool = true) throws(BadRequestReason) {
        let lowest = allowStreamExists ? WireExpectedVersion.streamExists : WireExpectedVersion.any
        guard expected >= lowest, expected != -3 else {
            throw BadRequestReason(text: "Could not unwrap network package for command \(command.name).\n"
                + "Specified argument was out of the range of valid values. (Parameter 'expectedVersion')")
        }
    }
}
