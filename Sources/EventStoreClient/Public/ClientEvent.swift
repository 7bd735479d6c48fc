import Foundation

/// A phase of the connection lifecycle.
///
/// ```swift
/// for await case .phaseChanged(let phase, _) in client.events {
///     print(phase.name, phase)  // "reconnecting", "reconnecting 2/10 in 0.1 seconds"
/// }
/// ```
public enum ConnectionPhase: Sendable, Hashable, CustomStringConvertible {
    /// Created, not started.
    case idle
    /// Looking for a node (gossip, DNS, or the configured endpoint); `attempt` counts from 1.
    case discovering(attempt: Int)
    /// Opening the TCP connection.
    case connecting(Endpoint)
    /// Negotiating TLS.
    case tlsHandshake(Endpoint)
    /// Waiting for the reply to Authenticate.
    case authenticating(Endpoint)
    /// Waiting for the reply to IdentifyClient.
    case identifying(Endpoint)
    /// Ready: operations flow.
    case connected(Endpoint)
    /// The connection was lost, and why.
    case dropped(Endpoint?, reason: String)
    /// Waiting before reconnection attempt `attempt` of `maxAttempts` (−1: unlimited).
    case waitingToReconnect(attempt: Int, maxAttempts: Int, after: Duration)
    /// Closed for good: by ``EventStoreClient/close()`` or after the last reconnection attempt.
    case closed(reason: String)

    /// A sentence for logs and status lines.
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
///
/// ```swift
/// let counters = await client.counters
/// print("\(counters.packagesIn) packages in, \(counters.reconnections) reconnections")
/// ```
public struct ConnectionCounters: Sendable, Hashable {
    /// Packages received (all connections).
    public var packagesIn = 0
    /// Packages sent.
    public var packagesOut = 0
    /// Bytes received, framing included.
    public var bytesIn = 0
    /// Bytes sent, framing included.
    public var bytesOut = 0
    /// Operation attempts repeated (timeouts, NotReady, TooBusy, reconnections).
    public var retries = 0
    /// NotLeader redirects followed.
    public var redirects = 0
    /// Connections dropped because heartbeats went unanswered.
    public var heartbeatTimeouts = 0
    /// Reconnection attempts scheduled.
    public var reconnections = 0
    /// All zero.
    public init() {}
}

/// Something that happened to the connection, for status lines and logs.
///
/// ```swift
/// for await event in client.events {
///     if case .heartbeatRoundTrip(let rtt) = event { print("rtt \(rtt)") }
/// }
/// ```
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
///
/// ```swift
/// for op in await client.operations {
///     print(op.command, op.correlationID, op.age, "\(op.attempt)/\(op.maxAttempts)", op.state)
/// }
/// ```
public struct OperationSnapshot: Sendable, Hashable {
    /// The request's command name, e.g. `WriteEvents`.
    public var command: String
    /// The correlation id of the current attempt.
    public var correlationID: UUID
    /// Time since the operation was submitted.
    public var age: Duration
    /// The current attempt (1-based).
    public var attempt: Int
    /// The retry budget (−1: unlimited).
    public var maxAttempts: Int
    /// `queued`, `sent`, or `subscribed`.
    public var state: String
}
