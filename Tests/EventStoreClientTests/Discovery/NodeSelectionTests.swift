import EventStoreClient
import EventStoreTesting
import Testing

/// `NodeSelector`: eligibility, strength order, preferences, failed-node avoidance, TLS ports.
@Suite struct NodeSelectionTests {
    static func pick(_ members: [ClusterMember], _ preference: NodePreference, avoiding failed: Endpoint? = nil, useTLS: Bool = false,
                     seed: UInt64 = 1) -> DiscoveredNode? {
        var random = SeededRandom(seed: seed)
        return NodeSelector.select(from: members, preference: preference, useTLS: useTLS, avoiding: failed, using: &random)
    }

    static func rank(_ members: [ClusterMember], _ preference: NodePreference, seed: UInt64 = 1) -> [String] {
        var random = SeededRandom(seed: seed)
        return NodeSelector.rank(members, preference: preference, useTLS: false, avoiding: nil, using: &random).map(\.externalTCP!.host)
    }

    static let cluster: [ClusterMember] = [
        .fixture(.follower, "f1"), .fixture(.readOnlyReplica, "r1"), .fixture(.leader, "l"), .fixture(.follower, "f2"),
        .fixture(.readOnlyReplica, "r2"), .fixture(.manager, "m"), .fixture(.catchingUp, "c"),
    ]

    @Test func leaderPreferenceTakesTheLeader() throws {
        let node = try #require(Self.pick(Self.cluster, .leader))
        #expect(node.endpoint == Endpoint(host: "l", port: 1113))
        #expect(node.member?.state == .leader)
        #expect(Self.rank(Self.cluster, .leader) == ["l", "f1", "f2", "r1", "r2"])
    }

    @Test func fiveXClusterPicksTheMaster() throws {
        let document = try GossipDocument(parsing: GossipFixtures.v5)
        #expect(Self.pick(document.members, .leader)?.endpoint == Endpoint(host: "10.0.0.1", port: 1113))
        #expect(Self.pick(document.members, .follower)?.endpoint == Endpoint(host: "10.0.0.2", port: 1113))  // 10.0.0.3 is dead
    }

    @Test func strengthOrder() {
        let members: [ClusterMember] = [
            .fixture(.readOnlyLeaderless, "rol"), .fixture(.slave, "s"), .fixture(.readOnlyReplica, "ror"), .fixture(.follower, "f"),
            .fixture(.preMaster, "pm"), .fixture(.master, "m"), .fixture(.leader, "l"),
        ]
        #expect(Self.rank(members, .leader) == ["l", "m", "pm", "f", "s", "ror", "rol"])
    }

    @Test func ineligibleMembersAreSkipped() {
        let members: [ClusterMember] = [
            .fixture(.leader, "dead", alive: false), .fixture(.manager, "m"), .fixture(.shuttingDown, "sd"), .fixture(.shutdown, "s"),
            .fixture(.unknown, "u"), .fixture(.initializing, "i"), .fixture(.catchingUp, "cu"), .fixture(.preLeader, "pl"),
            .fixture(.preReplica, "pr"), .fixture(.preReadOnlyReplica, "pro"), .fixture(.clone, "c"), .fixture(.discoverLeader, "dl"),
            .fixture(.resigningLeader, "rl"), .fixture(.other("Archiving"), "o"),
            ClusterMember(state: .leader, externalTCP: nil, http: Endpoint(host: "no-tcp", port: 2113)),
        ]
        for preference in NodePreference.allCases {
            #expect(Self.pick(members, preference) == nil)
        }
        #expect(Self.pick(members + [.fixture(.follower, "ok")], .leader)?.endpoint.host == "ok")
        #expect(Self.pick([], .random) == nil)
    }

    @Test func followerPreferenceShufflesFollowersFirst() {
        var firsts = Set<String>()
        for seed in 0..<32 {
            let ranked = Self.rank(Self.cluster, .follower, seed: UInt64(seed))
            #expect(Set(ranked.prefix(2)) == ["f1", "f2"])
            #expect(Array(ranked.dropFirst(2)) == ["l", "r1", "r2"])
            firsts.insert(ranked[0])
        }
        #expect(firsts == ["f1", "f2"])
        #expect(Self.pick([.fixture(.leader, "l"), .fixture(.readOnlyReplica, "r")], .follower)?.endpoint.host == "l")
        #expect(Self.pick([.fixture(.master, "m"), .fixture(.slave, "s")], .follower)?.endpoint.host == "s")
    }

    @Test func readOnlyReplicaPreference() {
        var firsts = Set<String>()
        for seed in 0..<32 {
            let ranked = Self.rank(Self.cluster, .readOnlyReplica, seed: UInt64(seed))
            #expect(Set(ranked.prefix(2)) == ["r1", "r2"])
            #expect(Array(ranked.dropFirst(2)) == ["l", "f1", "f2"])
            firsts.insert(ranked[0])
        }
        #expect(firsts == ["r1", "r2"])
        #expect(Self.pick([.fixture(.follower, "f"), .fixture(.readOnlyLeaderless, "rl")], .readOnlyReplica)?.endpoint.host == "rl")
        #expect(Self.pick([.fixture(.follower, "f"), .fixture(.leader, "l")], .readOnlyReplica)?.endpoint.host == "l")
    }

    @Test func randomPreferenceIsDeterministicPerGenerator() {
        var firsts = Set<String>()
        for seed in 0..<64 {
            let first = Self.pick(Self.cluster, .random, seed: UInt64(seed))
            #expect(first == Self.pick(Self.cluster, .random, seed: UInt64(seed)))
            firsts.insert(first!.endpoint.host)
            #expect(Set(Self.rank(Self.cluster, .random, seed: UInt64(seed))) == ["l", "f1", "f2", "r1", "r2"])
        }
        #expect(firsts == ["l", "f1", "f2", "r1", "r2"])
    }

    @Test func failedEndpointIsAvoidedWhenThereIsAnotherCandidate() {
        let leader = Endpoint(host: "l", port: 1113)
        #expect(Self.pick(Self.cluster, .leader, avoiding: leader)?.endpoint == Endpoint(host: "f1", port: 1113))
        #expect(Self.pick(Self.cluster, .leader, avoiding: Endpoint(host: "l", port: 9999))?.endpoint == leader)
        #expect(Self.pick([.fixture(.leader, "l")], .leader, avoiding: leader)?.endpoint == leader)
        for seed in 0..<16 {
            let follower = Self.pick(Self.cluster, .follower, avoiding: Endpoint(host: "f1", port: 1113), seed: UInt64(seed))
            #expect(follower?.endpoint.host == "f2")
        }
    }

    @Test func tlsUsesSecurePorts() throws {
        let document = try GossipDocument(parsing: GossipFixtures.v20)
        let node = try #require(Self.pick(document.members, .leader, useTLS: true))
        #expect(node.endpoint == Endpoint(host: "node1.esdb.local", port: 1113))
        #expect(Self.pick(document.members, .leader, useTLS: false) == nil)
        let replica = Self.pick(document.members, .readOnlyReplica, avoiding: nil, useTLS: true)
        #expect(replica?.endpoint == Endpoint(host: "node3.esdb.local", port: 1113))
        let mixed = ClusterMember(state: .leader, externalTCP: Endpoint(host: "h", port: 1113),
                                  externalSecureTCP: Endpoint(host: "h", port: 1115))
        #expect(Self.pick([mixed], .leader, useTLS: true)?.endpoint.port == 1115)
        #expect(Self.pick([mixed], .leader, useTLS: false)?.endpoint.port == 1113)
    }
}
