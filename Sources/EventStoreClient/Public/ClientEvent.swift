import Foundation

/// A phase of the connection lifecycle.
public enum ConnectionPhase: Sendable, Hashable, CustomStringConvertible {
    case idle
    case discovering(attempt: Int)
    case connecting(Endpoint)
    case tlsHandshake(Endpoint)
    case authenticating(Endpoint)
    case identifying(Endpoint)
    case connected(Endpoint)
    case dropped(Endpoint?, reason: String)
    case waitingToReconnect(attempt: Int, maxAttempts: Int, after: Duration)
    case closed(reason: String)

    public var description: String {
        switch self {
        case .idle: return "idle"
        case .discovering(let attempt): return "discovering (attempt \(attempt))"
        case .connecting(let endpoint): return "connecting to \(endpoint)"
        case .tlsHandshake(let endpoint): return "TLS handshake with \(endpoint)"
        case .authenticating(let endpoint): return "authenticating with \(endpoint)"
        case .identifying(let endpoint): return "identifying to \(endpoint)"
        case .connected(let endpoint): return "connected to \(endpoint)"
        case .dropped(let endpoint, let reason): return "dropped \(endpoint.map { "from \($0)" } ?? ""): \(reason)"
        case .waitingToReconnect(let attempt, let max, let after):
            return "reconnecting \(attempt)/\(max < 0 ? "∞" : String(max)) in \(after)"
        case .closed(let reason): return "closed: \(reason)"
        }
    }

    /// A one-word name for displays.
    public var name: String {
        switch self {
        case .idle: return "idle"
        case .discovering: return "discovering"
        case .connecting: return "connecting"
        case .tlsHandshake: return "tls"
        case .authenticating: return "authenticating"
        case .identifying: return "identifying"
        case .connected: return "connected"
        case .dropped: return "dropped"
        case .waitingToReconnect: return "reconnecting"
        case .closed: return "closed"
        }
    }
}

/// Counters of the connection since the client started.
public struct ConnectionCounters: Sendable, Hashable {
    public var packagesIn = 0
    public var packagesOut = 0
    public var bytesIn = 0
    public var bytesOut = 0
    public var retries = 0
    public var redirects = 0
    public var heartbeatTimeouts = 0
    public var reconnections = 0
    public init() {}
}

/// Something that happened to the connection, for status lines and logs.
public enum ClientEvent: Sendable, Hashable {
    /// The lifecycle moved to a new phase.
    case phaseChanged(ConnectionPhase, at: Date)
    /// A heartbeat probe was answered after this round trip.
    case heartbeatRoundTrip(Duration)
    /// Credentials given at connect were rejected (the connection goes on anonymously).
    case authenticationFailed(reason: String)
    /// An operation is retried.
    case operationRetried(command: String, attempt: Int, reason: String)
    /// An operation is sent to the leader.
    case redirected(to: Endpoint)
}

/// One in-flight or queued operation, for inspectors.
public struct OperationSnapshot: Sendable, Hashable {
    public var command: String
    public var correlationID: UUID
    public var age: Duration
    public var attempt: Int
    public var maxAttempts: Int
    /// `queued`, `sent`, or `subscribed`.
    public var state: String
}
