import EventStoreWire

extension EventStoreClient {
    /// Deletes a stream: soft (it can be written again; numbering continues) or hard (forever).
    ///
    /// - Returns: the `$all` position of the delete.
    ///
    /// ```swift
    /// try await client.deleteStream("orders-1", expectedVersion: .exact(4))   // soft: can be written again
    /// try await client.deleteStream("orders-2", hard: true)                   // tombstone: StreamDeleted forever
    /// ```
    @discardableResult
    public func deleteStream(
        _ stream: String, expectedVersion: ExpectedVersion = .any, hard: Bool = false, credentials: UserCredentials? = nil
    ) async throws -> Position {
        var request = ESDeleteStream()
        request.eventStreamID = stream
        request.expectedVersion = expectedVersion.rawValue
        request.requireLeader = requireLeader
        request.hardDelete = hard
        return try await perform(.deleteStream, request, credentials: credentials, isWrite: true) { reply throws(EventStoreClientError) in
            let completed: ESDeleteStreamCompleted = try Self.decode(reply)
            switch completed.result {
            case .success:
                return .success(Position(commit: completed.commitPosition, prepare: completed.preparePosition))
            case .wrongExpectedVersion:
                let current = completed.hasCurrentVersion ? String(completed.currentVersion) : "another version"
                return .failure(EventStoreClientError(
                    .wrongExpectedVersion, "wrong expected version: stream \(stream) is at \(current), expected \(expectedVersion)"))
            case .streamDeleted:
                return .failure(EventStoreClientError(.streamDeleted, "stream \(stream) is deleted"))
            default:
                return Self.writeOutcome(completed.result, message: completed.message, stream: stream) { Position.start }
            }
        }
    }
}
