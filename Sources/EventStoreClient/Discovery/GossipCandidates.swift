/// Which gossip endpoints a discovery round asks, in order (docs/protocol.md §5.2 step 1); pure.
enum GossipCandidates {
    /// The configured seeds (or resolved DNS addresses), shuffled.
    static func fromSeeds(_ seeds: [GossipSeed], using generator: inout some RandomNumberGenerator) -> [GossipSeed] {
        seeds.shuffled(using: &generator)
    }

    /// The resolved addresses of a cluster DNS name with its gossip port, shuffled.
    static func fromAddresses(_ addresses: [String], gossipPort: Int,
                              using generator: inout some RandomNumberGenerator) -> [GossipSeed] {
        fromSeeds(addresses.map { GossipSeed(endpoint: Endpoint(host: $0, port: gossipPort)) }, using: &generator)
    }

    /// The members of the previous gossip that serve HTTP, minus the one whose TCP endpoint just failed:
    /// non-`Manager` members first, shuffled, then `Manager` members, shuffled.
    ///
    /// - Parameter secure: Ask them over HTTPS (as the seed that gave this gossip was asked).
    static func fromMembers(_ members: [ClusterMember], excluding failedEndpoint: Endpoint?, secure: Bool,
                            using generator: inout some RandomNumberGenerator) -> [GossipSeed] {
        let kept = members.filter { member in
            guard member.http != nil, let failedEndpoint else { return member.http != nil }
            return member.externalTCP != failedEndpoint && member.externalSecureTCP != failedEndpoint
        }
        var regular = kept.filter { $0.state != .manager }
        var managers = kept.filter { $0.state == .manager }
        regular.shuffle(using: &generator)
        managers.shuffle(using: &generator)
        var seen = Set<Endpoint>()
        return (regular + managers).compactMap(\.http).filter { seen.insert($0).inserted }
            .map { GossipSeed(endpoint: $0, secure: secure) }
    }
}
