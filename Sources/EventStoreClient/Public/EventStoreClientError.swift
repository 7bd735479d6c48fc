/// Every failure the client reports: a ``Code`` to switch on, and a message that says why.
///
/// ```swift
/// do { try await client.append(to: "orders-1", events: events, expectedVersion: .noStream) }
/// catch let error as EventStoreClientError where error.code == .wrongExpectedVersion {
///     print(error.message)   // "wrong expected version: stream orders-1 is at 4, expected -1"
/// }
/// ```
public struct EventStoreClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; compare with the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A readable one-line form, for logs and error messages.
        public var description: String { name }

        /// The expected version did not hold.
        public static let wrongExpectedVersion = Code("wrongExpectedVersion")
        /// The stream does not exist.
        public static let streamNotFound = Code("streamNotFound")
        /// The stream is deleted.
        public static let streamDeleted = Code("streamDeleted")
        /// The user may not do this.
        public static let accessDenied = Code("accessDenied")
        /// The credentials were rejected.
        public static let notAuthenticated = Code("notAuthenticated")
        /// The server rejected the request as malformed.
        public static let badRequest = Code("badRequest")
        /// The server reported an error (e.g. a read Error result).
        public static let serverError = Code("serverError")
        /// The operation was retried the configured number of times without an answer.
        public static let retryLimitReached = Code("retryLimitReached")
        /// The operation timed out and `failOnNoServerResponse` is set.
        public static let operationTimedOut = Code("operationTimedOut")
        /// The node is read-only.
        public static let isReadOnly = Code("isReadOnly")
        /// The transaction id is unknown.
        public static let invalidTransaction = Code("invalidTransaction")
        /// The connection was closed and will not come back (closed by the caller or out of reconnections).
        public static let connectionClosed = Code("connectionClosed")
        /// No node could be found or reached.
        public static let cannotConnect = Code("cannotConnect")
        /// The server's reply could not be understood.
        public static let protocolViolation = Code("protocolViolation")
        /// The calling task was cancelled.
        public static let cancelled = Code("cancelled")
        /// The persistent subscription group exists already.
        public static let alreadyExists = Code("alreadyExists")
        /// The persistent subscription group does not exist.
        public static let notFound = Code("notFound")
        /// A subscription was dropped by the server.
        public static let subscriptionDropped = Code("subscriptionDropped")
        /// The caller's arguments are invalid.
        public static let invalidArgument = Code("invalidArgument")
        /// The connection string or configuration is invalid.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A write's outcome is unknown: the retry budget ran out after it may have been applied.
        public static let outcomeUnknown = Code("outcomeUnknown")
    }

    /// What kind of failure.
    public var code: Code
    /// One line saying what failed and why.
    public var message: String

    /// An error of kind `code` saying `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String { message }
}
