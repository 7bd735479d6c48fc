import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// One engine behind both doors: a group made over TCP is listed, consumed and acknowledged over
/// gRPC, and the other way round.
@Suite struct PersistentCrossDoorTests {
    @Test func aGroupCreatedOverTCPIsReadAndAcknowledgedOverGRPC() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await tcp.fill("x-1", count: 3)
            var settings = PersistentSubscriptionTests.settings("x-1", "g")
            settings.checkpointMaxCount = 1
            settings.checkpointMinCount = 1
            #expect(try await tcp.createGroup(settings).result == .success)
            // A TCP consumer holds event 0 unacknowledged (one in flight), so gRPC gets the others.
            let tcpConsumer = try await node.connect()
            let (tcpID, confirmation) = try await tcpConsumer.connectGroup("x-1", "g", allowed: 1)
            let held = try await tcpConsumer.nextPersistentEvent(tcpID)
            #expect(held.event.event.eventNumber == 0)
            try await node.withGRPCClient { client in
                let list = try await client.persistent.list(PersistentManagementTests.listRequest(stream: "x-1"), metadata: .admin)
                #expect(list.subscriptions.map(\.groupName) == ["g"])
                let read = PersistentRead(client, PersistentRequests.readOptions("x-1", "g"))
                #expect(try await read.confirmed() == "x-1::g")
                let events = try await read.events(2)
                #expect(events.map(\.event.streamRevision) == [1, 2])
                read.ack(events)
                let info = try await client.persistent.getInfo(PersistentManagementTests.infoRequest("x-1", "g"), metadata: .admin)
                #expect(info.subscriptionInfo.connections.count == 2)
                // Acknowledged over TCP and gRPC: the checkpoint passes all three.
                try await tcpConsumer.ack(confirmation.subscriptionID, id: tcpID, [held.event.event.eventID])
                #expect(try await eventually {
                    try await PersistentReadTests.lastCheckpoint(tcp, "$persistentsubscription-x-1::g-checkpoint") == #""2""#
                })
                read.cancel()
            }
        }
    }

    @Test func aGroupCreatedOverGRPCIsConsumedOverTCP() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await tcp.fill("y-1", count: 2)
            try await node.withGRPCClient { client in
                _ = try await client.persistent.create(PersistentRequests.createOnStream("y-1", "g"), metadata: .admin)
                let consumer = try await node.connect()
                let (id, confirmation) = try await consumer.connectGroup("y-1", "g", allowed: 10)
                #expect(confirmation.subscriptionID == "y-1::g" && confirmation.lastEventNumber == 1)
                let first = try await consumer.nextPersistentEvent(id)
                let second = try await consumer.nextPersistentEvent(id)
                #expect([first, second].map(\.event.event.eventNumber) == [0, 1])
                try await consumer.ack(confirmation.subscriptionID, id: id, [first.event.event.eventID])
                try await consumer.nak(confirmation.subscriptionID, id: id, [second.event.event.eventID], action: .retry)
                let retried = try await consumer.nextPersistentEvent(id)
                #expect(retried.event.event.eventNumber == 1 && retried.retryCount == 1)
                // The gRPC view of the same group: one TCP consumer with event 1 in flight.
                let info = try await client.persistent.getInfo(PersistentManagementTests.infoRequest("y-1", "g"), metadata: .admin)
                #expect(info.subscriptionInfo.connections.map(\.inFlightMessages) == [1])
                // Deleted over gRPC: the TCP consumer is dropped as the TCP door drops it.
                var delete = EventStore_Client_PersistentSubscriptions_DeleteReq()
                delete.options.streamIdentifier = streamIdentifier("y-1")
                delete.options.groupName = "g"
                _ = try await client.persistent.delete(delete, metadata: .admin)
                let dropped = try await consumer.receive(id: id)
                #expect(dropped.command == .subscriptionDropped)
            }
        }
    }
}
