import EventStoreClient
import EventStoreNode
import EventStoreTesting
import Foundation
import Testing

/// Catch-up subscriptions: reads + a volatile subscription, gap-free, resuming by themselves.
@Suite struct CatchUpTests {
    /// Collects `count` events (and the markers) from a catch-up subscription.
    static func collect(_ subscription: CatchUpSubscription, events count: Int,
                        onCaughtUp: @Sendable () async throws -> Void = {}) async throws -> (numbers: [Int64], markers: [String]) {
        var numbers: [Int64] = []
        var markers: [String] = []
        for try await message in subscription {
            switch message {
            case .event(let event): numbers.append(event.originalNumber)
            case .caughtUp:
                markers.append("caughtUp")
                try await onCaughtUp()
            case .fellBehind: markers.append("fellBehind")
            }
            if numbers.count >= count, markers.contains("caughtUp") { break }
        }
        return (numbers, markers)
    }

    @Test func historyThenLiveWithoutGapOrDuplicate() async throws {
        try await withClientAndNode { client, _ in
            for batch in 0..<3 { try await client.append(to: "cu-1", events: numbered(500, from: batch * 500)) }
            let subscription = client.catchUp(stream: "cu-1", pageSize: 200)
            // Appends race with the hand-off: some land during history, some after going live.
            let writer = Task {
                for batch in 0..<10 { try await client.append(to: "cu-1", events: numbered(50, from: 1500 + batch * 50)) }
            }
            let result = try await Self.collect(subscription, events: 2000)
            try await writer.value
            #expect(result.numbers == Array(0..<2000))
            #expect(result.markers == ["caughtUp"])
            subscription.cancel()
        }
    }

    @Test func startsAfterAGivenEventAndFromTheEnd() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "cu-2", events: numbered(10))
            let after = try await Self.collect(client.catchUp(stream: "cu-2", from: .after(6)), events: 3)
            #expect(after.numbers == [7, 8, 9])
            let fromEnd = client.catchUp(stream: "cu-2", from: .end)
            let result = try await Self.collect(fromEnd, events: 2) {
                try await client.append(to: "cu-2", events: numbered(2, from: 10))
            }
            #expect(result.numbers == [10, 11])
        }
    }

    @Test func catchUpOnAMissingStreamWaitsForItsFirstEvent() async throws {
        try await withClientAndNode { client, _ in
            let result = try await Self.collect(client.catchUp(stream: "cu-3"), events: 2) {
                try await client.append(to: "cu-3", events: numbered(2))
            }
            #expect(result.numbers == [0, 1])
        }
    }

    @Test func allCatchUpDeliversEveryRecordOnce() async throws {
        try await withClientAndNode { client, _ in
            try await client.append(to: "acu-1", events: numbered(300))
            var positions: [Position] = []
            var streams: [String] = []
            let subscription = client.catchUpAll(filter: .streamPrefix("acu-"), pageSize: 64)
            for try await message in subscription {
                guard case .event(let event) = message else {
                    if case .caughtUp = message { try await client.append(to: "acu-2", events: numbered(100)) }
                    continue
                }
                positions.append(event.position!)
                streams.append(event.originalStream)
                if positions.count == 400 { break }
            }
            #expect(positions == positions.sorted() && Set(positions).count == 400)
            #expect(streams.filter { $0 == "acu-1" }.count == 300 && streams.filter { $0 == "acu-2" }.count == 100)
        }
    }

    @Test func slowConsumerFallsBackToCatchUpInsteadOfBeingDropped() async throws {
        try await withClientAndNode { client, _ in
            let subscription = client.catchUp(stream: "slow-1", liveBufferSize: 5)
            var numbers: [Int64] = []
            var fellBehind = 0
            for try await message in subscription {
                switch message {
                case .caughtUp where numbers.isEmpty:
                    for batch in 0..<20 { try await client.append(to: "slow-1", events: numbered(50, from: batch * 50)) }
                case .event(let event):
                    numbers.append(event.originalNumber)
                    if numbers.count < 50 { try await Task.sleep(for: .milliseconds(2)) }
                case .fellBehind:
                    fellBehind += 1
                default: break
                }
                if numbers.count == 1000 { break }
            }
            #expect(numbers == Array(0..<1000))
            #expect(fellBehind >= 1)
        }
    }

    @Test func resumesAcrossANodeRestartWithoutGapOrDuplicate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-cu-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var nodeConfiguration = NodeConfiguration.durable(in: directory)
        var node = try await EventStoreNodeServer.start(nodeConfiguration)
        nodeConfiguration.tcpPort = node.tcpEndpoint.port
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "127.0.0.1", port: node.tcpEndpoint.port)))
        configuration.maxReconnections = -1
        configuration.reconnectionDelay = .milliseconds(50)
        let client = EventStoreClient(configuration: configuration)
        try await client.append(to: "restart-1", events: numbered(100))
        let subscription = client.catchUp(stream: "restart-1")
        var numbers: [Int64] = []
        var markers: [String] = []
        var restarted = false
        for try await message in subscription {
            switch message {
            case .event(let event): numbers.append(event.originalNumber)
            case .caughtUp:
                markers.append("caughtUp")
                if !restarted {
                    restarted = true
                    await node.shutdown()
                    node = try await EventStoreNodeServer.startAgain(nodeConfiguration)
                    let writer = EventStoreClient(configuration: configuration)
                    try await writer.append(to: "restart-1", events: numbered(100, from: 100))
                    await writer.close()
                }
            case .fellBehind: markers.append("fellBehind")
            }
            if numbers.count == 200, markers.filter({ $0 == "caughtUp" }).count >= 2 { break }
        }
        #expect(numbers == Array(0..<200))
        #expect(markers.contains("fellBehind"))
        #expect(markers.filter { $0 == "caughtUp" }.count >= 2)
        #expect(await client.counters.reconnections >= 1)
        subscription.cancel()
        await client.close()
        await node.shutdown()
    }
}
