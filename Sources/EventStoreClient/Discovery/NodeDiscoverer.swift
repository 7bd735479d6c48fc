import NIOCore
import NIOPosix

/// The node discovery chose: where to open the TCP connection, and what gossip said about it.
///
/// ```swift
/// let node = try await configuration.makeNodeDiscoverer().discover(failedEndpoint: nil)
/// print(node.endpoint, node.member?.state as Any)
/// ```
public struct DiscoveredNode: Sendable, Hashable {
    /// The client TCP endpoint (the secure port when TLS is on and the member has one).
    public var endpoint: Endpoint
    /// The gossip entry of the chosen member; `nil` for a statically configured node.
    public var member: ClusterMember?

    /// A discovered node.
    public init(endpoint: Endpoint, member: ClusterMember? = nil) {
        self.endpoint = endpoint
        self.member = member
    }
}

/// Finds the node to connect to; called before the first connection and before every reconnection.
public protocol NodeDiscoverer: Sendable {
    /// Finds a node, preferring one other than `failedEndpoint` (the node whose connection just failed).
    ///
    /// - Parameter failedEndpoint: The TCP endpoint that just failed, or `nil` on the first connection.
    /// - Returns: Where to connect.
    /// - Throws: ``DiscoveryError`` listing what was tried and why each attempt failed, or saying the task
    ///   was cancelled.
    func discover(failedEndpoint: Endpoint?) async throws(DiscoveryError) -> DiscoveredNode
}

/// A single node at a fixed address (`ConnectTo=tcp://host:port`): always the same answer.
///
/// ```swift
/// let node = try await StaticNodeDiscoverer(endpoint: Endpoint(host: "db", port: 1113)).discover(failedEndpoint: nil)
/// ```
public struct StaticNodeDiscoverer: NodeDiscoverer {
    /// The node's TCP endpoint.
    public var endpoint: Endpoint

    /// A discoverer that always returns `endpoint`.
    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
    }

    /// Always ``endpoint``, even when it just failed: there is no other node to try.
    public func discover(failedEndpoint: Endpoint?) async throws(DiscoveryError) -> DiscoveredNode {
        DiscoveredNode(endpoint: endpoint)
    }
}

extension ClientConfiguration {
    /// The discoverer for this configuration's ``DiscoveryMode``: static for `.singleNode`, gossip otherwise.
    ///
    /// - Parameter eventLoopGroup: Where gossip HTTP requests run.
    /// - Returns: A discoverer to keep for the client's lifetime (it remembers the last gossip).
    ///
    /// ```swift
    /// let configuration = try ClientConfiguration(connectionString: "GossipSeeds=10.0.0.1:2113,10.0.0.2:2113")
    /// let leader = try await configuration.makeNodeDiscoverer().discover(failedEndpoint: nil).endpoint
    /// ```
    public func makeNodeDiscoverer(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> any NodeDiscoverer {
        let source: GossipNodeDiscoverer.Source
        switch discovery {
        case .singleNode(let endpoint): return StaticNodeDiscoverer(endpoint: endpoint)
        case .gossipSeeds(let seeds): source = .seeds(seeds)
        case .clusterDNS(let name, let port): source = .clusterDNS(name: name, gossipPort: port)
        }
        return GossipNodeDiscoverer(source: source, settings: GossipNodeDiscoverer.Settings(self), eventLoopGroup: eventLoopGroup)
    }
}
