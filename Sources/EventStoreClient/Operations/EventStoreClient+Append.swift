import EventStoreWire
import Foundation

extension EventStoreClient {
    /// Appends events to a stream.
    ///
    /// Event ids are kept across retries, so a retried append is idempotent on the server.
    ///
    /// ```swift
    /// let result = try await client.append(to: "orders-1", events: [EventData(type: "OrderPlaced", json: "{}")],
    ///                                      expectedVersion: .noStream)
    /// print(result.nextExpectedVersion)   // 0
    /// ```
    /// - Throws: ``EventStoreClientError`` `.wrongExpectedVersion` (the message names the current
    ///   version), `.streamDeleted`, `.accessDenied`, `.outcomeUnknown` after the retry budget.
    @discardableResult
    public func append(
        to stream: String, events: [EventData], expectedVersion: ExpectedVersion = .any, credentials: UserCredentials? = nil
    ) async throws -> WriteResult {
        switch try await conditionalAppend(to: stream, events: events, expectedVersion: expectedVersion, credentials: credentials) {
        case .success(let result):
            return result
        case .wrongExpectedVersion(let current):
            throw EventStoreClientError(.wrongExpectedVersion,
                                        "wrong expected version: stream \(stream) is at \(current), expected \(expectedVersion)")
        case .streamDeleted:
            throw EventStoreClientError(.streamDeleted, "stream \(stream) is deleted")
        }
    }

    /// Appends events and returns version conflicts and deleted streams as values instead of throwing.
    ///
    /// ```swift
    /// if case .wrongExpectedVersion(let current) = try await client.conditionalAppend(
    ///     to: "orders-1", events: [event], expectedVersion: .exact(expected)) {
    ///     print("conflict: the stream is at \(current)")
    /// }
    /// ```
    public func conditionalAppend(
        to stream: String, events: [EventData], expectedVersion: ExpectedVersion = .any, credentials: UserCredentials? = nil
    ) async throws -> ConditionalWriteResult {
        guard !stream.isEmpty else { throw EventStoreClientError(.invalidArgument, "stream name is empty") }
        var request = ESWriteEvents()
        request.eventStreamID = stream
        request.expectedVersion = expectedVersion.rawValue
        request.events = events.map(\.wire)
        request.requireLeader = requireLeader
        return try await perform(.writeEvents, request, credentials: credentials, isWrite: true) { reply throws(EventStoreClientError) in
            let completed: ESWriteEventsCompleted = try Self.decode(reply)
            return Self.writeOutcome(completed.result, message: completed.message, stream: stream) {
                switch completed.result {
                case .success:
                    return .success(WriteResult(nextExpectedVersion: completed.lastEventNumber,
                                                position: Position(commit: completed.commitPosition, prepare: completed.preparePosition)))
                case .wrongExpectedVersion:
                    return .wrongExpectedVersion(current: completed.hasCurrentVersion ? completed.currentVersion : -1)
                default:
                    return .streamDeleted
                }
            }
        }
    }

    /// Maps an OperationResult to retry / failure / value (docs/protocol.md §4.4).
    static func writeOutcome<Value>(
        _ result: ESOperationResult, message: String, stream: String, value: () -> Value
    ) -> ReplyHandler<Value>.ReplyOutcome<Value> {
        switch result {
        case .success, .wrongExpectedVersion, .streamDeleted:
            return .success(value())
        case .prepareTimeout, .commitTimeout, .forwardTimeout:
            return .retry("\(result) on \(stream)")
        case .accessDenied:
            return .failure(EventStoreClientError(.accessDenied, "access denied to stream \(stream)"))
        case .invalidTransaction:
            return .failure(EventStoreClientError(.invalidTransaction, "invalid transaction on \(stream)"))
        }
    }

    /// Decodes a reply payload leniently.
    static func decode<M: SwiftProtobufMessage>(_ reply: TCPPackage) throws(EventStoreClientError) -> M {
        try decodingPayload { () throws(TCPPayloadError) in try reply.decodeMessage(as: M.self) }
    }

    /// Runs a payload decoder; a malformed payload is a protocol violation.
    static func decodingPayload<T>(_ decode: () throws(TCPPayloadError) -> T) throws(EventStoreClientError) -> T {
        do {
            return try decode()
        } catch {
            throw EventStoreClientError(.protocolViolation, "\(error)")
        }
    }
}

import SwiftProtobuf
typealias SwiftProtobufMessage = SwiftProtobuf.Message
