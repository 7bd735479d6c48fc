import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// PersistentSubscriptions Create, Update and Delete over gRPC: results and the server's errors.
@Suite struct PersistentManagementTests {
    @Test func createUpdateDeleteAndTheirErrors() async throws {
        try await withInMemoryNode(configure: { $0.users += [NodeUser(login: "bob", password: "pw")] }) { node in
            try await node.withGRPCClient { client in
                let groups = client.persistent
                _ = try await groups.create(PersistentRequests.createOnStream("m-1", "g"), metadata: .admin)

                let exists = await rpcError { try await groups.create(PersistentRequests.createOnStream("m-1", "g"), metadata: .admin) }
                #expect(exists?.code == .alreadyExists)
                #expect(exists?.exception == "persistent-subscription-exists")
                #expect(exists?.trailer("stream-name") == "m-1" && exists?.trailer("group-name") == "g")

                var update = PSUpdateReq()
                update.options.stream.streamIdentifier = streamIdentifier("m-1")
                update.options.stream.start = EventStore_Client_Empty()
                update.options.groupName = "g"
                update.options.settings.readBatchSize = 10
                update.options.settings.historyBufferSize = 100
                update.options.settings.liveBufferSize = 100
                update.options.settings.maxCheckpointCount = 10
                update.options.settings.namedConsumerStrategy = .pinned
                _ = try await groups.update(update, metadata: .admin)
                let info = try await groups.getInfo(Self.infoRequest("m-1", "g"), metadata: .admin).subscriptionInfo
                #expect(info.namedConsumerStrategy == "Pinned" && info.readBatchSize == 10)

                update.options.groupName = "nope"
                let missingUpdate = await rpcError { try await groups.update(update, metadata: .admin) }
                #expect(missingUpdate?.code == .notFound && missingUpdate?.exception == "persistent-subscription-does-not-exist")

                var delete = EventStore_Client_PersistentSubscriptions_DeleteReq()
                delete.options.streamIdentifier = streamIdentifier("m-1")
                delete.options.groupName = "nope"
                let missingDelete = await rpcError { try await groups.delete(delete, metadata: .admin) }
                #expect(missingDelete?.code == .notFound && missingDelete?.exception == "persistent-subscription-does-not-exist")
                delete.options.groupName = "g"
                _ = try await groups.delete(delete, metadata: .admin)
                _ = try await groups.create(PersistentRequests.createOnStream("m-1", "g"), metadata: .admin)

                // Settings the engine refuses: the server's Fail, an INTERNAL persistent-subscription-failed.
                let strange = await rpcError {
                    try await groups.create(PersistentRequests.createOnStream("m-1", "h", settings: PersistentRequests.settings(strategy: "Random")),
                                            metadata: .admin)
                }
                #expect(strange?.code == .internalError && strange?.exception == "persistent-subscription-failed")
                #expect(strange?.trailer("reason") == "Consumer strategy Random does not exist.")
                var noBatch = PersistentRequests.settings()
                noBatch.readBatchSize = 0
                let badSize = await rpcError {
                    try await groups.create(PersistentRequests.createOnStream("m-1", "h", settings: noBatch), metadata: .admin)
                }
                #expect(badSize?.exception == "persistent-subscription-failed")
                let allAsStream = await rpcError { try await groups.create(PersistentRequests.createOnStream("$all", "h"), metadata: .admin) }
                #expect(allAsStream?.trailer("reason") == "Persistent subscriptions to $all are only supported over gRPC through gRPC clients")
                let pastTheEnd = await rpcError {
                    try await groups.create(PersistentRequests.createOnAll("h", from: (1_000_000, 1_000_000)), metadata: .admin)
                }
                #expect(pastTheEnd?.exception == "persistent-subscription-failed")
                let reversed = await rpcError { try await groups.create(PersistentRequests.createOnAll("h", from: (1, 2)), metadata: .admin) }
                #expect(reversed?.trailer("reason")?.hasPrefix("Invalid Start From position") == true)

                // Who may manage groups: administrators and operators.
                let bob = await rpcError { try await groups.create(PersistentRequests.createOnStream("m-1", "b"), metadata: .basic("bob", "pw")) }
                #expect(bob?.code == .permissionDenied && bob?.exception == "access-denied")
                let anonymous = await rpcError { try await groups.create(PersistentRequests.createOnStream("m-1", "b")) }
                #expect(anonymous?.code == .permissionDenied)
                let wrong = await rpcError { try await groups.create(PersistentRequests.createOnStream("m-1", "b"), metadata: .basic("admin", "x")) }
                #expect(wrong?.code == .unauthenticated)

                // Requests the server cannot read.
                var binary = PersistentRequests.createOnStream("x", "b")
                binary.options.stream.streamIdentifier.streamName = Data([0xFF, 0xFE])
                let notUTF8 = await rpcError { try await groups.create(binary, metadata: .admin) }
                #expect(notUTF8?.code == .invalidArgument)
                var noRevision = PersistentRequests.createOnStream("x", "b")
                noRevision.options.stream.revisionOption = nil
                #expect(await rpcError { try await groups.create(noRevision, metadata: .admin) }?.code == .invalidArgument)
                var noExpression = PersistentRequests.createOnAll("b", filter: PersistentRequests.prefixFilter(["a"]))
                noExpression.options.all.filter.filter = nil
                #expect(await rpcError { try await groups.create(noExpression, metadata: .admin) }?.code == .invalidArgument)
                let badRegex = await rpcError {
                    try await groups.create(PersistentRequests.createOnAll("b", filter: PersistentRequests.regexFilter("(")), metadata: .admin)
                }
                #expect(badRegex?.code == .invalidArgument)
            }
        }
    }

