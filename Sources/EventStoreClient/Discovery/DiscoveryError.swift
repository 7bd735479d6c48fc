/// Discovery found no node: every attempt, and why it failed.
///
/// The ``description`` groups identical failures, e.g.
/// `no node found after 3 discovery rounds: http://10.0.0.1:2113 (rounds 1–3): connection refused; …`.
///
/// ```swift
/// do { _ = try await configuration.makeNodeDiscoverer().discover(failedEndpoint: nil) }
/// catch { for attempt in error.attempts { print(attempt.round, attempt.target, attempt.reason) } }
/// ```
public struct DiscoveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why one gossip candidate (or the DNS lookup) gave no usable answer.
    public enum Reason: Error, Sendable, Hashable, CustomStringConvertible {
        /// The TCP connection to the gossip endpoint failed.
        case connectionFailed(String)
        /// No complete answer within the gossip timeout.
        case timedOut(Duration)
        /// The HTTP status was not 200.
        case httpStatus(Int)
        /// The bytes were not a valid HTTP/1.x response.
        case invalidHTTP(String)
        /// The body was not a gossip document.
        case invalidGossip(GossipParseError)
        /// The gossip listed no members.
        case noMembers
        /// The gossip listed members, but none a client may connect to (their states are given).
        case noEligibleMember([String])
        /// `https://` gossip seeds are not implemented yet.
        case httpsNotSupported
        /// The cluster DNS name did not resolve.
        case dnsFailed(String)

        /// A readable one-line form, for logs and error messages.
        public var description: String {
            switch self {
            case .connectionFailed(let why): "connection failed: \(why)"
            case .timedOut(let timeout): "no answer within \(ClientConfiguration.milliseconds(timeout)) ms"
            case .httpStatus(let status): "HTTP status \(status)"
            case .invalidHTTP(let why): "invalid HTTP response: \(why)"
            case .invalidGossip(let error): "invalid gossip: \(error)"
            case .noMembers: "the gossip lists no members"
            case .noEligibleMember(let states):
                "no member a client may use (alive Leader/Follower/ReadOnlyReplica with a TCP port); states: "
                    + (states.isEmpty ? "none" : states.joined(separator: ", "))
            case .httpsNotSupported: "HTTPS gossip is not supported yet (write the seed as http://host:port)"
            case .dnsFailed(let why): "DNS lookup failed: \(why)"
            }
        }
    }

    /// One failed attempt.
    public struct Attempt: Sendable, Hashable {
        /// The discovery round, from 1.
        public var round: Int
        /// What was asked: a gossip URL (`http://10.0.0.1:2113`) or the cluster DNS name.
        public var target: String
        /// Why it failed.
        public var reason: Reason

        /// A failed attempt.
        public init(round: Int, target: String, reason: Reason) {
            self.round = round
            self.target = target
            self.reason = reason
        }
    }

    /// Every failed attempt, in order.
    public var attempts: [Attempt]
    /// How many rounds ran.
    public var rounds: Int
    /// Whether discovery stopped because the task was cancelled.
    public var isCancelled: Bool

    /// An error after `rounds` rounds.
    public init(attempts: [Attempt], rounds: Int, isCancelled: Bool = false) {
        self.attempts = attempts
        self.rounds = rounds
        self.isCancelled = isCancelled
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String {
        var text = isCancelled ? "discovery was cancelled in round \(rounds)"
                               : "no node found after \(rounds) discovery round\(rounds == 1 ? "" : "s")"
        guard !attempts.isEmpty else { return text + (isCancelled ? "" : ": nothing to ask") }
        var groups: [(target: String, reason: Reason, rounds: [Int])] = []
        for attempt in attempts {
            if let index = groups.firstIndex(where: { $0.target == attempt.target && $0.reason == attempt.reason }) {
                groups[index].rounds.append(attempt.round)
            } else {
                groups.append((attempt.target, attempt.reason, [attempt.round]))
            }
        }
        text += ": " + groups.map { "\($0.target) (\(Self.describe(rounds: $0.rounds))): \($0.reason)" }.joined(separator: "; ")
        return text
    }

    /// `round 2`, `rounds 1–3`, `rounds 1, 3`.
    private static func describe(rounds: [Int]) -> String {
        guard rounds.count > 1 else { return "round \(rounds[0])" }
        let contiguous = zip(rounds, rounds.dropFirst()).allSatisfy { $1 == $0 + 1 }
        return contiguous ? "rounds \(rounds[0])–\(rounds[rounds.count - 1])"
                          : "rounds " + rounds.map(String.init).joined(separator: ", ")
    }
}
