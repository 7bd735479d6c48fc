import EventStoreGRPC
import EventStoreWire
import Foundation
import GRPCCore

/// The largest append (the sum of its events' sizes) one call may carry. KurrentDB 24.10 takes
/// 1 MiB by default; the node takes as much as one gRPC message may hold (docs/grpc.md §2.1), so an
/// event the TCP door accepts can be appended over gRPC too.
let grpcMaxAppendSize = 16 * 1024 * 1024

extension StreamsService {
    /// `Append`: exactly one `options`, then the events; one write on the engine. A wrong expected
    /// version is an answer, not an error (docs/grpc.md §2.1).
    func append(
        request: StreamingServerRequest<EventStore_Client_Streams_AppendReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_Streams_AppendResp> {
        let user = try node.authorize(request.metadata)
        var messages = request.messages.makeAsyncIterator()
        guard case .options(let options)? = try await messages.next()?.content else {
            throw GRPCFailure.invalidArgument("An append must start with its options.")
        }
        let stream = try Self.streamName(options.streamIdentifier)
        guard let expected = try options.expectedStreamRevision?.expectedVersion else {
            throw GRPCFailure.invalidArgument("The expected stream revision is missing.")
        }
        var events: [ProposedEvent] = []
        var size = 0
        while let message = try await messages.next() {
            guard case .proposedMessage(let proposed)? = message.content else {
                throw GRPCFailure.invalidArgument("Only events may follow an append's options.")
            }
            let event = try Self.proposedEvent(
                id: proposed.hasID ? proposed.id : nil, metadata: proposed.metadata, customMetadata: proposed.customMetadata,
                data: proposed.data)
            size += event.sizeOnDisk
            guard size <= grpcMaxAppendSize else { throw GRPCFailure.maximumAppendSizeExceeded(grpcMaxAppendSize) }
            events.append(event)
        }
        let result = await withCheckedContinuation { continuation in
            engine.write(stream: stream, expected: expected, events: events, user: user) { continuation.resume(returning: $0) }
        }
        return ServerResponse(message: try Self.appendResponse(result, stream: stream, expected: options.expectedStreamRevision))
    }

    /// A proposed message as the engine's event: `type` and `content-type` are required metadata
    /// (`application/json` marks JSON), `custom_metadata` is the event's metadata; the id, type and
    /// size rules are the TCP door's (``ProposedEvent/Problem``).
    static func proposedEvent(
        id: EventStore_Client_UUID?, metadata: [String: String], customMetadata: Data, data: Data
    ) throws(RPCError) -> ProposedEvent {
        guard let type = metadata["type"] else { throw GRPCFailure.missingRequiredMetadata("type") }
        guard let contentType = metadata["content-type"] else { throw GRPCFailure.missingRequiredMetadata("content-type") }
        guard let uuid = id?.foundationUUID else { throw GRPCFailure.invalidArgument("The event id is missing or not a UUID.") }
        let eventID = uuid.dotNetBytes
        switch ProposedEvent.Problem(eventID: eventID, type: type, dataCount: data.count, metadataCount: customMetadata.count) {
        case .tooLarge(let size)?:
            throw GRPCFailure.maximumAppendEventSizeExceeded(eventID: uuid.uuidString.lowercased(), size: size, limit: maxEventSize)
        case let problem?:
            throw GRPCFailure.invalidArgument(problem.description)
        case nil:
            return ProposedEvent(eventID: eventID, type: type, isJSON: contentType == "application/json", data: Array(data),
                                 metadata: Array(customMetadata))
        }
    }

    /// The engine's answer as `AppendResp`: success with the stream's revision and the commit
    /// position, a wrong expected version in the body (with the 20.6 fields), anything else an error.
    static func appendResponse(
        _ result: WriteResult, stream: String,
        expected: EventStore_Client_Streams_AppendReq.Options.OneOf_ExpectedStreamRevision?
    ) throws(RPCError) -> EventStore_Client_Streams_AppendResp {
        var response = EventStore_Client_Streams_AppendResp()
        switch result.result {
        case .success:
            var success = EventStore_Client_Streams_AppendResp.Success()
            if result.lastNumber < 0 {
                success.noStream = EventStore_Client_Empty()
            } else {
                success.currentRevision = UInt64(result.lastNumber)
            }
            if let position = result.position {
                var wirePosition = EventStore_Client_Streams_AppendResp.Position()
                wirePosition.commitPosition = UInt64(bitPattern: position.commit)
                wirePosition.preparePosition = UInt64(bitPattern: position.prepare)
                success.position = wirePosition
            } else {
                success.noPosition = EventStore_Client_Empty()
            }
            response.success = success
        case .wrongExpectedVersion:
            var wrong = EventStore_Client_Streams_AppendResp.WrongExpectedVersion()
            switch expected {
            case .any?:
                wrong.expectedAny = EventStore_Client_Empty()
                wrong.any2060 = EventStore_Client_Empty()
            case .streamExists?:
                wrong.expectedStreamExists = EventStore_Client_Empty()
                wrong.streamExists2060 = EventStore_Client_Empty()
            case .noStream?:
                wrong.expectedNoStream = EventStore_Client_Empty()
                wrong.expectedRevision2060 = UInt64.max
            case .revision(let revision)?:
                wrong.expectedRevision = revision
                wrong.expectedRevision2060 = revision
            case nil:
                break
            }
            if let current = result.currentVersion, current >= 0 {
                wrong.currentRevision = UInt64(current)
                wrong.currentRevision2060 = UInt64(current)
            } else {
                wrong.currentNoStream = EventStore_Client_Empty()
                wrong.noStream2060 = EventStore_Client_Empty()
            }
            response.wrongExpectedVersion = wrong
        default:
            throw writeFailure(result, stream: stream)
        }
        return response
    }
}

extension ProposedEvent {
    /// What the event counts against an append's size limit (the server's `Event.SizeOnDisk`).
    var sizeOnDisk: Int { data.count + metadata.count + 2 * type.utf8.count }
}
