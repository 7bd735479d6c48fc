import EventStoreGRPC
import EventStoreWire
import GRPCCore

extension StreamsService {
    /// `Delete`: a soft delete (the stream reads as missing and may be written again).
    func delete(
        request: ServerRequest<EventStore_Client_Streams_DeleteReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_Streams_DeleteResp> {
        let options = request.message.options
        let expected = try options.expectedStreamRevision?.expectedVersion
        let position = try await deleteStream(options.streamIdentifier, expected: expected, hard: false, metadata: request.metadata)
        return ServerResponse(message: EventStore_Client_Streams_DeleteResp(deletedAt: position))
    }

    /// `Tombstone`: a hard delete (the stream can never be written or read again).
    func tombstone(
        request: ServerRequest<EventStore_Client_Streams_TombstoneReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_Streams_TombstoneResp> {
        let options = request.message.options
        let expected = try options.expectedStreamRevision?.expectedVersion
        let position = try await deleteStream(options.streamIdentifier, expected: expected, hard: true, metadata: request.metadata)
        return ServerResponse(message: EventStore_Client_Streams_TombstoneResp(deletedAt: position))
    }

    /// Deletes on the engine; returns the (commit, prepare) position of the deletion, nil when
    /// nothing was written. A wrong expected version is an error here (`wrong-expected-version`
    /// with the stream's actual version), unlike an append's.
    private func deleteStream(
        _ identifier: EventStore_Client_StreamIdentifier, expected: Int64?, hard: Bool, metadata: Metadata
    ) async throws(RPCError) -> (UInt64, UInt64)? {
        let user = try node.authorize(metadata)
        let stream = try Self.streamName(identifier)
        guard let expected else { throw GRPCFailure.invalidArgument("The expected stream revision is missing.") }
        let result = await engine.delete(stream: stream, expected: expected, hard: hard, user: user)
        switch result.result {
        case .success:
            guard let position = result.position, position.commit >= 0 else { return nil }
            return (UInt64(position.commit), UInt64(max(position.prepare, 0)))
        case .wrongExpectedVersion:
            throw GRPCFailure.wrongExpectedVersion(operation: "Delete", stream: stream, expected: expected, actual: result.currentVersion)
        default:
            throw Self.writeFailure(result, stream: stream)
        }
    }
}
