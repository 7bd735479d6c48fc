import EventStoreWire

/// An explicit transaction: events written with ``write(_:)`` become visible atomically at ``commit()``.
///
/// ```swift
/// let transaction = try await client.startTransaction(stream: "orders-1", expectedVersion: .any)
/// try await transaction.write([EventData(type: "A", json: "{}")])
/// let result = try await transaction.commit()
/// ```
public struct EventStoreTransaction: Sendable {
    /// The server's transaction id.
    public let id: Int64
    /// The stream the transaction writes to.
    public let stream: String
    let client: EventStoreClient
    let credentials: UserCredentials?

    /// Adds events to the transaction (invisible to readers until ``commit()``).
    ///
    /// ```swift
    /// try await transaction.write([EventData(type: "LineAdded", json: #"{"sku":"A1"}"#)])
    /// ```
    public func write(_ events: [EventData]) async throws {
        var request = ESTransactionWrite()
        request.transactionID = id
        request.events = events.map(\.wire)
        request.requireLeader = client.requireLeader
        let stream = self.stream
        let _: Bool = try await client.perform(.transactionWrite, request, credentials: credentials, isWrite: true) {
            reply throws(EventStoreClientError) in
            let completed: ESTransactionWriteCompleted = try EventStoreClient.decode(reply)
            return EventStoreClient.writeOutcome(completed.result, message: completed.message, stream: stream) { true }
        }
    }

    /// Commits; the expected version given at the start is checked now.
    ///
    /// ```swift
    /// let result = try await transaction.commit()   // throws .wrongExpectedVersion if the stream moved
    /// ```
    public func commit() async throws -> WriteResult {
        var request = ESTransactionCommit()
        request.transactionID = id
        request.requireLeader = client.requireLeader
        let stream = self.stream
        return try await client.perform(.transactionCommit, request, credentials: credentials, isWrite: true) {
            reply throws(EventStoreClientError) in
            let completed: ESTransactionCommitCompleted = try EventStoreClient.decode(reply)
            switch completed.result {
            case .success:
                return .success(WriteResult(nextExpectedVersion: completed.lastEventNumber,
                                            position: Position(commit: completed.commitPosition, prepare: completed.preparePosition)))
            case .wrongExpectedVersion:
                return .failure(EventStoreClientError(.wrongExpectedVersion, "wrong expected version on commit to \(stream)"))
            case .streamDeleted:
                return .failure(EventStoreClientError(.streamDeleted, "stream \(stream) is deleted"))
            default:
                return EventStoreClient.writeOutcome(completed.result, message: completed.message, stream: stream) {
                    WriteResult(nextExpectedVersion: -1, position: .start)
                }
            }
        }
    }
}

extension EventStoreClient {
    /// Starts a transaction on `stream`.
    ///
    /// ```swift
    /// let transaction = try await client.startTransaction(stream: "orders-1", expectedVersion: .exact(3))
    /// ```
    public func startTransaction(
        stream: String, expectedVersion: ExpectedVersion = .any, credentials: UserCredentials? = nil
    ) async throws -> EventStoreTransaction {
        var request = ESTransactionStart()
        request.eventStreamID = stream
        request.expectedVersion = expectedVersion.rawValue
        request.requireLeader = requireLeader
        let id: Int64 = try await perform(.transactionStart, request, credentials: credentials, isWrite: true) {
            reply throws(EventStoreClientError) in
            let completed: ESTransactionStartCompleted = try Self.decode(reply)
            return Self.writeOutcome(completed.result, message: completed.message, stream: stream) { completed.transactionID }
        }
        return EventStoreTransaction(id: id, stream: stream, client: self, credentials: credentials)
    }
}
