import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// PersistentSubscriptions GetInfo and List, and groups on `$all` with filters.
@Suite struct PersistentInfoTests {
    @Test func listAndGetInfoReportWhatTheGroupsKnow() async throws {
        try await withInMemoryNode(configure: { $0.users += [NodeUser(login: "bob", password: "pw")] }) { node in
            let tcp = try await node.connect()
            try await tcp.fill("i-1", count: 4)
            try await node.withGRPCClient { client in
                let groups = client.persistent
                #expect(try await groups.list(PersistentManagementTests.listRequest(stream: nil), metadata: .admin).subscriptions.isEmpty,
                        "no group is an empty list")
                var settings = PersistentRequests.settings(checkpointCount: 2)
                settings.checkpointAfterMs = 0
                _ = try await groups.create(PersistentRequests.createOnStream("i-1", "g", settings: settings), metadata: .admin)
                _ = try await groups.create(PersistentRequests.createOnStream("i-2", "h", end: true), metadata: .admin)
                _ = try await groups.create(PersistentRequests.createOnAll("a"), metadata: .admin)

                var metadata = Metadata.admin
                metadata.addString("test-consumer", forKey: "connection-name")
                let read = PersistentRead(client, PersistentRequests.readOptions("i-1", "g", bufferSize: 3), metadata: metadata)
                try await read.confirmed()
                let events = try await read.events(3)
                read.ack(Array(events.prefix(2)))
                #expect(try await eventually {
                    try await groups.getInfo(PersistentManagementTests.infoRequest("i-1", "g"), metadata: .admin)
                        .subscriptionInfo.lastCheckpointedEventPosition == "1"
                })
                let info = try await groups.getInfo(PersistentManagementTests.infoRequest("i-1", "g"), metadata: .admin).subscriptionInfo
                #expect(info.eventSource == "i-1" && info.groupName == "g")
                #expect(info.startFrom == "0" && info.namedConsumerStrategy == "RoundRobin")
                #expect(info.messageTimeoutMilliseconds == 30_000 && info.maxCheckPointCount == 2 && info.bufferSize == 500)
                #expect(info.lastKnownEventPosition == "3")
                #expect(info.status == "Live")
                // One consumer with 3 slots: two acknowledged, so the fourth event went out too.
                #expect(info.totalInFlightMessages == 2 && info.outstandingMessagesCount == 2)
                #expect(info.totalItems == 4 && info.readBufferCount == 0 && info.parkedMessageCount == 0)
                let connection = try #require(info.connections.first)
                #expect(info.connections.count == 1)
                #expect(connection.username == "admin" && connection.connectionName == "test-consumer")
                #expect(connection.from.hasPrefix("127.0.0.1:"))
                #expect(connection.inFlightMessages == 2 && connection.availableSlots == 1 && connection.totalItems == 4)

                let all = try await groups.list(PersistentManagementTests.listRequest(stream: nil), metadata: .admin).subscriptions
                #expect(all.map { "\($0.eventSource)::\($0.groupName)" } == ["$all::a", "i-1::g", "i-2::h"])
                #expect(all.first { $0.groupName == "h" }?.startFrom == "-1")
                let onAll = try await groups.list(PersistentManagementTests.listRequest(stream: "$all"), metadata: .admin).subscriptions
                #expect(onAll.map(\.groupName) == ["a"] && onAll.first?.startFrom == "C:0/P:0")
                let onStream = try await groups.list(PersistentManagementTests.listRequest(stream: "i-2"), metadata: .admin).subscriptions
                #expect(onStream.map(\.groupName) == ["h"])

