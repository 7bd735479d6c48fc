import NIOCore
import NIOPosix
import Synchronization

/// Finds a cluster node through HTTP gossip, as the .NET client does (docs/protocol.md §5.2).
///
/// Each round asks candidates one by one, each within the gossip timeout, until one answers with a member a
/// client may use; that member's TCP endpoint is returned. The first round asks the configured seeds (or every
/// address of the cluster DNS name) in random order; after a successful discovery the next call first asks the
/// members that gossip listed, except the one that just failed. Up to ``Settings/maxDiscoverAttempts`` rounds
/// run, with ``Settings/pauseBetweenRounds`` between them.
///
/// ```swift
/// let discoverer = GossipNodeDiscoverer(source: .seeds([GossipSeed(endpoint: Endpoint(host: "10.0.0.1", port: 2113))]),
///                                       settings: GossipNodeDiscoverer.Settings(configuration))
/// let node = try await discoverer.discover(failedEndpoint: nil)
/// ```
public final class GossipNodeDiscoverer: NodeDiscoverer {
    /// Where the first candidates come from.
    public enum Source: Sendable, Hashable {
        /// Explicit gossip endpoints.
        case seeds([GossipSeed])
        /// Every A/AAAA address of `name`, at `gossipPort`.
        case clusterDNS(name: String, gossipPort: Int)
    }

    /// The knobs of discovery; defaults are the .NET client's.
    public struct Settings: Sendable, Hashable {
        /// Rounds before giving up.
        public var maxDiscoverAttempts = 10
        /// Per gossip request, connect included.
        public var gossipTimeout: Duration = .seconds(1)
        /// Pause after a failed round.
        public var pauseBetweenRounds: Duration = .milliseconds(500)
        /// Which member to prefer.
        public var nodePreference: NodePreference = .leader
        /// Connect with TLS (use members' secure TCP ports when they have one).
        public var useTLS = false

        /// Defaults.
        public init() {}

        /// The settings a client configuration implies.
        public init(_ configuration: ClientConfiguration) {
            maxDiscoverAttempts = configuration.maxDiscoverAttempts
            gossipTimeout = configuration.gossipTimeout
            nodePreference = configuration.nodePreference
            useTLS = configuration.tls != nil
        }
    }

    private struct State: Sendable {
        var random: any RandomNumberGenerator & Sendable
        /// The members of the last successful gossip, and whether it came over HTTPS.
        var learned: (members: [ClusterMember], secure: Bool)?
    }

    /// Where the first candidates come from.
    public let source: Source
    /// The knobs of discovery.
    public let settings: Settings
    private let resolver: any ClusterDNSResolver
    private let http: GossipHTTPClient
    private let state: Mutex<State>

    /// A discoverer.
    ///
    /// - Parameters:
    ///   - source: Seeds or a cluster DNS name.
    ///   - settings: Rounds, timeouts, preference, TLS.
    ///   - resolver: Resolves the cluster DNS name.
    ///   - eventLoopGroup: Where gossip requests run.
    ///   - random: Shuffles candidates and members; inject a seeded generator for reproducible tests.
    public init(source: Source, settings: Settings, resolver: any ClusterDNSResolver = SystemDNSResolver(),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.source = source
        self.settings = settings
        self.resolver = resolver
        self.http = GossipHTTPClient(eventLoopGroup: eventLoopGroup)
        self.state = Mutex(State(random: random, learned: nil))
    }

    /// The members of the last gossip that led to a node, for display.
    public var lastKnownMembers: [ClusterMember]? { state.withLock { $0.learned?.members } }

    /// Runs discovery rounds until a usable member answers; see the type's description.
    public func discover(failedEndpoint: Endpoint?) async throws(DiscoveryError) -> DiscoveredNode {
        var attempts: [DiscoveryError.Attempt] = []
        let rounds = max(settings.maxDiscoverAttempts, 1)
        for round in 1...rounds {
            guard !Task.isCancelled else { throw DiscoveryError(attempts: attempts, rounds: round, isCancelled: true) }
            let candidates = await candidates(round: round, excluding: failedEndpoint, attempts: &attempts)
            for candidate in candidates {
                guard !Task.isCancelled else { throw DiscoveryError(attempts: attempts, rounds: round, isCancelled: true) }
                switch await ask(candidate, avoiding: failedEndpoint) {
                case .success(let node): return node
                case .failure(let reason): attempts.append(.init(round: round, target: candidate.description, reason: reason))
                }
            }
            guard round < rounds else { break }
            do {
                try await Task.sleep(for: settings.pauseBetweenRounds)
            } catch {
                throw DiscoveryError(attempts: attempts, rounds: round, isCancelled: true)
            }
        }
        throw DiscoveryError(attempts: attempts, rounds: rounds)
    }

    /// The learned members (used once), else the seeds or resolved addresses.
    private func candidates(round: Int, excluding failedEndpoint: Endpoint?,
                            attempts: inout [DiscoveryError.Attempt]) async -> [GossipSeed] {
        let fromGossip = state.withLock { state -> [GossipSeed] in
            guard let learned = state.learned else { return [] }
            state.learned = nil
            return GossipCandidates.fromMembers(learned.members, excluding: failedEndpoint, secure: learned.secure,
                                                using: &state.random)
        }
        guard fromGossip.isEmpty else { return fromGossip }
        switch source {
        case .seeds(let seeds):
            return state.withLock { GossipCandidates.fromSeeds(seeds, using: &$0.random) }
        case .clusterDNS(let name, let port):
            do {
                let addresses = try await resolver.resolve(name)
                return state.withLock { GossipCandidates.fromAddresses(addresses, gossipPort: port, using: &$0.random) }
            } catch {
                attempts.append(.init(round: round, target: name, reason: .dnsFailed(error.message)))
                return []
            }
        }
    }

    /// Asks one gossip endpoint and picks a member from its answer.
    private func ask(_ candidate: GossipSeed, avoiding failedEndpoint: Endpoint?) async -> Result<DiscoveredNode, DiscoveryError.Reason> {
        let document: GossipDocument
        switch await http.fetchGossip(from: candidate, timeout: settings.gossipTimeout) {
        case .success(let value): document = value
        case .failure(let reason): return .failure(reason)
        }
        guard !document.members.isEmpty else { return .failure(.noMembers) }
        let node = state.withLock { state -> DiscoveredNode? in
            guard let node = NodeSelector.select(from: document.members, preference: settings.nodePreference,
                                                 useTLS: settings.useTLS, avoiding: failedEndpoint, using: &state.random)
            else { return nil }
            state.learned = (document.members, candidate.secure)
            return node
        }
        guard let node else {
            return .failure(.noEligibleMember(document.members.map { $0.isAlive ? $0.state.name : "\($0.state.name) (dead)" }))
        }
        return .success(node)
    }
}
