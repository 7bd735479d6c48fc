import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import Testing

/// Catch-up subscriptions (`Streams.Read` with `subscription`; docs/grpc.md §2.4).
@Suite struct StreamsSubscriptionTests {
    @Test func streamSubscriptionSendsHistoryThenCaughtUpThenLiveEvents() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("sub-1", count: 3)
                try await streams.read(.stream("sub-1", count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    guard case .confirmation(let confirmation) = try await reader.next() else { throw SubscriptionEnded() }
                    #expect(UUID(uuidString: confirmation.subscriptionID) != nil)
                    var history: [UInt64] = []
                    for _ in 0..<3 { if case .event(let event) = try await reader.next() { history.append(event.event.streamRevision) } }
                    #expect(history == [0, 1, 2])
                    guard case .caughtUp = try await reader.next() else { throw SubscriptionEnded() }
                    try await streams.fill("sub-1", count: 2, from: 3)
                    let live = try await reader.events(2)
                    #expect(live.map(\.event.streamRevision) == [3, 4])
                }
            }
        }
    }

    @Test func revisionIsExclusiveAndEndIsLiveOnly() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("sub-2", count: 5)
                try await streams.read(.stream("sub-2", from: .revision(2), count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    _ = try await reader.next()
                    let got1 = try await reader.events(2)
                    #expect(got1.map(\.event.streamRevision) == [3, 4])
                }
                try await streams.read(.stream("sub-2", from: .end(.init()), count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    guard case .confirmation = try await reader.next() else { throw SubscriptionEnded() }
                    guard case .caughtUp = try await reader.next() else { throw SubscriptionEnded() }
                    try await streams.fill("sub-2", count: 1, from: 5)
                    let got2 = try await reader.events(1)
                    #expect(got2.map(\.event.streamRevision) == [5])
                }
            }
        }
    }

    @Test func missingAndSoftDeletedStreamsAreCaughtUp() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("sub-soft", count: 2)
                _ = try await streams.delete(StreamsDeleteTests.delete("sub-soft"), metadata: .admin)
                for stream in ["sub-missing", "sub-soft"] {
                    try await streams.read(.stream(stream, count: nil), metadata: .admin) { response in
                        var reader = SubscriptionReader(response)
                        guard case .confirmation = try await reader.next() else { throw SubscriptionEnded() }
                        guard case .caughtUp = try await reader.next() else { throw SubscriptionEnded() }
                        try await streams.fill(stream, count: 1)
                        let event = try await reader.events(1)
                        #expect(event.first?.event.streamName == stream)
                    }
                }
            }
        }
    }

    @Test func tombstonedStreamsEndTheSubscription() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("sub-dead", count: 1)
                _ = try await streams.tombstone(StreamsBatchAppendTests.tombstone("sub-dead"), metadata: .admin)
                for start: ReadReq.Options.StreamOptions.OneOf_RevisionOption in [.start(.init()), .end(.init())] {
                    let error = await #expect(throws: RPCError.self) {
                        _ = try await streams.readAll(.stream("sub-dead", from: start, count: nil))
                    }
                    #expect(error?.exception == "stream-deleted")
                }
                try await streams.fill("sub-dying", count: 1)
                let error = await #expect(throws: RPCError.self) {
                    try await streams.read(.stream("sub-dying", count: nil), metadata: .admin) { response in
                        var reader = SubscriptionReader(response)
                        _ = try await reader.events(1)
                        _ = try await streams.tombstone(StreamsBatchAppendTests.tombstone("sub-dying"), metadata: .admin)
                        while true { _ = try await reader.next() }
                    }
                }
                #expect(error?.exception == "stream-deleted")
            }
        }
    }

    @Test func concurrentWritesArriveOnceAndInOrder() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("sub-race", count: 50)
                try await streams.read(.stream("sub-race", count: nil), metadata: .admin) { response in
                    let writer = Task {
                        for batch in 1..<10 { try await streams.fill("sub-race", count: 50, from: batch * 50) }
                    }
                    var reader = SubscriptionReader(response)
                    let events = try await reader.events(500)
                    try await writer.value
                    #expect(events.map(\.event.streamRevision) == Array(0..<500))
                }
            }
        }
    }

    @Test func aClientThatStopsReadingFallsBackToTheLog() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                let body = String(repeating: "x", count: 2_000)
                try await streams.read(.stream("sub-slow", count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    guard case .confirmation = try await reader.next() else { throw SubscriptionEnded() }
                    // Far more than the live buffer and the HTTP/2 windows hold, while nobody reads.
                    for batch in 0..<20 {
                        try await streams.append("sub-slow", events: (0..<50).map {
                            .event("Big", json: "{\"n\":\(batch * 50 + $0),\"pad\":\"\(body)\"}")
                        })
                    }
                    let events = try await reader.events(1000)
                    #expect(events.map(\.event.streamRevision) == Array(0..<1000))
                }
            }
        }
    }

    @Test func cancellingASubscriptionUnregistersIt() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.read(.all(count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    _ = try await reader.next()
                    #expect(node.subscriptionCount == 1)
                }
                #expect(await eventually { node.subscriptionCount == 0 })
                try await streams.fill("after-cancel", count: 1)
            }
        }
    }

    @Test func allSubscriptionFromStartAndFromAPosition() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("suball-a", count: 3)
                let denied = await #expect(throws: RPCError.self) { _ = try await streams.readAll(.all(count: nil), metadata: [:]) }
                #expect(denied?.code == .permissionDenied)
                let position = try await streams.read(.all(count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    var mine: [ReadResp.ReadEvent] = []
                    while true {
                        let content = try await reader.next()
                        if case .event(let event) = content, event.event.streamName == "suball-a" { mine.append(event) }
                        if case .caughtUp = content { break }
                    }
                    #expect(mine.map(\.event.streamRevision) == [0, 1, 2])
                    guard mine.count == 3 else { throw SubscriptionEnded() }
                    try await streams.fill("suball-b", count: 1)
                    let live = try await reader.events(1)
                    #expect(live.first?.event.streamName == "suball-b")
                    return (mine[1].event.commitPosition, mine[1].event.preparePosition)
                }
                try await streams.read(.all(from: .at(position.0, position.1), count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    let events = try await reader.events(2)
                    #expect(events.map(\.event.streamName) == ["suball-a", "suball-b"])
                    #expect(events.first?.event.streamRevision == 2)
                }
            }
        }
    }

    @Test func filteredAllSubscriptionSendsCheckpoints() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.append("noise-1", events: (0..<25).map { _ in .event("Noise") })
                try await streams.fill("ckpt-a", count: 2)
                let filter = ReadReq.Options.FilterOptions.streamPrefix(["ckpt-"], max: 5, multiplier: 2)
                try await streams.read(.all(count: nil, filter: filter), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    guard case .confirmation = try await reader.next() else { throw SubscriptionEnded() }
                    var events: [ReadResp.ReadEvent] = []
                    var checkpoints: [ReadResp.Checkpoint] = []
                    while true {
                        let content = try await reader.next()
                        if case .event(let event) = content { events.append(event) }
                        if case .checkpoint(let checkpoint) = content { checkpoints.append(checkpoint) }
                        if case .caughtUp = content { break }
                    }
                    #expect(events.map(\.event.streamName) == ["ckpt-a", "ckpt-a"])
                    // At least 27 records considered, a checkpoint every 10, and one going live.
                    #expect(checkpoints.count >= 3)
                    let commits = checkpoints.map(\.commitPosition)
                    #expect(commits == commits.sorted())
                    #expect(commits.last ?? 0 >= events.last?.event.commitPosition ?? .max)
                    // Live: 10 more records considered give a checkpoint; matching events arrive.
                    try await streams.append("noise-1", events: (0..<12).map { _ in .event("Noise") })
                    try await streams.fill("ckpt-b", count: 1)
                    var sawCheckpoint = false
                    while true {
                        let content = try await reader.next()
                        if case .checkpoint = content { sawCheckpoint = true }
                        if case .event(let event) = content {
                            #expect(event.event.streamName == "ckpt-b")
                            break
                        }
                    }
                    #expect(sawCheckpoint)
                }
            }
        }
    }

    @Test func subscriptionsOverTLS() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        try await withInMemoryNode(configure: {
            $0.tls = NodeConfiguration.TLS(certificateChainPath: pki.serverCertificate, privateKeyPath: pki.serverKey)
        }) { node in
            try await node.withStreams(trustedCA: pki.caCertificate) { streams in
                try await streams.append("tls-1", .noStream, events: [.event("OverTLS")])
                try await streams.read(.stream("tls-1", count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    let got3 = try await reader.events(1)
                    #expect(got3.first?.event.type == "OverTLS")
                }
                let events = try await streams.events(.stream("tls-1"))
                #expect(events.count == 1)
            }
        }
    }
}
