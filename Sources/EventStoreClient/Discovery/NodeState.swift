/// A cluster member's role as gossip reports it (EventStoreDB's `VNodeState`), from 3.x to 23.x.
///
/// Gossip carries the state as a string; names are matched ignoring case, and any name this client does not
/// know is kept in ``other(_:)`` so that newer servers do not break discovery. The 5.x names (`Master`,
/// `Slave`, `PreMaster`) are kept apart from their 20.x successors so displays show what the server said.
///
/// ```swift
/// let leaders = gossip.members.filter { $0.state == .leader || $0.state == .master }
/// ```
public enum NodeState: Sendable, Hashable, CustomStringConvertible {
    /// Starting up.
    case initializing
    /// Looking for a leader (20.10+).
    case discoverLeader
    /// State not known yet.
    case unknown
    /// About to replicate from the leader.
    case preReplica
    /// Catching up with the leader.
    case catchingUp
    /// A replica beyond the cluster size.
    case clone
    /// A replica that acknowledges writes (20.x name).
    case follower
    /// A replica that acknowledges writes (5.x name).
    case slave
    /// About to become leader (20.x name).
    case preLeader
    /// About to become master (5.x name).
    case preMaster
    /// Accepts writes (20.x name).
    case leader
    /// Accepts writes (5.x name).
    case master
    /// A cluster manager process (5.x commercial), not a database node.
    case manager
    /// Stopping.
    case shuttingDown
    /// Stopped.
    case shutdown
    /// A read-only replica without a leader.
    case readOnlyLeaderless
    /// About to become a read-only replica.
    case preReadOnlyReplica
    /// A read-only replica.
    case readOnlyReplica
    /// Handing leadership over (20.10+).
    case resigningLeader
    /// A state name this client does not know, as the server wrote it.
    case other(String)

    private static let known: [NodeState] = [
        .initializing, .discoverLeader, .unknown, .preReplica, .catchingUp, .clone, .follower, .slave, .preLeader,
        .preMaster, .leader, .master, .manager, .shuttingDown, .shutdown, .readOnlyLeaderless, .preReadOnlyReplica,
        .readOnlyReplica, .resigningLeader,
    ]

    private static let byLowercasedName = Dictionary(uniqueKeysWithValues: known.map { ($0.name.lowercased(), $0) })

    /// The state for a gossip state name (case-insensitive); unknown names become ``other(_:)``.
    public init(name: String) {
        self = Self.byLowercasedName[name.lowercased()] ?? .other(name)
    }

    /// The server's spelling (`Leader`, `PreReadOnlyReplica`, …).
    public var name: String {
        switch self {
        case .initializing: "Initializing"
        case .discoverLeader: "DiscoverLeader"
        case .unknown: "Unknown"
        case .preReplica: "PreReplica"
        case .catchingUp: "CatchingUp"
        case .clone: "Clone"
        case .follower: "Follower"
        case .slave: "Slave"
        case .preLeader: "PreLeader"
        case .preMaster: "PreMaster"
        case .leader: "Leader"
        case .master: "Master"
        case .manager: "Manager"
        case .shuttingDown: "ShuttingDown"
        case .shutdown: "Shutdown"
        case .readOnlyLeaderless: "ReadOnlyLeaderless"
        case .preReadOnlyReplica: "PreReadOnlyReplica"
        case .readOnlyReplica: "ReadOnlyReplica"
        case .resigningLeader: "ResigningLeader"
        case .other(let name): name
        }
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String { name }

    /// How strongly the 20.x .NET client prefers a member in this state, or `nil` when it never connects to
    /// one (docs/protocol.md §5.2 steps 3–4): Leader > Master > PreMaster > Follower > Slave > ReadOnlyReplica >
    /// ReadOnlyLeaderless. Transitional, stopping and unknown states are not eligible.
    public var clientStrength: Int? {
        switch self {
        case .leader: 7
        case .master: 6
        case .preMaster: 5
        case .follower: 4
        case .slave: 3
        case .readOnlyReplica: 2
        case .readOnlyLeaderless: 1
        default: nil
        }
    }

    /// `Leader` or `Master`.
    public var isLeader: Bool { self == .leader || self == .master }
    /// `Follower` or `Slave`.
    public var isFollower: Bool { self == .follower || self == .slave }
    /// A read-only replica state (`ReadOnlyReplica`, `PreReadOnlyReplica`, `ReadOnlyLeaderless`).
    public var isReadOnlyReplica: Bool {
        self == .readOnlyReplica || self == .preReadOnlyReplica || self == .readOnlyLeaderless
    }
}
