import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// The Streams service at its edges: followers, node shutdown, lapsed deadlines, links in
/// subscriptions.
@Suite struct StreamsEdgeTests {
    @Test func aFollowerRefersRequiresLeaderCallsToTheLeader() async throws {
        try await withLeaderAndFollower { leader, follower in
            try await follower.withStreams { streams in
                var requiresLeader = Metadata.admin
                requiresLeader.addString("true", forKey: "requires-leader")
                let error = await #expect(throws: RPCError.self) {
                    _ = try await streams.append([.options("f-1"), .event()], metadata: requiresLeader)
                }
                #expect(error?.code == .notFound)
                #expect(error?.exception == "not-leader")
                #expect(error?.trailer("leader-endpoint-port") == String(leader.httpEndpoint.port))
                let read = await #expect(throws: RPCError.self) {
                    _ = try await streams.readAll(.stream("f-1"), metadata: requiresLeader)
                }
                #expect(read?.exception == "not-leader")
                // Without the header the follower serves the call itself.
                try await streams.append("f-1", events: [.event()])
            }
        }
    }

    @Test func stoppingTheNodeEndsLiveSubscriptions() async throws {
        let node = try await EventStoreNodeServer.start(NodeConfiguration.onFreePorts(.memory))
        let outcome = try await node.withStreams { streams in
            async let ended: Bool = streams.read(.all(count: nil), metadata: .admin) { response in
                var reader = SubscriptionReader(response)
                do {
                    while true { _ = try await reader.next() }
                } catch {
                    return true
                }
            }
            #expect(await eventually { node.subscriptionCount == 1 })
            await node.shutdown()
            return try? await ended
        }
        #expect(outcome != false)
        #expect(node.subscriptionCount == 0)
    }

    /// A group whose deadline (`deadline_21_10_0`, a point in time) has already passed when it
    /// ends is answered with a Timeout and writes nothing — however late the node reads it.
    @Test func aGroupWhoseDeadlineHasPassedTimesOut() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                let id = UUID()
                var first = StreamsBatchAppendTests.chunk(id, stream: "late-1", events: [.event()], final: false)
                first.options.deadline21100 = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-1))
                let firstChunk = first
                let answers = try await streams.batchAppend(metadata: .admin) { writer in
                    try await writer.write(firstChunk)
                    try await writer.write(StreamsBatchAppendTests.chunk(id, events: [.event()], final: true))
                } onResponse: { response in
                    var answers: [BatchResp] = []
                    for try await answer in response.messages { answers.append(answer) }
                    return answers
                }
                #expect(answers.count == 1)
                #expect(answers.first?.error.code == .deadlineExceeded)
                #expect(try await streams.readAll(.stream("late-1")).map(\.isStreamNotFound) == [true])
            }
        }
    }

    @Test func subscriptionsResolveLinksInHistoryAndLive() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("linked-target", count: 2)
                try await streams.append("linked-links", events: [.event("$>", json: "0@linked-target", contentType: nil)
                    .withOctetStream()])
                try await streams.read(.stream("linked-links", count: nil, resolveLinks: true), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    let history = try await reader.events(1)
                    #expect(history.first?.event.streamName == "linked-target")
                    #expect(history.first?.link.streamName == "linked-links")
                    try await streams.append("linked-links", events: [
                        AppendReq.event("$>", json: "1@linked-target", contentType: nil).withOctetStream(),
                        AppendReq.event("$>", json: "9@linked-target", contentType: nil).withOctetStream(),
                    ])
                    let live = try await reader.events(2)
                    #expect(live.first?.event.streamRevision == 1)
                    #expect(live.first?.link.streamRevision == 1)
                    #expect(live.last?.hasEvent == false)
                    #expect(live.last?.link.streamRevision == 2)
                }
            }
        }
    }

    @Test func aCancelledReadStopsReading() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                for batch in 0..<20 { try await streams.fill("cancel-read", count: 250, from: batch * 250) }
            }
            // A client with a 64 KiB window: the node must wait for it long before the read ends.
            try await node.withStreams(windowSize: 65_535) { streams in
                let before = node.storageReadCount
                let first = try await streams.read(.stream("cancel-read", count: 5_000), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    return try await reader.events(10).map(\.event.streamRevision)
                }
                #expect(first == Array(0..<10))
                // Once the reads have stopped, far fewer pages than the 157 of the whole read were read.
                var last = node.storageReadCount
                #expect(await eventually(every: .milliseconds(200)) {
                    defer { last = node.storageReadCount }
                    return node.storageReadCount == last
                })
                #expect(node.storageReadCount - before < 100, "\(node.storageReadCount - before) reads")
            }
        }
    }

    @Test func allSubscriptionFromEndIsLiveOnly() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("end-old", count: 3)
                try await streams.read(.all(from: .end(.init()), count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    guard case .confirmation = try await reader.next() else { throw SubscriptionEnded() }
                    guard case .caughtUp = try await reader.next() else { throw SubscriptionEnded() }
                    try await streams.fill("end-new", count: 1)
                    let live = try await reader.events(1)
                    #expect(live.first?.event.streamName == "end-new")
                }
            }
        }
    }
}

extension AppendReq {
    /// The event with an octet-stream content type (links are not JSON).
    func withOctetStream() -> AppendReq {
        var copy = self
        copy.proposedMessage.metadata["content-type"] = "application/octet-stream"
        return copy
    }
}
