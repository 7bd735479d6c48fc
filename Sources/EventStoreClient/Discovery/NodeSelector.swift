/// Chooses the member to connect to from a gossip document (docs/protocol.md §5.2 steps 3–5); pure and
/// deterministic for a given random-number generator.
///
/// ```swift
/// var random = SystemRandomNumberGenerator()
/// if let node = NodeSelector.select(from: gossip.members, preference: .leader, useTLS: false,
///                                   avoiding: nil, using: &random) {
///     print(node.endpoint)
/// }
/// ```
public enum NodeSelector {
    /// Eligible members in the order the client would try them.
    ///
    /// 1. Keep members that are alive, in a state a client may use (``NodeState/clientStrength``) and that
    ///    offer a TCP endpoint (``ClusterMember/clientEndpoint(useTLS:)``).
    /// 2. Order by state strength, strongest first (document order among equals).
    /// 3. Apply the preference: `.leader` keeps that order; `.follower` puts followers first, shuffled;
    ///    `.readOnlyReplica` puts read-only replicas first, shuffled; `.random` shuffles everything.
    /// 4. Move members whose endpoint is `failedEndpoint` to the end, so another candidate is tried first.
    ///
    /// - Parameters:
    ///   - members: The gossip members.
    ///   - preference: Which kind of member to prefer.
    ///   - useTLS: Whether the connection will use TLS (selects the secure TCP port).
    ///   - failedEndpoint: The endpoint that just failed, if any.
    ///   - generator: The source of randomness for shuffles.
    /// - Returns: The eligible members, best first.
    ///
    /// ```swift
    /// var random = SystemRandomNumberGenerator()
    /// let ranked = NodeSelector.rank(gossip.members, preference: .follower, useTLS: false, avoiding: nil, using: &random)
    /// ```
    public static func rank(_ members: [ClusterMember], preference: NodePreference, useTLS: Bool, avoiding failedEndpoint: Endpoint?,
                            using generator: inout some RandomNumberGenerator) -> [ClusterMember] {
        let eligible = members.enumerated().filter { _, member in
            member.isAlive && member.state.clientStrength != nil && member.clientEndpoint(useTLS: useTLS) != nil
        }
        var ordered = eligible.sorted { lhs, rhs in
            let (left, right) = (lhs.element.state.clientStrength ?? 0, rhs.element.state.clientStrength ?? 0)
            return left != right ? left > right : lhs.offset < rhs.offset
        }.map(\.element)
        switch preference {
        case .leader: break
        case .follower: preferShuffled(&ordered, where: \.state.isFollower, using: &generator)
        case .readOnlyReplica: preferShuffled(&ordered, where: \.state.isReadOnlyReplica, using: &generator)
        case .random: ordered.shuffle(using: &generator)
        }
        guard let failedEndpoint else { return ordered }
        let isFailed = { (member: ClusterMember) in member.clientEndpoint(useTLS: useTLS) == failedEndpoint }
        return ordered.filter { !isFailed($0) } + ordered.filter(isFailed)
    }

    /// The best member as a ``DiscoveredNode``, or `nil` when no member is eligible; see
    /// ``rank(_:preference:useTLS:avoiding:using:)``.
    ///
    /// ```swift
    /// var random = SystemRandomNumberGenerator()
    /// let node = NodeSelector.select(from: gossip.members, preference: .leader, useTLS: false, avoiding: failed, using: &random)
    /// ```
    public static func select(from members: [ClusterMember], preference: NodePreference, useTLS: Bool, avoiding failedEndpoint: Endpoint?,
                              using generator: inout some RandomNumberGenerator) -> DiscoveredNode? {
        let ranked = rank(members, preference: preference, useTLS: useTLS, avoiding: failedEndpoint, using: &generator)
        guard let best = ranked.first, let endpoint = best.clientEndpoint(useTLS: useTLS) else { return nil }
        return DiscoveredNode(endpoint: endpoint, member: best)
    }

    /// Moves the members matching `predicate` to the front (shuffled among themselves), keeping the rest's order.
    private static func preferShuffled(_ members: inout [ClusterMember], where predicate: (ClusterMember) -> Bool,
                                       using generator: inout some RandomNumberGenerator) {
        var preferred = members.filter(predicate)
        preferred.shuffle(using: &generator)
        members = preferred + members.filter { !predicate($0) }
    }
}
