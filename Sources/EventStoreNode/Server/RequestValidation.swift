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
        if let problem = Problem(eventID: event.eventID, type: event.eventType, dataCount: event.data.count,
                                 metadataCount: event.metadata.count) {
            throw BadRequestReason(text: "Could not unwrap network package for command \(command.name).\n\(problem)")
        }
        self.init(eventID: Array(event.eventID), type: event.eventType, isJSON: event.dataContentType == 1,
                  data: Array(event.data), metadata: Array(event.metadata))
    }

    /// Why a proposed event is refused, whichever door it came through.
    enum Problem: Error, CustomStringConvertible {
        case emptyID
        case emptyType
        /// `size` (data + metadata + 2 × type length) is above ``maxEventSize``.
        case tooLarge(size: Int)

        /// Checks an event's id (16 bytes, not all zero), type and size; nil when it may be written.
        init?(eventID: some Collection<UInt8>, type: String, dataCount: Int, metadataCount: Int) {
            guard eventID.count == 16, eventID.contains(where: { $0 != 0 }) else {
                self = .emptyID
                return
            }
            guard !type.isEmpty else {
                self = .emptyType
                return
            }
            let size = dataCount + metadataCount + 2 * type.utf8.count
            guard size <= maxEventSize else {
                self = .tooLarge(size: size)
                return
            }
            return nil
        }

        var description: String {
            switch self {
            case .emptyID: "Empty eventId provided."
            case .emptyType: "Empty eventType provided."
            case .tooLarge(let size): "Event of \(size) bytes exceeds the \(maxEventSize)-byte limit."
            }
        }
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
