import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// ACLs from stream metadata and `$settings` (docs/protocol.md §4.3).
@Suite struct SecurityTests {
    static let restrictive = """
        {"$userStreamAcl":{"$r":"$admins","$w":"$admins","$d":"$admins","$mr":"$admins","$mw":"$admins"},\
        "$systemStreamAcl":{"$r":"$admins","$w":"$admins","$d":"$admins","$mr":"$admins","$mw":"$admins"}}
        """

    @Test func anonymousMayUseUserStreamsByDefault() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            #expect(try await client.fill("open-1", count: 1).result == .success)
            #expect(try await client.readStream("open-1", from: 0, count: 1).result == .success)
            #expect(try await client.write("$system-thing", events: [TCPTestClient.newEvent()]).result == .accessDenied)
            #expect(try await client.readStream("$streams", from: 0, count: 1).result == .accessDenied)
        }
    }

    @Test func settingsDefaultsRestrictUserStreams() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let settings = try await client.write("$settings", events: [TCPTestClient.newEvent("$settings", json: Self.restrictive)],
                                                  credentials: admin)
            #expect(settings.result == .success)
            #expect(try await client.fill("closed-1", count: 1).result == .accessDenied)
            #expect(try await client.fill("closed-1", count: 1, credentials: admin).result == .success)
            #expect(try await client.readStream("closed-1", from: 0, count: 1).result == .accessDenied)
            #expect(try await client.readEvent("closed-1", 0).result == .accessDenied)
            #expect(try await client.delete("closed-1", hard: false).result == .accessDenied)
            // A stream's own $acl wins over the defaults.
            _ = try await client.setMetadata("public-1", json: "{\"$acl\":{\"$r\":\"$all\",\"$w\":[\"$all\"]}}", credentials: admin)
            #expect(try await client.fill("public-1", count: 1).result == .success)
            #expect(try await client.readStream("public-1", from: 0, count: 1).result == .success)
            // Metadata reads follow $mr of the default ACL.
            #expect(try await client.readEvent("$$public-1", -1).result == .accessDenied)
        }
    }

    @Test func streamACLNamesUsersAndGroups() async throws {
        try await withInMemoryNode(configure: {
            $0.users += [NodeUser(login: "alice", password: "pw", groups: ["ops-team"]), NodeUser(login: "bob", password: "pw")]
        }) { node in
            let client = try await node.connect()
            let alice = TCPCredentials.password(login: "alice", password: "pw")
            let bob = TCPCredentials.password(login: "bob", password: "pw")
            _ = try await client.setMetadata("team-1", json: "{\"$acl\":{\"$w\":\"ops-team\",\"$r\":[\"bob\",\"ops-team\"]}}")
            #expect(try await client.fill("team-1", count: 1, credentials: alice).result == .success)
            #expect(try await client.fill("team-1", count: 1, credentials: bob).result == .accessDenied)
            #expect(try await client.fill("team-1", count: 1).result == .accessDenied)
            #expect(try await client.readStream("team-1", from: 0, count: 5, credentials: bob).result == .success)
            #expect(try await client.readStream("team-1", from: 0, count: 5).result == .accessDenied)
        }
    }

    @Test func denyAnonymousRefusesEveryStream() async throws {
        try await withInMemoryNode(configure: { $0.denyAnonymous = true }) { node in
            let client = try await node.connect()
            #expect(try await client.fill("any-1", count: 1).result == .accessDenied)
            #expect(try await client.readStream("any-1", from: 0, count: 1).result == .accessDenied)
            let ops = TCPCredentials.password(login: "ops", password: "changeit")
            #expect(try await client.fill("any-1", count: 1, credentials: ops).result == .success)
        }
    }
}