                let none = await rpcError { try await groups.list(PersistentManagementTests.listRequest(stream: "nothing"), metadata: .admin) }
                #expect(none?.code == .notFound && none?.exception == "persistent-subscription-does-not-exist")
                let missing = await rpcError { try await groups.getInfo(PersistentManagementTests.infoRequest("i-1", "nope"), metadata: .admin) }
                #expect(missing?.code == .notFound && missing?.trailer("group-name") == "nope")
                let anonymous = await rpcError { try await groups.getInfo(PersistentManagementTests.infoRequest("i-1", "g")) }
                #expect(anonymous?.code == .permissionDenied)
                // Any authenticated user may read statistics.
                #expect(try await groups.list(PersistentManagementTests.listRequest(stream: nil), metadata: .basic("bob", "pw"))
                    .subscriptions.count == 3)
                read.cancel()
            }
        }
    }

    @Test func groupsOnAllFollowTheirFilterAndStart() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            _ = try await tcp.write("cart-1", events: [TCPTestClient.newEvent("CartOpened")], credentials: admin)
            _ = try await tcp.write("order-1", events: [TCPTestClient.newEvent("OrderPlaced")], credentials: admin)
            try await node.withGRPCClient { client in
                let groups = client.persistent
                _ = try await groups.create(PersistentRequests.createOnAll("by-prefix", filter: PersistentRequests.prefixFilter(["order-"])),
                                            metadata: .admin)
                _ = try await groups.create(PersistentRequests.createOnAll("by-type", filter: PersistentRequests.prefixFilter(["Cart"], eventTypes: true)),
                                            metadata: .admin)
                _ = try await groups.create(PersistentRequests.createOnAll("by-regex", filter: PersistentRequests.regexFilter("^(cart|order)-2$")),
                                            metadata: .admin)
                // kurrentdbclient's default for $all: event types not matching an exclusion (a lookahead).
                var excluding = PersistentRequests.regexFilter(#"^(?!(\$.+$|PersistentConfig\d+$|Result$|Numbered$))"#)
                excluding.eventType = excluding.streamIdentifier
                _ = try await groups.create(PersistentRequests.createOnAll("excluding", filter: excluding), metadata: .admin)
                var end = PersistentRequests.createOnAll("from-end")
                end.options.all.end = EventStore_Client_Empty()
                _ = try await groups.create(end, metadata: .admin)

                let byPrefix = PersistentRead(client, PersistentRequests.readOptions(nil, "by-prefix"))
                #expect(try await byPrefix.confirmed() == "$all::by-prefix")
                let byType = PersistentRead(client, PersistentRequests.readOptions(nil, "by-type"))
                let byRegex = PersistentRead(client, PersistentRequests.readOptions(nil, "by-regex"))
                let fromEnd = PersistentRead(client, PersistentRequests.readOptions(nil, "from-end"))
                try await fromEnd.confirmed()
                let byExclusion = PersistentRead(client, PersistentRequests.readOptions(nil, "excluding"))
                #expect(try await byExclusion.events(2).map(\.streamRevision) == ["cart-1@0", "order-1@0"])
                #expect(try await byPrefix.events(1).map(\.streamRevision) == ["order-1@0"])
                #expect(try await byType.events(1).map(\.streamRevision) == ["cart-1@0"])
                byPrefix.ack(byPrefix.events)

                _ = try await tcp.write("order-2", events: [TCPTestClient.newEvent("OrderPlaced")], credentials: admin)
                _ = try await tcp.write("cart-2", events: [TCPTestClient.newEvent("CartOpened")], credentials: admin)
                #expect(try await byPrefix.events(2).map(\.streamRevision) == ["order-1@0", "order-2@0"])
                #expect(try await byType.events(2).map(\.streamRevision) == ["cart-1@0", "cart-2@0"])
                #expect(try await byRegex.events(2).map(\.streamRevision) == ["order-2@0", "cart-2@0"])
                // Unfiltered from the end: everything written after it started (its own and other
                // groups' checkpoints and parked messages on $all excepted).
                let live = try await fromEnd.events(2).map(\.streamRevision)
                #expect(live.contains("order-2@0") && live.contains("cart-2@0"))
                #expect(!live.contains { $0.hasPrefix("$persistentsubscription-$all::") })

                // A group on $all is managed through the `all` options.
                var info = EventStore_Client_PersistentSubscriptions_GetInfoReq()
                info.options.all = EventStore_Client_Empty()
                info.options.groupName = "by-prefix"
                let stats = try await groups.getInfo(info, metadata: .admin).subscriptionInfo
                #expect(stats.eventSource == "$all" && stats.lastKnownEventPosition.hasPrefix("C:"))
                var update = PSUpdateReq()
                update.options.all.start = EventStore_Client_Empty()
                update.options.groupName = "by-prefix"
                update.options.settings.readBatchSize = 20
                update.options.settings.historyBufferSize = 500
                update.options.settings.liveBufferSize = 500
                update.options.settings.maxCheckpointCount = 1000
                update.options.settings.namedConsumerStrategy = .roundRobin
                _ = try await groups.update(update, metadata: .admin)
                #expect(try await byPrefix.failure().exception == "persistent-subscription-dropped")
                let again = PersistentRead(client, PersistentRequests.readOptions(nil, "by-prefix"))
                // Rebuilt from its start (no checkpoint yet), with its filter kept.
                #expect(try await again.events(2).map(\.streamRevision) == ["order-1@0", "order-2@0"])
                var delete = EventStore_Client_PersistentSubscriptions_DeleteReq()
                delete.options.all = EventStore_Client_Empty()
                delete.options.groupName = "by-prefix"
                _ = try await groups.delete(delete, metadata: .admin)
                #expect(try await again.failure().code == .cancelled)
                #expect(try await byExclusion.events(4).map(\.streamRevision) == ["cart-1@0", "order-1@0", "order-2@0", "cart-2@0"])
                for read in [byType, byRegex, fromEnd, byExclusion] { read.cancel() }
            }
        }
    }

    @Test func aGroupOnAllCheckpointsByPosition() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await tcp.fill("p-1", count: 2)
            try await node.withGRPCClient { client in
                var settings = PersistentRequests.settings(checkpointCount: 1)
                settings.checkpointAfterMs = 0
                _ = try await client.persistent.create(
                    PersistentRequests.createOnAll("g", filter: PersistentRequests.prefixFilter(["p-"]), settings: settings), metadata: .admin)
                let read = PersistentRead(client, PersistentRequests.readOptions(nil, "g"))
                let events = try await read.events(2)
                read.ack(events)
                let last = events[1].event
                let expected = "\"C:\(last.commitPosition)/P:\(last.preparePosition)\""
                #expect(try await eventually {
                    try await PersistentReadTests.lastCheckpoint(tcp, "$persistentsubscription-$all::g-checkpoint") == expected
                })
                read.cancel()
            }
        }
    }
}
