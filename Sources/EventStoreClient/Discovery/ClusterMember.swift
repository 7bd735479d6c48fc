import Foundation

/// One member of a cluster as reported by `GET /gossip` (docs/protocol.md §5.1), in either the 5.x or the 20.x shape.
///
/// ```swift
/// let gossip = try GossipDocument(parsing: body)
/// for member in gossip.members where member.isAlive { print(member.state, member.clientEndpoint(useTLS: false) as Any) }
/// ```
public struct ClusterMember: Sendable, Hashable {
    /// The node's instance id, when the document had a valid GUID.
    public var instanceID: UUID?
    /// The node's role.
    public var state: NodeState
    /// Whether the reporting node considers it alive.
    public var isAlive: Bool
    /// Client TCP endpoint (`externalTcpIp`/`externalTcpPort`); `nil` when the port is 0 (none).
    public var externalTCP: Endpoint?
    /// TLS client TCP endpoint (`externalTcpIp`/`externalSecureTcpPort`); `nil` when the port is 0.
    public var externalSecureTCP: Endpoint?
    /// Replication TCP endpoint (`internalTcpIp`/`internalTcpPort`), when reported.
    public var internalTCP: Endpoint?
    /// The HTTP endpoint that serves gossip: `httpEndPointIp`/`httpEndPointPort` (20.x) or
    /// `externalHttpIp`/`externalHttpPort` (5.x).
    public var http: Endpoint?
    /// `isReadOnlyReplica` (20.x); `false` when absent.
    public var isReadOnlyReplica: Bool
    /// `lastCommitPosition`; `0` when absent.
    public var lastCommitPosition: Int64
    /// `writerCheckpoint`; `0` when absent.
    public var writerCheckpoint: Int64
    /// `chaserCheckpoint`; `0` when absent.
    public var chaserCheckpoint: Int64
    /// `epochPosition`; `0` when absent.
    public var epochPosition: Int64
    /// `epochNumber`; `0` when absent.
    public var epochNumber: Int64
    /// `epochId`, when the document had a valid GUID.
    public var epochID: UUID?
    /// `nodePriority`; `0` when absent.
    public var nodePriority: Int64
    /// `timeStamp` as written (ISO 8601 with up to 7 fractional digits).
    public var timeStamp: String?
    /// `esVersion` (23.x).
    public var serverVersion: String?

    /// A member with the given essentials; everything else empty or zero.
    public init(state: NodeState, isAlive: Bool = true, externalTCP: Endpoint?, externalSecureTCP: Endpoint? = nil,
                http: Endpoint? = nil, instanceID: UUID? = nil, isReadOnlyReplica: Bool = false) {
        self.instanceID = instanceID
        self.state = state
        self.isAlive = isAlive
        self.externalTCP = externalTCP
        self.externalSecureTCP = externalSecureTCP
        self.internalTCP = nil
        self.http = http
        self.isReadOnlyReplica = isReadOnlyReplica
        self.lastCommitPosition = 0
        self.writerCheckpoint = 0
        self.chaserCheckpoint = 0
        self.epochPosition = 0
        self.epochNumber = 0
        self.epochID = nil
        self.nodePriority = 0
        self.timeStamp = nil
        self.serverVersion = nil
    }

    /// Where a client connects: the secure port when `useTLS` and the member has one, else the plain port
    /// (docs/protocol.md §5.2 step 5); `nil` when the member offers neither.
    ///
    /// ```swift
    /// let endpoint = member.clientEndpoint(useTLS: true)   // the secure port if advertised, else the plain one
    /// ```
    public func clientEndpoint(useTLS: Bool) -> Endpoint? {
        if useTLS, let externalSecureTCP { return externalSecureTCP }
        return externalTCP
    }
}

extension ClusterMember: CustomStringConvertible {
    /// `Leader 10.0.0.1:1113 (http 10.0.0.1:2113)`, with `dead` for members that are not alive.
    public var description: String {
        var text = state.name
        if !isAlive { text += " (dead)" }
        text += " " + (externalTCP?.description ?? externalSecureTCP.map { "\($0) (tls)" } ?? "no tcp endpoint")
        if let http { text += " (http \(http))" }
        return text
    }
}