    @Test func groupsOnAllAreStoredWithTheirFilterAndSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-grpc-persistent-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let first = try await EventStoreNodeServer.start(configuration)
        do {
            try await first.withGRPCClient { client in
                _ = try await client.persistent.create(
                    PersistentRequests.createOnAll("orders", filter: PersistentRequests.prefixFilter(["order-", "invoice-"])), metadata: .admin)
                _ = try await client.persistent.create(
                    PersistentRequests.createOnAll("typed", filter: PersistentRequests.regexFilter("^Order")), metadata: .admin)
            }
            let tcp = try await first.connect()
            let stored = try await tcp.readStream("$persistentSubscriptionConfig", from: -1, count: 1, forward: false, credentials: admin)
            let document = try JSONValue(parsing: Array(try #require(stored.events.last).event.data))
            guard case .array(let entries)? = document["entries"] else { Issue.record("no entries"); return }
            let orders = try #require(entries.first { $0["group"] == .string("orders") })
            #expect(orders["stream"] == .string("$all"))
            #expect(orders["startPosition"] == .string("C:0/P:0"))
            #expect(orders["filter"]?["context"] == .string("streamid"))
            #expect(orders["filter"]?["type"] == .string("prefix"))
            #expect(orders["filter"]?["data"] == .string("order-,invoice-"))
            #expect(orders["filter"]?["isAllStream"] == .bool(true))
        } catch {
            await first.shutdown()
            throw error
        }
        await first.shutdown()

        let second = try await EventStoreNodeServer.start(configuration)
        do {
            let tcp = try await second.connect()
            _ = try await tcp.write("order-1", events: [TCPTestClient.newEvent("OrderPlaced")], credentials: admin)
            _ = try await tcp.write("other-1", events: [TCPTestClient.newEvent("OrderPlaced")], credentials: admin)
            _ = try await tcp.write("invoice-1", events: [TCPTestClient.newEvent("InvoiceSent")], credentials: admin)
            try await second.withGRPCClient { client in
                let read = PersistentRead(client, PersistentRequests.readOptions(nil, "orders"))
                try await read.confirmed()
                let events = try await read.events(2)
                #expect(events.map(\.streamRevision) == ["order-1@0", "invoice-1@0"], "the filter was kept")
                let list = try await client.persistent.list(Self.listRequest(stream: "$all"), metadata: .admin)
                #expect(list.subscriptions.map(\.groupName) == ["orders", "typed"])
                #expect(list.subscriptions.allSatisfy { $0.eventSource == "$all" && $0.startFrom == "C:0/P:0" })
                read.cancel()
            }
        } catch {
            await second.shutdown()
            throw error
        }
        await second.shutdown()
    }

    @Test func aFollowerSendsClientsToTheLeader() async throws {
        try await withLeaderAndFollower { leader, follower in
            try await follower.withGRPCClient { client in
                // Whether or not the client asked for the leader: the server runs groups on its leader alone.
                let create = await rpcError { try await client.persistent.create(PersistentRequests.createOnStream("f-1", "g"), metadata: .admin) }
                #expect(create?.code == .notFound && create?.exception == "not-leader")
                #expect(create?.trailer("leader-endpoint-port") == String(leader.httpEndpoint.port))
                let read = try await PersistentRead(client, PersistentRequests.readOptions("f-1", "g")).failure()
                #expect(read.exception == "not-leader")
            }
        }
    }

    static func infoRequest(_ stream: String?, _ group: String) -> EventStore_Client_PersistentSubscriptions_GetInfoReq {
        var request = EventStore_Client_PersistentSubscriptions_GetInfoReq()
        if let stream { request.options.streamIdentifier = streamIdentifier(stream) } else {
            request.options.all = EventStore_Client_Empty()
        }
        request.options.groupName = group
        return request
    }

    /// List every group (`stream` nil), or those of a stream (`$all` for the groups on `$all`).
    static func listRequest(stream: String?) -> EventStore_Client_PersistentSubscriptions_ListReq {
        var request = EventStore_Client_PersistentSubscriptions_ListReq()
        switch stream {
        case nil: request.options.listAllSubscriptions = EventStore_Client_Empty()
        case "$all"?: request.options.listForStream.all = EventStore_Client_Empty()
        case let stream?: request.options.listForStream.stream = streamIdentifier(stream)
        }
        return request
    }
}
