import EventStoreGRPC
import EventStoreWire
import Foundation
import GRPCCore
import SwiftProtobuf

extension StreamsService {
    /// How many appends one BatchAppend call may have open (options seen, `is_final` not yet): each
    /// holds its events in memory until it is written.
    static let maxOpenBatchAppends = 64
    /// The bytes of events all open appends of one call may hold together; the append whose events
    /// would pass it is refused as too large.
    static let maxOpenBatchAppendBytes = 4 * grpcMaxAppendSize

    /// `BatchAppend`: requests are grouped by `correlation_id`; the first of a group carries its
    /// options, `is_final` ends it and writes it; each group gets one answer with a
    /// `google.rpc.Status` error or a success (docs/grpc.md §2.2). Groups are written in the order
    /// they end, one at a time, so answers come in that order too.
    func batchAppend(
        request: StreamingServerRequest<EventStore_Client_Streams_BatchAppendReq>, context: ServerContext
    ) async throws -> StreamingServerResponse<EventStore_Client_Streams_BatchAppendResp> {
        let user = try node.authorize(request.metadata)
        let engine = self.engine
        return StreamingServerResponse { writer in
            var open: [UUID: OpenBatchAppend] = [:]
            for try await message in request.messages {
                let now = Date()
                for (id, expired) in open where expired.deadline.map({ $0 <= now }) ?? false {
                    open[id] = nil
                    try await writer.write(expired.response(error: .timeout))
                }
                guard let id = message.correlationID.foundationUUID else { continue }
                if message.hasOptions, open[id] == nil {
                    switch OpenBatchAppend.start(message, now: now) {
                    case .success(let started):
                        guard open.count < Self.maxOpenBatchAppends else {
                            try await writer.write(started.response(error: .badRequest(
                                "Too many appends open on this call: the limit is \(Self.maxOpenBatchAppends).")))
                            continue
                        }
                        open[id] = started
                    case .failure(let refused):
                        try await writer.write(refused.response)
                        continue
                    }
                }
                guard var batch = open[id] else { continue }
                let heldElsewhere = open.values.reduce(0) { $0 + $1.size } - batch.size
                if let error = batch.add(message.proposedMessages, budget: Self.maxOpenBatchAppendBytes - heldElsewhere) {
                    open[id] = nil
                    try await writer.write(batch.response(error: error))
                    continue
                }
                guard message.isFinal else {
                    open[id] = batch
                    continue
                }
                open[id] = nil
                if let deadline = batch.deadline, deadline <= Date() {
                    try await writer.write(batch.response(error: .timeout))
                    continue
                }
                let (stream, expected, events) = (batch.stream, batch.expected, batch.events)
                let result = await withCheckedContinuation { continuation in
                    engine.write(stream: stream, expected: expected, events: events, user: user) {
                        continuation.resume(returning: $0)
                    }
                }
                try await writer.write(batch.response(result))
            }
            return [:]
        }
    }
}

/// One BatchAppend group between its options and its `is_final` request.
struct OpenBatchAppend {
    let correlationID: EventStore_Client_UUID
    let identifier: EventStore_Client_StreamIdentifier
    let stream: String
    let expected: Int64
    let expectedOption: EventStore_Client_Streams_BatchAppendReq.Options.OneOf_ExpectedStreamPosition
    /// When the group must be complete, from `deadline` (a duration) or `deadline_21_10_0` (a time).
    let deadline: Date?
    private(set) var events: [ProposedEvent] = []
    /// The events' bytes, as counted against the append size limit.
    private(set) var size = 0

    /// A group from its first request; a group that cannot start is answered at once.
    static func start(
        _ request: EventStore_Client_Streams_BatchAppendReq, now: Date
    ) -> Result<OpenBatchAppend, RefusedBatchAppend> {
        let options = request.options
        func refuse(_ error: BatchAppendError) -> Result<OpenBatchAppend, RefusedBatchAppend> {
            var response = EventStore_Client_Streams_BatchAppendResp()
            response.correlationID = request.correlationID
            response.streamIdentifier = options.streamIdentifier
            response.error = error.status
            return .failure(RefusedBatchAppend(response: response))
        }
        let deadline: Date?
        switch options.deadlineOption {
        case .deadline(let duration)?: deadline = now.addingTimeInterval(duration.timeInterval)
        case .deadline21100(let timestamp)?: deadline = timestamp.date
        case nil: deadline = nil
        }
        if let deadline, deadline <= now { return refuse(.timeout) }
        guard options.hasStreamIdentifier else { return refuse(.badRequest("Required field StreamIdentifier not set.")) }
        let stream: String
        do {
            stream = try StreamsService.streamName(options.streamIdentifier)
        } catch {
            return refuse(.badRequest(error.message))
        }
        let expected: Int64
        switch options.expectedStreamPosition {
        case .streamPosition(let position)?:
            guard let version = try? StreamsService.expectedVersion(revision: position) else {
                return refuse(.badRequest("Expected stream position \(position) is out of range."))
            }
            expected = version
        case .noStream?: expected = WireExpectedVersion.noStream
        case .any?: expected = WireExpectedVersion.any
        case .streamExists?: expected = WireExpectedVersion.streamExists
        case nil: return refuse(.badRequest("The expected stream position is missing."))
        }
        return .success(OpenBatchAppend(
            correlationID: request.correlationID, identifier: options.streamIdentifier, stream: stream, expected: expected,
            expectedOption: options.expectedStreamPosition!, deadline: deadline))
    }

