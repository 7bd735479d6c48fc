import EventStoreGRPC
@testable import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import Testing

/// Bugs the gRPC fuzzer's harness (`Sources/GRPCFuzzer`, `scripts/fuzz-grpc.sh`) reproduces; each input
/// is also kept in `Fuzz/GRPCRegressions`, which every fuzzing run replays.
@Suite struct GRPCFuzzRegressionTests {
    /// A filtered `$all` subscription's checkpoint interval is `max` × `checkpointIntervalMultiplier`,
    /// two client `uint32`s: their product passed `Int.max` and trapped, taking the node down with one
    /// request. It saturates now.
    @Test func checkpointIntervalSaturatesInsteadOfOverflowing() throws {
        let filter = ReadReq.Options.FilterOptions.streamPrefix(["s"], max: UInt32.max, multiplier: UInt32.max)
        let request = try StreamsReadRequest(ReadReq.all(count: nil, filter: filter).options)
        guard case .allSubscription(_, let parsed?) = request.kind else {
            Issue.record("not a filtered $all subscription: \(request.kind)")
            return
        }
        #expect(parsed.checkpointInterval == Int.max)
        let small = try StreamsReadRequest(ReadReq.all(count: nil, filter: .streamPrefix(["s"], max: 5, multiplier: 2)).options)
        if case .allSubscription(_, let parsed?) = small.kind { #expect(parsed.checkpointInterval == 10) }
        let zero = try StreamsReadRequest(ReadReq.all(count: nil, filter: .streamPrefix(["s"], max: 0, multiplier: 0)).options)
        if case .allSubscription(_, let parsed?) = zero.kind { #expect(parsed.checkpointInterval == 1) }
    }

    /// The same request end to end: the subscription is confirmed, catches up, delivers a live event,
    /// and the node goes on serving.
    @Test func subscriptionWithHugeCheckpointIntervalIsServed() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("fuzz-ckpt", count: 2)
                let filter = ReadReq.Options.FilterOptions.streamPrefix(["fuzz-"], max: UInt32.max, multiplier: UInt32.max)
                try await streams.read(.all(count: nil, filter: filter), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    guard case .confirmation = try await reader.next() else { throw SubscriptionEnded() }
                    var events = 0
                    while true {
                        let content = try await reader.next()
                        if case .event = content { events += 1 }
                        if case .caughtUp = content { break }
                    }
                    #expect(events == 2)
                    try await streams.fill("fuzz-ckpt", count: 1, from: 2)
                    let live = try await reader.events(1)
                    #expect(live.map(\.event.streamRevision) == [2])
                }
                #expect(try await streams.events(.stream("fuzz-ckpt")).count == 3)
            }
        }
    }
}
