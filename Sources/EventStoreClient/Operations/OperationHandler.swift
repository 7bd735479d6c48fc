import EventStoreWire
import Foundation

/// What a reply means for the operation that sent the request.
enum ReplyDecision: Equatable {
    /// The operation is finished (the handler has delivered its result).
    case complete
    /// A subscription goes on: keep the entry and its correlation id.
    case keep
    /// The subscription is over on the client's side: remove it and tell the server.
    case unsubscribe
    /// Send the request again with a new correlation id.
    case retry(reason: String)
    /// Reconnect to the leader, then send again.
    case reconnect(Endpoint, reason: String)
    /// Finish with this error.
    case fail(EventStoreClientError)
}

/// One operation's own logic: how to read its replies, and how to deliver its outcome.
///
/// The operation table calls these on the connection's event loop only.
protocol OperationHandler: AnyObject {
    /// Reads a reply for this operation (NotHandled, NotAuthenticated and BadRequest are handled
    /// by the table before this is called). Must deliver the result itself for `.complete`.
    func handle(_ reply: TCPPackage) -> ReplyDecision
    /// Delivers a failure; called exactly once unless ``handle(_:)`` completed the operation.
    func fail(_ error: EventStoreClientError)
    /// Whether a retry may resend the request after it was confirmed (false for live subscriptions).
    var survivesReconnect: Bool { get }
    /// Whether the request changes data, so an exhausted retry budget means "outcome unknown".
    var isWrite: Bool { get }
}

extension OperationHandler {
    var survivesReconnect: Bool { true }
    var isWrite: Bool { false }
}

/// A request/reply operation that decodes one reply message and completes a continuation.
final class ReplyHandler<Reply: Sendable>: OperationHandler {
    private let expected: TCPCommand
    private let decode: (TCPPackage) throws(EventStoreClientError) -> ReplyOutcome<Reply>
    private var continuation: CheckedContinuation<Reply, any Error>?
    let isWrite: Bool

    /// What a decoded reply means.
    enum ReplyOutcome<Value> {
        case success(Value)
        case retry(String)
        case failure(EventStoreClientError)
    }

    init(
        expected: TCPCommand, isWrite: Bool, continuation: CheckedContinuation<Reply, any Error>,
        decode: @escaping (TCPPackage) throws(EventStoreClientError) -> ReplyOutcome<Reply>
    ) {
        self.expected = expected
        self.isWrite = isWrite
        self.continuation = continuation
        self.decode = decode
    }

    /// Replies the server sends instead of the usual one: a denied filtered `$all` read is answered
    /// with the unfiltered reply (the server's authorization gateway).
    static func accepts(_ reply: TCPCommand, expecting expected: TCPCommand) -> Bool {
        switch (expected, reply) {
        case (.filteredReadAllEventsForwardCompleted, .readAllEventsForwardCompleted),
             (.filteredReadAllEventsBackwardCompleted, .readAllEventsBackwardCompleted):
            return true
        default:
            return reply == expected
        }
    }

    func handle(_ reply: TCPPackage) -> ReplyDecision {
        guard Self.accepts(reply.command, expecting: expected) else {
            return .fail(EventStoreClientError(.protocolViolation, "expected \(expected.name), got \(reply.command.name)"))
        }
        do {
            switch try decode(reply) {
            case .success(let value):
                continuation?.resume(returning: value)
                continuation = nil
                return .complete
            case .retry(let reason):
                return .retry(reason: reason)
            case .failure(let error):
                return .fail(error)
            }
        } catch {
            return .fail(error)
        }
    }

    func fail(_ error: EventStoreClientError) {
        continuation?.resume(throwing: error)
        continuation = nil
    }
}
