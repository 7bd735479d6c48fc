import EventStoreWire
import Foundation

/// A host and port.
///
/// ```swift
/// let node = Endpoint(host: "127.0.0.1", port: 1113)
/// let client = EventStoreClient(configuration: ClientConfiguration(discovery: .singleNode(node)))
/// ```
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int

    /// An endpoint.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Login and password (or a bearer token) sent with requests.
///
/// ```swift
/// configuration.defaultCredentials = .password(login: "admin", password: "changeit")
/// // Per operation, overriding the default:
/// try await client.append(to: "orders-1", events: events, credentials: .password(login: "ops", password: "changeit"))
/// ```
public enum UserCredentials: Sendable, Hashable, CustomStringConvertible {
    /// A login and password (the 5.x auth block).
    case password(login: String, password: String)
    /// A bearer token (the 20.x auth block form).
    case token(String)

    /// The auth block form.
    var wire: TCPCredentials {
        switch self {
        case .password(let login, let password): return .password(login: login, password: password)
        case .token(let token): return .token(token)
        }
    }

    /// The login, when there is one.
    public var login: String? {
        if case .password(let login, _) = self { return login }
        return nil
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String { TCPCredentials.password(login: login ?? "", password: "").description }
}

/// Which cluster member to connect to.
///
/// ```swift
/// let configuration = try ClientConfiguration(connectionString: "GossipSeeds=h1:2113,h2:2113; NodePreference=Follower")
/// ```
public enum NodePreference: String, Sendable, Hashable, CaseIterable {
    /// The leader (writes need it; the default).
    case leader
    /// A follower, else the leader.
    case follower
    /// Any alive member.
    case random
    /// A read-only replica, else a follower, else the leader.
    case readOnlyReplica
}

/// How the client finds the node it talks to.
///
/// ```swift
/// let single = ClientConfiguration(discovery: .singleNode(Endpoint(host: "localhost", port: 1113)))
/// let cluster = ClientConfiguration(discovery: .gossipSeeds([GossipSeed(endpoint: Endpoint(host: "h1", port: 2113))]))
/// let dns = ClientConfiguration(discovery: .clusterDNS(name: "esdb.example.com", gossipPort: 2113))
/// ```
public enum DiscoveryMode: Sendable, Hashable {
    /// One node at a fixed address (`tcp://host:port`).
    case singleNode(Endpoint)
    /// Ask these HTTP gossip endpoints for the cluster's members.
    case gossipSeeds([GossipSeed])
    /// Resolve this DNS name and ask each address's gossip port (`discover://name:port`).
    case clusterDNS(name: String, gossipPort: Int)
}

/// A gossip endpoint, optionally with an explicit scheme.
///
/// ```swift
/// let seed = GossipSeed(endpoint: Endpoint(host: "node1", port: 2113), secure: true)  // https://node1:2113
/// ```
public struct GossipSeed: Sendable, Hashable, CustomStringConvertible {
    /// The node's HTTP endpoint (usually port 2113).
    public var endpoint: Endpoint
    /// `true` for `https://` seeds.
    public var secure: Bool

    /// A seed; plain HTTP unless `secure`.
    public init(endpoint: Endpoint, secure: Bool = false) {
        self.endpoint = endpoint
        self.secure = secure
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String { (secure ? "https://" : "http://") + endpoint.description }
}

/// TLS settings for the TCP connection.
///
/// ```swift
/// configuration.tls = TLSSettings(trustedCAFile: "/etc/esdb/ca.pem")   // validate against this CA
/// configuration.tls = TLSSettings(validateServer: false)               // development only
/// ```
public struct TLSSettings: Sendable, Hashable {
    /// Verify the server certificate (chain and host name).
    public var validateServer: Bool
    /// PEM file with the certificate authorities to trust; `nil` uses the system store.
    public var trustedCAFile: String?
    /// The host name to verify and to send as SNI; defaults to the endpoint's host.
    public var targetHost: String?

    /// TLS settings; by default the server is validated against the system store.
    public init(validateServer: Bool = true, trustedCAFile: String? = nil, targetHost: String? = nil) {
        self.validateServer = validateServer
        self.trustedCAFile = trustedCAFile
        self.targetHost = targetHost
    }
}

/// Everything that shapes an ``EventStoreClient``; every default is the .NET TCP client's (docs/protocol.md §4.4).
///
/// ```swift
/// var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "localhost", port: 1113)))
/// configuration.defaultCredentials = .password(login: "admin", password: "changeit")
/// // or
/// let parsed = try ClientConfiguration(connectionString: "ConnectTo=tcp://admin:changeit@localhost:1113")
/// ```
public struct ClientConfiguration: Sendable, Hashable {
    /// How to find the node.
    public var discovery: DiscoveryMode
    /// Credentials used when an operation gives none; sent with `Authenticate` on connect.
    public var defaultCredentials: UserCredentials?
    /// Name sent in IdentifyClient; default `ES-<uuid>`.
    public var connectionName: String
    /// TLS for the TCP connection; `nil` is plain TCP.
    public var tls: TLSSettings?
    /// Which cluster member to prefer.
    public var nodePreference: NodePreference = .leader
    /// Put `require_leader` in requests (redirects writes and reads to the leader).
    public var requireLeader = true
    /// Probe after this much silence from the server.
    public var heartbeatInterval: Duration = .milliseconds(750)
    /// Drop the connection when nothing arrives this long after a probe.
    public var heartbeatTimeout: Duration = .milliseconds(1500)
    /// An attempt without any reply for this long is retried.
    public var operationTimeout: Duration = .seconds(7)
    /// Retries per operation; `-1` retries forever.
    public var maxRetries = 10
    /// Reconnection attempts after a drop; `-1` forever.
    public var maxReconnections = 10
    /// Pause between reconnection attempts.
    public var reconnectionDelay: Duration = .milliseconds(100)
    /// TCP connect timeout.
    public var connectTimeout: Duration = .milliseconds(1000)
    /// Operations queued or in flight before callers wait.
    public var maxQueueSize = 5000
    /// Operations on the wire at once.
    public var maxConcurrentItems = 5000
    /// Fail instead of retrying when an attempt times out.
    public var failOnNoServerResponse = false
    /// Gossip discovery rounds before giving up.
    public var maxDiscoverAttempts = 10
    /// Per gossip request.
    public var gossipTimeout: Duration = .seconds(1)
    /// Gossip port for cluster DNS discovery.
    public var gossipPort = 2113
    /// Queued operations older than this fail as expired; `.zero` (the default) means no limit.
    public var queueTimeout: Duration = .zero
    /// How often operation timeouts are checked.
    public var operationTimeoutCheckPeriod: Duration = .seconds(1)

    /// A configuration with defaults for everything but the discovery mode.
    public init(discovery: DiscoveryMode) {
        self.discovery = discovery
        self.connectionName = "ES-" + UUID().dotNetString
    }
}
