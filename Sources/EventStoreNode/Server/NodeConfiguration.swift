import NIOCore

/// How an embedded node is started.
public struct NodeConfiguration: Sendable {
    /// Where events are kept.
    public enum Storage: Sendable {
        /// A durable SQLite database at this path (directories are created).
        case file(String)
        /// In memory, gone when the node stops.
        case memory
    }

    /// A TCP endpoint.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }

        /// Parses `HOST:PORT`.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                  (0...65535).contains(port), colon != text.startIndex
            else { return nil }
            self.init(host: String(text[..<colon]), port: port)
        }
    }

    /// TLS on both client ports: the server's certificate chain and private key, as PEM files.
    ///
    /// The TCP framing is the same inside TLS; there is no upgrade command, so a port is either
    /// TLS or plain (docs/protocol.md §1.1). The HTTP port then serves TLS too and chooses
    /// HTTP/2 (gRPC) or HTTP/1.1 by ALPN.
    public struct TLS: Sendable, Hashable {
        /// PEM file with the server certificate first, then any intermediate certificates.
        public var certificateChainPath: String
        /// PEM file with the certificate's private key (unencrypted).
        public var privateKeyPath: String

        /// TLS settings from a certificate chain file and a private key file.
        public init(certificateChainPath: String, privateKeyPath: String) {
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
        }
    }

    public var storage: Storage
    /// Address to listen on; default loopback.
    public var bindHost = "127.0.0.1"
    /// Client TCP port; 0 picks a free one. Default 1113.
    public var tcpPort = 1113
    /// HTTP port: the gRPC client API, and `/gossip` and `/ping` over HTTP/1.1; 0 picks a free
    /// one. Default 2113.
    public var httpPort = 2113
    /// Accounts to seed; defaults to `admin` and `ops` (password `changeit`). Each is stored in the
    /// log when the database has no such account yet; a stored account (created earlier, or changed
    /// through the gRPC Users service) keeps what is stored, and a deleted one stays deleted.
    public var users = NodeUser.defaults
    /// No authentication and no access control on either door: every request runs as an admin
    /// (`esdb node --insecure`, KurrentDB's meaning). Off by default: both doors authenticate,
    /// in cleartext unless ``tls`` is set.
    public var insecure = false
    /// Whether requests are authenticated and checked against ACLs (not ``insecure``).
    public var authenticates: Bool { !insecure }
    /// Deny anonymous access to every stream.
    public var denyAnonymous = false
    /// When set, the node acts as a follower of this leader: `require_leader` requests get NotHandled(NotLeader).
    public var followerOf: Endpoint?
    /// The leader's HTTP port, advertised in gossip and LeaderInfo when following.
    public var leaderHTTPPort: Int = 0
    /// Send a heartbeat request after this much silence (EventStoreDB: 2 s).
    public var heartbeatInterval: TimeAmount = .seconds(2)
    /// Close the connection when no bytes arrive this long after a heartbeat request (EventStoreDB: 1 s).
    public var heartbeatTimeout: TimeAmount = .seconds(1)
    /// Close a connection whose unsent replies exceed this many packages (EventStoreDB: 50 000).
    public var maxSendQueuePackages = 50_000
    /// …or this many bytes (EventStoreDB: 10 MiB).
    public var maxSendQueueBytes = 10 * 1024 * 1024
    /// TLS on the client TCP port; `nil` (the default) serves plain TCP.
    public var tls: TLS?
    /// Client TCP connections at once; one more is refused with a BadRequest saying so.
    /// EventStoreDB has no such limit; this node bounds its memory (docs/node-fidelity.md).
    public var maxConnections = 10_000
    /// Live subscriptions (volatile and persistent) one connection may hold.
    public var maxSubscriptionsPerConnection = 10_000
    /// Which projections run (`--run-projections`); EventStoreDB's default, and this one, is none.
    public var runProjections = ProjectionMode.none
    /// Start the standard projections (`$streams`, `$by_category`, `$by_event_type`,
    /// `$stream_by_category`) when projections run; off by default, as on the server.
    public var startStandardProjections = false
    /// Runs and starts the standard projections (`--run-projections system --start-standard-projections`).
    public mutating func enableStandardProjections() {
        runProjections = .system
        startStandardProjections = true
    }

    /// Whether the standard projections' links are written.
    public var runsStandardProjections: Bool { runProjections == .system && startStandardProjections }
    /// Bounds on open explicit transactions (held in memory until they commit).
    public var transactionLimits = TransactionLimits()

    /// A configuration with the defaults of `esdb node`.
    public init(storage: Storage) {
        self.storage = storage
    }
}
