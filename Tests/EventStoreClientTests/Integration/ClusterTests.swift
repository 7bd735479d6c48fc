import EventStoreClient
import EventStoreNode
import Foundation
import Testing

/// One leader and a follower started with `--follower-of`: redirects and gossip discovery.
@Suite struct ClusterTests {
    static func withCluster<T>(_ body: (EventStoreNodeServer, EventStoreNodeServer) async throws -> T) async throws -> T {
        let leaderConfiguration = NodeConfiguration.onFreePorts(.memory)
        let leader = try await EventStoreNodeServer.start(leaderConfiguration)
        var followerConfiguration = NodeConfiguration.onFreePorts(.memory)
        followerConfiguration.followerOf = leader.tcpEndpoint
        followerConfiguration.leaderHTTPPort = leader.httpEndpoint.port
        let follower = try await EventStoreNodeServer.start(followerConfiguration)
        do {
            let result = try await body(leader, follower)
            await follower.shutdown()
            await leader.shutdown()
            return result
        } catch {
            await follower.shutdown()
            await leader.shutdown()
            throw error
        }
    }

    static func endpoint(_ endpoint: NodeConfiguration.Endpoint) -> Endpoint { Endpoint(host: endpoint.host, port: endpoint.port) }

    @Test func writesToAFollowerAreRedirectedToTheLeader() async throws {
        try await Self.withCluster { leader, follower in
            var configuration = ClientConfiguration(discovery: .singleNode(Self.endpoint(follower.tcpEndpoint)))
            configuration.defaultCredentials = .password(login: "admin", password: "changeit")
            let client = EventStoreClient(configuration: configuration)
            let events = client.events
            try await client.append(to: "redirect-1", events: numbered(2))
            #expect(await client.counters.redirects == 1)
            guard case .connected(let now) = await client.phase else {
                Issue.record("not connected after the redirect")
                return
            }
            #expect(now == Self.endpoint(leader.tcpEndpoint))
            // The events are on the leader, not on the follower.
            let onLeader = EventStoreClient(configuration: ClientConfiguration(discovery: .singleNode(Self.endpoint(leader.tcpEndpoint))))
            #expect(try await onLeader.readStreamSlice("redirect-1", from: 0, maxCount: 10).events.count == 2)
            var followerOnly = ClientConfiguration(discovery: .singleNode(Self.endpoint(follower.tcpEndpoint)))
            followerOnly.requireLeader = false
            let onFollower = EventStoreClient(configuration: followerOnly)
            #expect(try await onFollower.readStreamSlice("redirect-1", from: 0, maxCount: 10).status == .streamNotFound)
            var sawRedirect = false
            for await event in events {
                if case .redirected(let target) = event {
                    sawRedirect = target == Self.endpoint(leader.tcpEndpoint)
                    break
                }
            }
            #expect(sawRedirect)
            await onLeader.close()
            await onFollower.close()
            await client.close()
        }
    }

    @Test func gossipSeedsFindTheLeaderOrTheFollowerByPreference() async throws {
        try await Self.withCluster { leader, follower in
            let seed = GossipSeed(endpoint: Self.endpoint(follower.httpEndpoint))
            var configuration = ClientConfiguration(discovery: .gossipSeeds([seed]))
            configuration.nodePreference = .leader
            let toLeader = EventStoreClient(configuration: configuration)
            try await toLeader.waitUntilConnected()
            #expect(await toLeader.phase == .connected(Self.endpoint(leader.tcpEndpoint)))
            configuration.nodePreference = .follower
            configuration.requireLeader = false
            let toFollower = EventStoreClient(configuration: configuration)
            try await toFollower.waitUntilConnected()
            #expect(await toFollower.phase == .connected(Self.endpoint(follower.tcpEndpoint)))
            await toLeader.close()
            await toFollower.close()
        }
    }

    @Test func connectionStringWithGossipSeedsConnects() async throws {
        try await Self.withCluster { leader, _ in
            let client = try EventStoreClient(
                connectionString: "GossipSeeds=\(leader.httpEndpoint.host):\(leader.httpEndpoint.port); DefaultUserCredentials=admin:changeit")
            try await client.append(to: "gossip-1", events: numbered(1))
            #expect(await client.phase == .connected(Self.endpoint(leader.tcpEndpoint)))
            await client.close()
        }
    }
}
