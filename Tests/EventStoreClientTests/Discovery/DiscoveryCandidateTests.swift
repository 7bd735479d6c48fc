@testable import EventStoreClient
import EventStoreTesting
import Testing

/// Which gossip endpoints a round asks, and how the final error reads.
@Suite struct DiscoveryCandidateTests {
    @Test func seedsAreShuffledDeterministically() {
        let seeds = (1...5).map { GossipSeed(endpoint: Endpoint(host: "10.0.0.\($0)", port: 2113)) }
        var orders = Set<[GossipSeed]>()
        for seed in 0..<16 {
            var a = SeededRandom(seed: UInt64(seed))
            var b = SeededRandom(seed: UInt64(seed))
            let order = GossipCandidates.fromSeeds(seeds, using: &a)
            #expect(order == GossipCandidates.fromSeeds(seeds, using: &b))
            #expect(Set(order) == Set(seeds))
            orders.insert(order)
        }
        #expect(orders.count > 1)
        var random = SeededRandom(seed: 3)
        let addresses = GossipCandidates.fromAddresses(["10.0.0.1", "::1"], gossipPort: 2114, using: &random)
        #expect(Set(addresses) == [GossipSeed(endpoint: Endpoint(host: "10.0.0.1", port: 2114)),
                                   GossipSeed(endpoint: Endpoint(host: "::1", port: 2114))])
    }

    @Test func learnedMembersExcludeTheFailedNodeAndPutManagersLast() {
        let members: [ClusterMember] = [
            .fixture(.manager, "m1", 1), .fixture(.leader, "l"), .fixture(.follower, "f1"), .fixture(.follower, "f2", alive: false),
            .fixture(.manager, "m2", 2), ClusterMember(state: .follower, externalTCP: Endpoint(host: "nohttp", port: 1113)),
        ]
        for seed in 0..<16 {
            var random = SeededRandom(seed: UInt64(seed))
            let candidates = GossipCandidates.fromMembers(members, excluding: Endpoint(host: "l", port: 1113), secure: true,
                                                          using: &random)
            #expect(Set(candidates.prefix(2).map(\.endpoint.host)) == ["f1", "f2"])
            #expect(Set(candidates.dropFirst(2).map(\.endpoint.host)) == ["m1", "m2"])
            #expect(candidates.allSatisfy { $0.secure })
            #expect(candidates.first { $0.endpoint.host == "f1" }?.endpoint.port == 2113)
        }
        var random = SeededRandom(seed: 1)
        #expect(GossipCandidates.fromMembers(members, excluding: nil, secure: false, using: &random).count == 5)
    }

    @Test func errorDescriptionGroupsRepeatedFailures() {
        let error = DiscoveryError(attempts: [
            .init(round: 1, target: "http://a:2113", reason: .connectionFailed("connection refused")),
            .init(round: 1, target: "http://b:2113", reason: .timedOut(.seconds(1))),
            .init(round: 2, target: "http://a:2113", reason: .connectionFailed("connection refused")),
            .init(round: 2, target: "http://b:2113", reason: .httpStatus(503)),
            .init(round: 3, target: "http://a:2113", reason: .connectionFailed("connection refused")),
            .init(round: 3, target: "http://b:2113", reason: .timedOut(.seconds(1))),
        ], rounds: 3)
        #expect(error.description == "no node found after 3 discovery rounds: "
                    + "http://a:2113 (rounds 1–3): connection failed: connection refused; "
                    + "http://b:2113 (rounds 1, 3): no answer within 1000 ms; "
                    + "http://b:2113 (round 2): HTTP status 503")
        #expect(DiscoveryError(attempts: [], rounds: 1).description == "no node found after 1 discovery round: nothing to ask")
        #expect(DiscoveryError(attempts: [], rounds: 2, isCancelled: true).description == "discovery was cancelled in round 2")
        let reasons: [DiscoveryError.Reason] = [
            .invalidHTTP("x"), .invalidGossip(GossipParseError("y")), .noMembers, .noEligibleMember(["Manager", "Leader (dead)"]),
            .httpsNotSupported, .dnsFailed("z"),
        ]
        #expect(reasons.map(\.description) == [
            "invalid HTTP response: x", "invalid gossip: y", "the gossip lists no members",
            "no member a client may use (alive Leader/Follower/ReadOnlyReplica with a TCP port); states: Manager, Leader (dead)",
            "HTTPS gossip is not supported yet (write the seed as http://host:port)", "DNS lookup failed: z",
        ])
    }
}
