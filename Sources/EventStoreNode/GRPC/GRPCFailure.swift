import GRPCCore

/// The errors the gRPC door answers with, each as KurrentDB's `RpcExceptions` builds it: a status
/// code and message, and trailers naming the kind (`exception`) and its details, which clients
/// map back to typed errors (docs/grpc.md §2.6).
enum GRPCFailure {
    /// Trailer keys, as the server's `Constants.Exceptions`.
    enum Key {
        static let exception = "exception"
        static let streamName = "stream-name"
        static let groupName = "group-name"
        static let expectedVersion = "expected-version"
        static let actualVersion = "actual-version"
        static let leaderHost = "leader-endpoint-host"
        static let leaderPort = "leader-endpoint-port"
        static let loginName = "login-name"
        static let reason = "reason"
        static let maximumAppendSize = "maximum-append-size"
        static let maximumAppendEventSize = "maximum-append-event-size"
        static let proposedAppendEventSize = "proposed-append-event-size"
        static let eventID = "event-id"
        static let requiredMetadataProperties = "required-metadata-properties"
    }

    private static func error(_ code: RPCError.Code, _ message: String, _ trailers: [(String, String)] = []) -> RPCError {
        var metadata = Metadata()
        for (key, value) in trailers { metadata.addString(value, forKey: key) }
        return RPCError(code: code, message: message, metadata: metadata)
    }

    static func accessDenied() -> RPCError {
        error(.permissionDenied, "Access Denied", [(Key.exception, "access-denied")])
    }

    static func unauthenticated() -> RPCError {
        error(.unauthenticated, "Bad username or password.")
    }

    static func streamDeleted(_ stream: String) -> RPCError {
        error(.failedPrecondition, "Event stream '\(stream)' is deleted.",
              [(Key.exception, "stream-deleted"), (Key.streamName, stream)])
    }

    /// A Delete or Tombstone whose expected version did not hold (appends answer in the body instead).
    static func wrongExpectedVersion(operation: String, stream: String, expected: Int64, actual: Int64?) -> RPCError {
        error(.failedPrecondition,
              "\(operation) failed due to WrongExpectedVersion. Stream: \(stream), Expected version: \(expected), "
                  + "Actual version: \(actual.map(String.init) ?? "")",
              [(Key.exception, "wrong-expected-version"), (Key.streamName, stream),
               (Key.expectedVersion, String(expected)), (Key.actualVersion, actual.map(String.init) ?? "")])
    }

    static func notLeader(host: String, port: Int) -> RPCError {
        error(.notFound, "Leader info available",
              [(Key.exception, "not-leader"), (Key.leaderHost, host), (Key.leaderPort, String(port))])
    }

    static func timeout(_ message: String) -> RPCError {
        error(.aborted, "Operation timed out: \(message)")
    }

    static func invalidTransaction() -> RPCError {
        error(.invalidArgument, "Invalid Transaction", [(Key.exception, "invalid-transaction")])
    }

    static func maximumAppendSizeExceeded(_ size: Int) -> RPCError {
        error(.invalidArgument, "Maximum Append Size of \(size) Exceeded.",
              [(Key.exception, "maximum-append-size-exceeded"), (Key.maximumAppendSize, String(size))])
    }

    /// One proposed event above the per-event limit (the server's 25.x check; its 24.x counts it
    /// against the whole append only).
    static func maximumAppendEventSizeExceeded(eventID: String, size: Int, limit: Int) -> RPCError {
        error(.invalidArgument, "Event with Id: \(eventID), Size: \(size), exceeds Maximum Append Event Size of \(limit).",
              [(Key.exception, "maximum-append-event-size-exceeded"), (Key.maximumAppendEventSize, String(limit)),
               (Key.eventID, eventID), (Key.proposedAppendEventSize, String(size))])
    }

    static func missingRequiredMetadata(_ property: String) -> RPCError {
        error(.invalidArgument, "Required Metadata Property '\(property)' is missing",
              [(Key.exception, "missing-required-metadata-property"), (Key.requiredMetadataProperties, "type,content-type")])
    }

    /// A request the server cannot make sense of (a missing `options`, an unknown oneof case).
    static func invalidArgument(_ message: String) -> RPCError {
        error(.invalidArgument, message)
    }

    static func persistentSubscriptionDoesNotExist(stream: String, group: String) -> RPCError {
        error(.notFound, "Subscription group \(group) on stream \(stream) does not exist.",
              [(Key.exception, "persistent-subscription-does-not-exist"), (Key.streamName, stream), (Key.groupName, group)])
    }

    static func persistentSubscriptionExists(stream: String, group: String) -> RPCError {
        error(.alreadyExists, "Subscription group \(group) on stream \(stream) exists.",
              [(Key.exception, "persistent-subscription-exists"), (Key.streamName, stream), (Key.groupName, group)])
    }

    static func maximumSubscribersReached(stream: String, group: String) -> RPCError {
        error(.failedPrecondition, "Maximum subscriptions reached for subscription group \(group) on stream \(stream).",
              [(Key.exception, "maximum-subscribers-reached"), (Key.streamName, stream), (Key.groupName, group)])
    }

    static func persistentSubscriptionDropped(stream: String, group: String) -> RPCError {
        error(.cancelled, "Subscription group \(group) on stream \(stream) was dropped.",
              [(Key.exception, "persistent-subscription-dropped"), (Key.streamName, stream), (Key.groupName, group)])
    }

    static func persistentSubscriptionFailed(stream: String, group: String, reason: String) -> RPCError {
        error(.internalError, "Subscription group \(group) on stream \(stream) failed: '\(reason)'",
              [(Key.exception, "persistent-subscription-failed"), (Key.streamName, stream), (Key.groupName, group),
               (Key.reason, reason)])
    }

    static func userNotFound(_ login: String) -> RPCError {
        error(.notFound, "User '\(login)' is not found.", [(Key.exception, "user-not-found"), (Key.loginName, login)])
    }

    static func userConflict(_ login: String) -> RPCError {
        error(.failedPrecondition, "Conflict.", [(Key.exception, "user-conflict"), (Key.loginName, login)])
    }

    /// The node cannot take the request now (storage failed, shutting down).
    static func unavailable(_ message: String) -> RPCError {
        error(.unavailable, message)
    }

    /// An outcome the server has no status for (its `RpcExceptions.UnknownError`).
    static func unknownError(_ result: String) -> RPCError {
        error(.unknown, "Unexpected \(result)")
    }

    static func unimplemented(_ method: String) -> RPCError {
        error(.unimplemented, "\(method) is not implemented by this node.")
    }
}
