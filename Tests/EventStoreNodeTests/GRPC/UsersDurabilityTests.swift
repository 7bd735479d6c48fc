import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// Accounts live in the log: a restart finds them as they were left, and `--user` only adds
/// accounts a database does not have yet.
@Suite struct UsersDurabilityTests {
    @Test func accountsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-users-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let first = try await EventStoreNodeServer.start(configuration)
        try await first.withGRPCClient { client in
            let users = UsersTestClient(client)
            try await users.create("alice", password: "pw", fullName: "Alice", groups: ["readers"])
            try await users.changePassword("alice", current: "pw", new: "secret", as: .basic("alice", "pw"))
            try await users.create("bob", password: "pw")
            try await users.disable("bob")
            try await users.create("carol", password: "pw")
            try await users.delete("carol")
        }
        let before = try await first.withGRPCClient { try await UsersTestClient($0).details() }
        await first.shutdown()

        let second = try await EventStoreNodeServer.start(configuration)
        try await second.withGRPCClient { client in
            let users = UsersTestClient(client)
            #expect(try await users.details() == before)
            #expect(before.map(\.loginName) == ["admin", "alice", "bob", "ops"])
            #expect(try await users.authenticates("alice", "secret"))
            #expect(try await !users.authenticates("alice", "pw"))
            #expect(try await !users.authenticates("bob", "pw"))
            #expect(try await !users.authenticates("carol", "pw"))
            #expect(try await users.details("bob").first?.disabled == true)
            #expect(try await users.details("alice").first?.groups == ["readers"])
            let tcp = try await second.connect()
            #expect(try await tcp.authenticates("alice", "secret"))
            #expect(try await !tcp.authenticates("bob", "pw"))
            #expect(try await !tcp.authenticates("carol", "pw"))
            await tcp.close()
        }
        await second.shutdown()
    }

    @Test func configuredAccountsAreAddedButNeverOverwrite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-users-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = NodeConfiguration.durable(in: directory)
        let first = try await EventStoreNodeServer.start(configuration)
        try await first.withGRPCClient { try await UsersTestClient($0).resetPassword("admin", new: "stored") }
        await first.shutdown()

        // `--user admin:changeit` and a new account on the existing database.
        configuration.users += [NodeUser(login: "admin", password: "changeit", groups: ["$admins"]),
                                NodeUser(login: "dave", password: "pw", groups: ["$ops"])]
        let second = try await EventStoreNodeServer.start(configuration)
        try await second.withGRPCClient { client in
            let users = UsersTestClient(client)
            #expect(try await !users.authenticates("admin", "changeit"))
            #expect(try await users.authenticates("admin", "stored"))
            #expect(try await users.authenticates("dave", "pw"))
            let dave = try #require(try await users.details("dave", as: .basic("admin", "stored")).first)
            #expect(dave.fullName == "dave" && dave.groups == ["$ops"])
            try await users.delete("ops", as: .basic("admin", "stored"))
        }
        await second.shutdown()

        // Without `--user dave` the stored account stays; a deleted default account stays deleted.
        configuration.users = NodeUser.defaults
        let third = try await EventStoreNodeServer.start(configuration)
        try await third.withGRPCClient { client async throws in
            let users = UsersTestClient(client)
            #expect(try await users.authenticates("dave", "pw"))
            #expect(try await !users.authenticates("ops", "changeit"))
            #expect(try await users.details(as: .basic("dave", "pw")).map(\.loginName) == ["admin", "dave"])
        }
        await third.shutdown()
    }

    @Test func aFreshDatabaseStoresConfiguredAccountsAfterTheServersOwn() async throws {
        try await withInMemoryNode(configure: { $0.users.append(NodeUser(login: "erin", password: "pw", groups: ["a", "b"])) }) { node in
            let tcp = try await node.connect()
            let all = try await tcp.readAll(commit: 0, prepare: 0, count: 100)
            #expect(all.events.map(\.event.eventStreamID) == [
                "$$$user-admin", "$user-admin", "$users", "$$$user-ops", "$user-ops", "$users", "$$$scavenges",
                "$$$user-erin", "$user-erin", "$users",
            ])
            #expect(try await tcp.authenticates("erin", "pw"))
            try await node.withGRPCClient { client in
                let erin = try #require(try await UsersTestClient(client).details("erin").first)
                #expect(erin.groups == ["a", "b"])
            }
        }
    }
}
