import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// `event_store.client.users.Users` over real loopback HTTP/2: every method, the server's
/// authorization and errors, and that changes reach authentication on both doors.
@Suite struct UsersServiceTests {
    static let alice = Metadata.basic("alice", "pw")

    @Test func createThenDetailsOfOneAndOfAll() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                let before = Int64(Date().timeIntervalSince1970 * 1000) * 10_000
                try await users.create("alice", password: "pw", fullName: "Alice Liddell", groups: ["readers", "$ops"])
                let after = Int64(Date().timeIntervalSince1970 * 1000 + 1) * 10_000
                let details = try await users.details("alice")
                #expect(details.count == 1)
                let alice = try #require(details.first)
                #expect(alice.loginName == "alice")
                #expect(alice.fullName == "Alice Liddell")
                #expect(alice.groups == ["readers", "$ops"])
                #expect(!alice.disabled)
                #expect((before - 10_000...after).contains(alice.lastUpdated.ticksSinceEpoch))
                let all = try await users.details()
                #expect(all.map(\.loginName) == ["admin", "alice", "ops"])
                #expect(all.first?.fullName == "Event Store Administrator")
                #expect(all.first?.groups == ["$admins"])
                // Blank means all, as on the server.
                #expect(try await users.details("  ").map(\.loginName) == ["admin", "alice", "ops"])
            }
        }
    }

    @Test func createWritesTheServersEvents() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                try await users.create("alice", password: "pw", fullName: "Alice", groups: ["readers"])
                try await users.disable("alice")
                try await users.create("bob", password: "pw")
            }
            let tcp = try await node.connect()
            let stream = try await tcp.readStream("$user-alice", from: 0, count: 10, credentials: admin)
            #expect(stream.events.map(\.event.eventType) == ["$UserCreated", "$UserUpdated"])
            let created = try JSONValue(parsing: Array(try #require(stream.events.first).event.data))
            #expect(created["loginName"] == .string("alice"))
            #expect(created["fullName"] == .string("Alice"))
            #expect(created["groups"] == .array([.string("readers")]))
            #expect(created["disabled"] == nil)
            guard case .string(let hash)? = created["hash"], case .string(let salt)? = created["salt"] else {
                Issue.record("no hash and salt")
                return
            }
            #expect(PasswordHash(hash: hash, salt: salt).verifies("pw"))
            let updated = try JSONValue(parsing: Array(try #require(stream.events.last).event.data))
            #expect(updated["disabled"] == .bool(true))
            let meta = try await tcp.readEvent("$$$user-alice", -1, credentials: admin)
            #expect(String(decoding: meta.event.event.data, as: UTF8.self) == #"{"$acl":{"$w":"$admins","$d":"$admins","$mw":"$admins"}}"#)
            let listed = try await tcp.readStream("$users", from: 0, count: 10, credentials: admin)
            #expect(listed.events.map { String(decoding: $0.event.data, as: UTF8.self) } == ["admin", "ops", "alice", "bob"])
            let notices = try await tcp.readStream("$users-password-notifications", from: 0, count: 10, credentials: admin)
            #expect(notices.events.map(\.event.eventType) == ["$PasswordChanged"])
            #expect(String(decoding: try #require(notices.events.first).event.data, as: UTF8.self) == #"{"loginName":"alice"}"#)
            // Account streams are closed to their own users.
            #expect(try await tcp.fill("$user-bob", count: 1, credentials: .password(login: "bob", password: "pw")).result
                == .accessDenied)
        }
    }

    @Test func createOfAnExistingAccount() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                try await users.create("alice", password: "pw", fullName: "Alice")
                // The same password: success, nothing written (as the server).
                try await users.create("alice", password: "pw", fullName: "Someone else")
                #expect(try await users.details("alice").first?.fullName == "Alice")
                let conflict = await rpcError { try await users.create("alice", password: "other") }
                #expect(conflict?.code == .failedPrecondition)
                #expect(conflict?.exception == "user-conflict")
                #expect(conflict?.trailer("login-name") == "alice")
            }
        }
    }

    @Test func unknownLoginsAreNotFound() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                let calls: [(String, () async throws -> Void)] = [
                    ("update", { try await users.update("nobody", fullName: "x", groups: []) }),
                    ("delete", { try await users.delete("nobody") }),
                    ("disable", { try await users.disable("nobody") }),
                    ("enable", { try await users.enable("nobody") }),
                    ("reset", { try await users.resetPassword("nobody", new: "x") }),
                    ("change", { try await users.changePassword("nobody", current: "x", new: "y", as: .admin) }),
                    ("details", { _ = try await users.details("nobody") }),
                ]
                for (name, call) in calls {
                    let error = await rpcError(call)
                    #expect(error?.code == .notFound, "\(name)")
                    #expect(error?.exception == "user-not-found", "\(name)")
                    #expect(error?.trailer("login-name") == "nobody", "\(name)")
                    #expect(error?.message == "User 'nobody' is not found.", "\(name)")
                }
            }
        }
    }

    @Test func managingAccountsNeedsAdmins() async throws {
        try await withInMemoryNode(configure: { $0.users.append(NodeUser(login: "chief", password: "pw", groups: ["$admins"])) }) { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                try await users.create("alice", password: "pw")
                for caller in [Metadata(), Self.alice, .basic("ops", "changeit")] {
                    let calls: [(String, () async throws -> Void)] = [
                        ("create", { try await users.create("bob", password: "pw", as: caller) }),
                        ("update", { try await users.update("alice", fullName: "x", groups: ["$admins"], as: caller) }),
                        ("delete", { try await users.delete("alice", as: caller) }),
                        ("disable", { try await users.disable("alice", as: caller) }),
                        ("enable", { try await users.enable("alice", as: caller) }),
                        ("reset", { try await users.resetPassword("alice", new: "x", as: caller) }),
                    ]
                    for (name, call) in calls {
                        let error = await rpcError(call)
                        #expect(error?.code == .permissionDenied, "\(name)")
                        #expect(error?.exception == "access-denied", "\(name)")
                    }
                }
                // Anonymous callers cannot read accounts; any authenticated one can (the server's policy).
                #expect(await rpcError { _ = try await users.details("admin", as: Metadata()) }?.code == .permissionDenied)
                #expect(try await users.details("admin", as: Self.alice).first?.loginName == "admin")
                #expect(try await users.details(as: Self.alice).count == 3 + 1)
                // Another member of $admins manages accounts too.
                try await users.create("bob", password: "pw", as: .basic("chief", "pw"))
            }
        }
    }

    @Test func credentialsThatMatchNoAccountAreUnauthenticated() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client async throws in
                let users = UsersTestClient(client)
                let wrong = await rpcError { try await users.create("carol", password: "pw", as: .basic("admin", "wrong")) }
                #expect(wrong?.code == .unauthenticated)
                #expect(wrong?.message == "Bad username or password.")
                #expect(await rpcError { _ = try await users.details("admin", as: .basic("ghost", "pw")) }?.code == .unauthenticated)
                var malformed = Metadata()
                malformed.addString("Basic !!!", forKey: "authorization")
                #expect(await rpcError { _ = try await users.details("admin", as: malformed) }?.code == .unauthenticated)
                #expect(try await users.details().map(\.loginName) == ["admin", "ops"])
            }
        }
    }

    @Test func disabledAccountsCannotAuthenticateOnEitherDoor() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                let tcp = try await node.connect()
                try await users.create("alice", password: "pw")
                #expect(try await users.authenticates("alice", "pw"))
                #expect(try await tcp.authenticates("alice", "pw"))
                try await users.disable("alice")
                #expect(try await users.details("alice").first?.disabled == true)
                #expect(try await !users.authenticates("alice", "pw"))
                #expect(try await !tcp.authenticates("alice", "pw"))
                #expect(try await tcp.readReply("any-1", credentials: .password(login: "alice", password: "pw")) == .notAuthenticated)
                try await users.enable("alice")
                #expect(try await users.details("alice").first?.disabled == false)
                #expect(try await users.authenticates("alice", "pw"))
                #expect(try await tcp.authenticates("alice", "pw"))
            }
        }
    }

    @Test func deletedAccountsAreGoneAndCanBeCreatedAgain() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                let tcp = try await node.connect()
                try await users.create("alice", password: "pw", fullName: "First")
                try await users.delete("alice")
                #expect(await rpcError { _ = try await users.details("alice") }?.exception == "user-not-found")
                #expect(try await users.details().map(\.loginName) == ["admin", "ops"])
                #expect(try await !users.authenticates("alice", "pw"))
                #expect(try await !tcp.authenticates("alice", "pw"))
                #expect(await rpcError { try await users.delete("alice") }?.code == .notFound)
                // A new account under the same login starts afresh.
                try await users.create("alice", password: "new", fullName: "Second")
                #expect(try await users.details("alice").first?.fullName == "Second")
                #expect(try await users.details().map(\.loginName) == ["admin", "alice", "ops"])
                #expect(try await users.authenticates("alice", "new"))
                #expect(try await !tcp.authenticates("alice", "pw"))
                #expect(try await tcp.authenticates("alice", "new"))
                let stream = try await tcp.readStream("$user-alice", from: 0, count: 10, credentials: admin)
                #expect(stream.events.map(\.event.eventType) == ["$UserCreated"])
            }
        }
    }

    @Test func changePasswordNeedsTheCurrentPassword() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                let tcp = try await node.connect()
                try await users.create("alice", password: "pw")
                let wrong = await rpcError { try await users.changePassword("alice", current: "nope", new: "x", as: Self.alice) }
                #expect(wrong?.code == .permissionDenied)
                #expect(wrong?.exception == "access-denied")
                #expect(await rpcError { try await users.changePassword("alice", current: "pw", new: "x", as: Metadata()) }?.code
                    == .permissionDenied)
                try await users.changePassword("alice", current: "pw", new: "secret", as: Self.alice)
                #expect(try await !users.authenticates("alice", "pw"))
                #expect(try await users.authenticates("alice", "secret"))
                #expect(try await !tcp.authenticates("alice", "pw"))
                #expect(try await tcp.authenticates("alice", "secret"))
            }
        }
    }

    @Test func resetPasswordByAnAdmin() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                try await users.create("alice", password: "pw")
                #expect(try await users.authenticates("alice", "pw"))
                try await users.resetPassword("alice", new: "fresh")
                #expect(try await !users.authenticates("alice", "pw"))
                #expect(try await users.authenticates("alice", "fresh"))
                let tcp = try await node.connect()
                #expect(try await tcp.authenticates("alice", "fresh"))
            }
        }
    }

    @Test func groupChangesTakeEffectOnTheNextRequest() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                try await users.create("alice", password: "pw", fullName: "Alice", groups: ["readers"])
                let tcp = try await node.connect()
                try await tcp.fill("guarded-1", count: 1)
                _ = try await tcp.setMetadata("guarded-1", json: #"{"$acl":{"$r":"readers"}}"#)
                // The connection authenticates once; later requests carry no credentials.
                #expect(try await tcp.authenticates("alice", "pw"))
                #expect(try await tcp.readStream("guarded-1", from: 0, count: 1).result == .success)
                let before = try #require(try await users.details("alice").first).lastUpdated.ticksSinceEpoch
                try await users.update("alice", fullName: "Alice L.", groups: ["writers"])
                let after = try #require(try await users.details("alice").first)
                #expect(after.fullName == "Alice L." && after.groups == ["writers"])
                #expect(after.lastUpdated.ticksSinceEpoch >= before)
                #expect(try await tcp.readStream("guarded-1", from: 0, count: 1).result == .accessDenied)
                // Disabling ends the connection's authenticated requests too.
                try await users.disable("alice")
                #expect(try await tcp.readReply("guarded-1") == .notAuthenticated)
            }
        }
    }

    @Test func badInput() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client async throws in
                let users = UsersTestClient(client)
                let empty = await rpcError { try await users.create("", password: "pw") }
                #expect(empty?.code == .invalidArgument)
                #expect(try await users.details().map(\.loginName) == ["admin", "ops"])
                #expect(await rpcError { try await users.disable("") }?.code == .notFound)
                // A login that is not UTF-8 cannot be decoded: refused, and the node goes on.
                // CreateReq{options{login_name: C3 28, password: "pw"}}
                let bytes: [UInt8] = [0x0A, 0x08, 0x0A, 0x02, 0xC3, 0x28, 0x12, 0x02, 0x70, 0x77]
                let garbled = await rpcError {
                    try await client.unary(
                        request: ClientRequest(message: bytes, metadata: .admin),
                        descriptor: EventStore_Client_Users_Users.Method.Create.descriptor,
                        serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
                    ) { response in _ = try response.message }
                }
                #expect(garbled != nil)
                #expect(try await users.details().map(\.loginName) == ["admin", "ops"])
            }
        }
    }

    @Test func insecureNodeLetsAnyoneManageAccounts() async throws {
        try await withInMemoryNode(configure: { $0.insecure = true }) { node in
            try await node.withGRPCClient { client in
                let users = UsersTestClient(client)
                try await users.create("alice", password: "pw", as: Metadata())
                #expect(try await users.details("alice", as: Metadata()).first?.loginName == "alice")
            }
        }
    }

    @Test func followerRefusesRequiresLeader() async throws {
        try await withLeaderAndFollower { leader, follower in
            try await follower.withGRPCClient { client in
                var metadata = Metadata.admin
                metadata.addString("true", forKey: "requires-leader")
                let error = await rpcError { try await UsersTestClient(client).create("alice", password: "pw", as: metadata) }
                #expect(error?.exception == "not-leader")
                #expect(error?.trailer("leader-endpoint-port") == String(leader.httpEndpoint.port))
            }
        }
    }
}
