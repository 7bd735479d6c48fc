import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// PersistentSubscriptions.Read over gRPC: confirmation, events, ack and nack, parking and
/// replaying, drops, and input the server refuses.
@Suite struct PersistentReadTests {
    @Test func eventsAreConfirmedDeliveredAndAcknowledged() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await tcp.fill("r-1", count: 3)
            try await node.withGRPCClient { client in
                var settings = PersistentRequests.settings(checkpointCount: 1)
                settings.checkpointAfterMs = 0
                _ = try await client.persistent.create(PersistentRequests.createOnStream("r-1", "g", settings: settings), metadata: .admin)
                let read = PersistentRead(client, PersistentRequests.readOptions("r-1", "g"))
                #expect(try await read.confirmed() == "r-1::g")
                let history = try await read.events(3)
                #expect(history.map(\.event.streamRevision) == [0, 1, 2])
                #expect(history.allSatisfy { $0.retryCount == 0 && !$0.hasLink })
                #expect(history.allSatisfy { if case .commitPosition? = $0.position { true } else { false } })
                #expect(history[0].event.metadata["type"] == "Numbered")
                read.ack(history)
                // The acknowledgement moves the checkpoint (every event, with these settings).
                #expect(try await eventually { try await Self.lastCheckpoint(tcp, "$persistentsubscription-r-1::g-checkpoint") == #""2""# })
                try await tcp.fill("r-1", count: 1)
                #expect(try await read.events(4).last?.event.streamRevision == 3, "then live")
                read.cancel()
            }
        }
    }

    @Test func nackRetryParkSkipAndReplayParked() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await tcp.fill("n-1", count: 3)
            try await node.withGRPCClient { client in
                let groups = client.persistent
                _ = try await groups.create(PersistentRequests.createOnStream("n-1", "g"), metadata: .admin)
                // String ids: the client asked for them, and acknowledges by them.
                let read = PersistentRead(client, PersistentRequests.readOptions("n-1", "g", uuidAsString: true))
                try await read.confirmed()
                let first = try await read.events(3)
                #expect(first.allSatisfy { if case .string? = $0.event.id.value { true } else { false } })
                read.nack([first[0]], .retry)
                let retried = try await read.events(4)[3]
                #expect(retried.event.streamRevision == 0 && retried.retryCount == 1)
                read.nack([first[1]], .park)
                read.nack([first[2]], .skip)
                read.ack([retried])
                #expect(try await eventually {
                    try await Self.parked(groups, "n-1", "g") == 1
                })
                #expect(try await tcp.readStream("$persistentsubscription-n-1::g-parked", from: 0, count: 10, credentials: admin)
                    .events.map { String(decoding: $0.event.data, as: UTF8.self) } == ["1@n-1"])

                var replay = EventStore_Client_PersistentSubscriptions_ReplayParkedReq()
                replay.options.streamIdentifier = streamIdentifier("n-1")
                replay.options.groupName = "g"
                replay.options.noLimit = EventStore_Client_Empty()
                _ = try await groups.replayParked(replay, metadata: .admin)
                let replayed = try await read.events(5)[4]
                // Sent as parked: the event, with the parked link, whose id is the one acknowledged.
                #expect(replayed.event.streamRevision == 1 && replayed.hasLink && replayed.retryCount == 0)
                #expect(String(decoding: replayed.link.streamIdentifier.streamName, as: UTF8.self) == "$persistentsubscription-n-1::g-parked")
                read.ack([replayed])
                #expect(try await Self.parked(groups, "n-1", "g") == 0, "replayed messages are no longer counted")
                try await tcp.fill("n-1", count: 1)
                #expect(try await read.events(6)[5].event.streamRevision == 3, "skipped and acknowledged events are not sent again")

                replay.options.groupName = "nope"
                let missing = await rpcError { try await groups.replayParked(replay, metadata: .admin) }
                #expect(missing?.code == .notFound && missing?.exception == "persistent-subscription-does-not-exist")
                replay.options.groupName = "g"
                replay.options.stopAt = -1
                #expect(await rpcError { try await groups.replayParked(replay, metadata: .admin) }?.exception == "persistent-subscription-failed")
                read.cancel()
            }
        }
    }

    @Test func replayParkedStopsBeforeStopAt() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await tcp.fill("s-1", count: 3)
            try await node.withGRPCClient { client in
                let groups = client.persistent
                _ = try await groups.create(PersistentRequests.createOnStream("s-1", "g"), metadata: .admin)
                let read = PersistentRead(client, PersistentRequests.readOptions("s-1", "g"))
                try await read.confirmed()
                let events = try await read.events(3)
                read.nack(events, .park)
                #expect(try await eventually { try await Self.parked(groups, "s-1", "g") == 3 })
                var replay = EventStore_Client_PersistentSubscriptions_ReplayParkedReq()
                replay.options.streamIdentifier = streamIdentifier("s-1")
                replay.options.groupName = "g"
                replay.options.stopAt = 2
                _ = try await groups.replayParked(replay, metadata: .admin)
                let replayed = try await read.events(5)
                #expect(Set(replayed[3...].map(\.event.streamRevision)) == [0, 1])
                #expect(try await Self.parked(groups, "s-1", "g") == 1, "parked event 2 is left")
                read.cancel()
            }
        }
    }

    @Test func droppedConsumersEndWithTheDroppedTrailer() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                let groups = client.persistent
                _ = try await groups.create(PersistentRequests.createOnStream("d-1", "g"), metadata: .admin)
                let read = PersistentRead(client, PersistentRequests.readOptions("d-1", "g"))
                try await read.confirmed()
                var delete = EventStore_Client_PersistentSubscriptions_DeleteReq()
                delete.options.streamIdentifier = streamIdentifier("d-1")
                delete.options.groupName = "g"
                _ = try await groups.delete(delete, metadata: .admin)
                let dropped = try await read.failure()
                #expect(dropped.code == .cancelled && dropped.exception == "persistent-subscription-dropped")
                #expect(dropped.trailer("stream-name") == "d-1" && dropped.trailer("group-name") == "g")

                // RestartSubsystem drops consumers too; the group is back afterwards.
                _ = try await groups.create(PersistentRequests.createOnStream("d-1", "g"), metadata: .admin)
                let again = PersistentRead(client, PersistentRequests.readOptions("d-1", "g"))
                try await again.confirmed()
                _ = try await groups.restartSubsystem(EventStore_Client_Empty(), metadata: .admin)
                #expect(try await again.failure().exception == "persistent-subscription-dropped")
                let afterRestart = PersistentRead(client, PersistentRequests.readOptions("d-1", "g"))
                #expect(try await afterRestart.confirmed() == "d-1::g")
                let bob = await rpcError { try await groups.restartSubsystem(EventStore_Client_Empty()) }
                #expect(bob?.code == .permissionDenied)
                afterRestart.cancel()
            }
        }
    }

    @Test func aCancelledCallsEventsGoToTheOtherConsumers() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await node.withGRPCClient { client in
                var single = PersistentRequests.settings(strategy: "DispatchToSingle")
                single.maxSubscriberCount = 2
                _ = try await client.persistent.create(PersistentRequests.createOnStream("c-1", "g", settings: single), metadata: .admin)
                let one = PersistentRead(client, PersistentRequests.readOptions("c-1", "g", bufferSize: 10))
                try await one.confirmed()
                let two = PersistentRead(client, PersistentRequests.readOptions("c-1", "g", bufferSize: 10))
                try await two.confirmed()
                let third = PersistentRead(client, PersistentRequests.readOptions("c-1", "g"))
                let full = try await third.failure()
                #expect(full.code == .failedPrecondition && full.exception == "maximum-subscribers-reached")

                try await tcp.fill("c-1", count: 2)
                // DispatchToSingle: the first consumer with room gets them all.
                #expect(try await one.events(2).count == 2)
                #expect(two.events.isEmpty)
                one.cancel()
                let moved = try await two.events(2)
                #expect(moved.map(\.event.streamRevision) == [0, 1])
                #expect(moved.allSatisfy { $0.retryCount == 1 })
                two.cancel()
            }
        }
    }

    @Test func inputTheServerRefuses() async throws {
        try await withInMemoryNode { node in
            try await node.withGRPCClient { client in
                var ack = PSReadReq()
                ack.ack.ids = []
                let notOptions = try await PersistentRead(client, ack).failure()
                #expect(notOptions.code == .invalidArgument)

                let unknown = try await PersistentRead(client, PersistentRequests.readOptions("u-1", "nope")).failure()
                #expect(unknown.code == .notFound && unknown.exception == "persistent-subscription-does-not-exist")
                #expect(unknown.trailer("stream-name") == "u-1" && unknown.trailer("group-name") == "nope")

                var binary = PersistentRequests.readOptions("x", "g")
                binary.options.streamIdentifier.streamName = Data([0xC3, 0x28])
                #expect(try await PersistentRead(client, binary).failure().code == .invalidArgument)

                var noStream = PersistentRequests.readOptions("x", "g")
                noStream.options.streamOption = nil
                #expect(try await PersistentRead(client, noStream).failure().code == .invalidArgument)

                _ = try await client.persistent.create(PersistentRequests.createOnStream("u-1", "g"), metadata: .admin)
                let anonymous = try await PersistentRead(client, PersistentRequests.readOptions("u-1", "g"), metadata: [:]).failure()
                #expect(anonymous.code == .permissionDenied && anonymous.exception == "access-denied")

                // Acks of unknown or malformed ids are ignored; the call goes on.
                let read = PersistentRead(client, PersistentRequests.readOptions("u-1", "g"))
                try await read.confirmed()
                var junk = PSReadReq()
                var bad = EventStore_Client_UUID()
                bad.string = "not a uuid"
                var unknownID = EventStore_Client_UUID()
                unknownID.string = UUID().uuidString
                junk.ack.ids = [bad, unknownID]
                read.send(junk)
                read.send(PersistentRequests.readOptions("u-1", "g"))
                let tcp = try await node.connect()
                try await tcp.fill("u-1", count: 1)
                #expect(try await read.events(1).count == 1)
                #expect(!read.ended)
                read.cancel()
            }
        }
    }

    /// The last checkpoint event's data.
    static func lastCheckpoint(_ tcp: TCPTestClient, _ stream: String) async throws -> String? {
        let events = try await tcp.readStream(stream, from: 0, count: 100, credentials: admin).events
        return events.last.map { String(decoding: $0.event.data, as: UTF8.self) }
    }

    /// The group's parked-message count, from GetInfo.
    static func parked(_ groups: PersistentClient, _ stream: String?, _ group: String) async throws -> Int64 {
        try await groups.getInfo(PersistentManagementTests.infoRequest(stream, group), metadata: .admin).subscriptionInfo.parkedMessageCount
    }
}