    /// Adds a chunk of events; the error that ends the group, if one is refused or the group's
    /// size passes the append limit or `budget` (what the call's other open groups leave).
    mutating func add(_ messages: [EventStore_Client_Streams_BatchAppendReq.ProposedMessage], budget: Int) -> BatchAppendError? {
        for message in messages {
            let event: ProposedEvent
            do {
                event = try StreamsService.proposedEvent(
                    id: message.hasID ? message.id : nil, metadata: message.metadata, customMetadata: message.customMetadata,
                    data: message.data)
            } catch {
                return .badRequest(error.message)
            }
            size += event.sizeOnDisk
            if size > min(grpcMaxAppendSize, budget) { return .maximumAppendSizeExceeded }
            events.append(event)
        }
        return nil
    }

    /// The group's answer carrying `error`.
    func response(error: BatchAppendError) -> EventStore_Client_Streams_BatchAppendResp {
        var response = header()
        response.error = error.status
        return response
    }

    /// The group's answer to the engine's `result`.
    func response(_ result: WriteResult) -> EventStore_Client_Streams_BatchAppendResp {
        var response = header()
        switch result.result {
        case .success:
            var success = EventStore_Client_Streams_BatchAppendResp.Success()
            if result.lastNumber >= 0 {
                success.currentRevision = UInt64(result.lastNumber)
            } else {
                success.noStream = Google_Protobuf_Empty()
            }
            if let position = result.position, position.commit >= 0, position.prepare >= 0 {
                var wirePosition = EventStore_Client_AllStreamPosition()
                wirePosition.commitPosition = UInt64(position.commit)
                wirePosition.preparePosition = UInt64(position.prepare)
                success.position = wirePosition
            } else {
                success.noPosition = Google_Protobuf_Empty()
            }
            response.success = success
        case .wrongExpectedVersion: response.error = BatchAppendError.wrongExpectedVersion(current: result.currentVersion, expected: expected).status
        case .streamDeleted: response.error = BatchAppendError.streamDeleted(identifier).status
        case .accessDenied: response.error = BatchAppendError.accessDenied.status
        case .prepareTimeout, .commitTimeout, .forwardTimeout: response.error = BatchAppendError.timeout.status
        default: response.error = BatchAppendError.unknown.status
        }
        return response
    }

    /// What every answer of the group repeats: its correlation id, stream and expected position.
    private func header() -> EventStore_Client_Streams_BatchAppendResp {
        var response = EventStore_Client_Streams_BatchAppendResp()
        response.correlationID = correlationID
        response.streamIdentifier = identifier
        switch expectedOption {
        case .streamPosition(let position): response.streamPosition = position
        case .noStream(let empty): response.noStream = empty
        case .any(let empty): response.any = empty
        case .streamExists(let empty): response.streamExists = empty
        }
        return response
    }
}

/// The answer to a group refused before it started.
struct RefusedBatchAppend: Error {
    let response: EventStore_Client_Streams_BatchAppendResp
}

/// A BatchAppend group's failure, as the server's `google.rpc.Status` values: a code and one
/// `Any` detail naming the kind.
enum BatchAppendError {
    case wrongExpectedVersion(current: Int64?, expected: Int64)
    case streamDeleted(EventStore_Client_StreamIdentifier)
    case accessDenied
    case timeout
    case maximumAppendSizeExceeded
    case badRequest(String)
    case unknown

    var status: Google_Rpc_Status {
        var status = Google_Rpc_Status()
        let detail: any SwiftProtobuf.Message
        switch self {
        case .wrongExpectedVersion(let current, let expected):
            var wrong = EventStore_Client_WrongExpectedVersion()
            if let current, current >= 0 {
                wrong.currentStreamRevision = UInt64(current)
            } else {
                wrong.currentNoStream = Google_Protobuf_Empty()
            }
            switch expected {
            case WireExpectedVersion.any: wrong.expectedAny = Google_Protobuf_Empty()
            case WireExpectedVersion.streamExists: wrong.expectedStreamExists = Google_Protobuf_Empty()
            case WireExpectedVersion.noStream: wrong.expectedNoStream = Google_Protobuf_Empty()
            default: wrong.expectedStreamPosition = UInt64(max(expected, 0))
            }
            (status.code, status.message, detail) = (.alreadyExists, "WrongExpectedVersion", wrong)
        case .streamDeleted(let identifier):
            var deleted = EventStore_Client_StreamDeleted()
            deleted.streamIdentifier = identifier
            (status.code, status.message, detail) = (.notFound, "StreamDeleted", deleted)
        case .accessDenied:
            (status.code, status.message, detail) = (.permissionDenied, "AccessDenied", EventStore_Client_AccessDenied())
        case .timeout:
            (status.code, status.message, detail) = (.deadlineExceeded, "Timeout", EventStore_Client_Timeout())
        case .maximumAppendSizeExceeded:
            var exceeded = EventStore_Client_MaximumAppendSizeExceeded()
            exceeded.maxAppendSize = UInt32(grpcMaxAppendSize)
            (status.code, status.message, detail) = (.invalidArgument, "MaximumAppendSizeExceeded", exceeded)
        case .badRequest(let message):
            var badRequest = EventStore_Client_BadRequest()
            badRequest.message = message
            (status.code, status.message, detail) = (.invalidArgument, "BadRequest", badRequest)
        case .unknown:
            (status.code, status.message, detail) = (.unknown, "Unknown", EventStore_Client_Unknown())
        }
        status.details = (try? Google_Protobuf_Any(message: detail)) ?? Google_Protobuf_Any()
        return status
    }
}
