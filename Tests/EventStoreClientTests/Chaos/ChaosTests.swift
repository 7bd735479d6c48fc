import EventStoreClient
import EventStoreNode
import EventStoreTesting
import Foundation
import Testing

/// The client through a ``FaultInjectionProxy`` that cuts connections (at once and mid-frame), stalls past
/// the heartbeat timeout and delays chunks: catch-up subscriptions stay exact and appends stay idempotent.
@Suite(.serialized) struct ChaosTests {
    // MARK: Catch-up

    @Test func catchUpDeliversEveryEventOnceInOrderThroughCutsAndStalls() async throws {
        let started = ContinuousClock.now
        try await Self.withChaosRig(seed: 0x5EED_C47C_0001) { direct, proxy in
            let stream = "chaos-catchup"
            let history = 10_000
            let liveBatches = 20
            let liveBatchSize = 50
            let total = history + liveBatches * liveBatchSize
            // History goes straight to the node, not through the proxy.
            for batch in 0..<(history / 500) {
                try await direct.append(to: stream, events: numbered(500, from: batch * 500))
            }

            let client = EventStoreClient(configuration: Self.chaosConfiguration(proxyPort: proxy.port))
            try await client.waitUntilConnected()
            let subscription = client.catchUp(stream: stream, pageSize: 250)

            // 60 faults: 56 cuts (immediate or after a random byte count) and 4 stalls of 700 ms (> 100 ms + 300 ms).
            let plan = ChaosPlan(faults: 60, stallAt: [7, 22, 37, 52], stall: .milliseconds(700), seed: 0xC0FF_EE01)
            let chaos = Task { try await Self.runChaos(plan, proxy: proxy, client: client) }
            // Live appends (directly to the node) spread over the chaos; the last batch only once it is over,
            // so receiving every event implies the subscription lived through all the faults.
            let writer = Task {
                for batch in 0..<(liveBatches - 1) {
                    try await direct.append(to: stream, events: numbered(liveBatchSize, from: history + batch * liveBatchSize))
                    try await Task.sleep(for: .milliseconds(150))
                }
                _ = try await chaos.value
                try await direct.append(to: stream, events: numbered(liveBatchSize, from: total - liveBatchSize))
            }

            let received: Received
            do {
                received = try await withDeadline(.seconds(50), "catch-up under chaos") {
                    try await Self.collect(subscription, events: total)
                }
            } catch {
                chaos.cancel()
                writer.cancel()
                subscription.cancel()
                let figures = await proxy.statistics
                Issue.record("catch-up did not finish: \(error); proxy: \(figures); client: \(await client.counters)")
                await client.close()
                return
            }
            let figures = try await chaos.value
            try await writer.value
            subscription.cancel()
            let proxied = await proxy.statistics
            let counters = await client.counters
            await client.close()

            let expected = (0..<Int64(total)).map { $0 }
            let exact = received.numbers == expected
            // Every event exactly once, in order: the exact sequence 0..<11_000.
            #expect(exact, "\(Self.divergence(received.numbers, expected))")
            // ≥ 50 forced cuts, of which some landed mid-frame, and a few stalls past the heartbeat timeout.
            #expect(figures.cuts >= 50, "cuts: \(figures)")
            #expect(figures.stalls == 4)
            #expect(proxied.connectionsCut >= 50, "\(proxied)")
            #expect(proxied.cutsLandingMidFrame >= 1, "\(proxied)")
            #expect(counters.heartbeatTimeouts >= 1, "the stalls should trip the client's heartbeat: \(counters)")
            #expect(counters.reconnections >= 50, "\(counters)")
            #expect(received.caughtUp >= 1 && received.fellBehind >= 1)
            print("""
                chaos catch-up: events=\(received.numbers.count) cuts=\(figures.cuts) (immediate=\(figures.immediate) \
                byteBudget=\(figures.midFrame) fellBackToImmediate=\(figures.fellBack)) stalls=\(figures.stalls) \
                connectionsCut=\(proxied.connectionsCut) landedMidFrame=\(proxied.cutsLandingMidFrame) \
                heartbeatTimeouts=\(counters.heartbeatTimeouts) reconnections=\(counters.reconnections) \
                retries=\(counters.retries) caughtUp=\(received.caughtUp) fellBehind=\(received.fellBehind) \
                duration=\(ContinuousClock.now - started)
                """)
        }
    }

    // MARK: Appends

    @Test func appendsThroughCutsAreAcknowledgedAndWrittenExactlyOnce() async throws {
        let started = ContinuousClock.now
        try await Self.withChaosRig(seed: 0x5EED_A99E_0002) { direct, proxy in
            let stream = "chaos-appends"
            let workers = 6
            let perWorker = 50
            let client = EventStoreClient(configuration: Self.chaosConfiguration(proxyPort: proxy.port))
            try await client.waitUntilConnected()
            let ids = (0..<(workers * perWorker)).map { _ in UUID() }

            // Cuts (no stalls but one) until the appends are done; at most 200 faults.
            let plan = ChaosPlan(faults: 200, stallAt: [12], stall: .milliseconds(700), seed: 0xC0FF_EE02,
                                 pause: 20...60)
            let chaos = Task { try await Self.runChaos(plan, proxy: proxy, client: client) }
            let failures: [String]
            do {
                failures = try await withDeadline(.seconds(40), "appends under chaos") {
                    try await withThrowingTaskGroup(of: [String].self) { group in
                        for worker in 0..<workers {
                            group.addTask {
                                var failures: [String] = []
                                var random = SeededRandom(seed: UInt64(worker) + 1)
                                for index in 0..<perWorker {
                                    let n = worker * perWorker + index
                                    do {
                                        let event = EventData(id: ids[n], type: "Numbered", json: "{\"n\":\(n)}")
                                        try await client.append(to: stream, events: [event], expectedVersion: .any)
                                    } catch {
                                        failures.append("append \(n): \(error)")
                                    }
                                    try await Task.sleep(for: .milliseconds(Int.random(in: 5...40, using: &random)))
                                }
                                return failures
                            }
                        }
                        return try await group.reduce(into: []) { $0 += $1 }
                    }
                }
            } catch {
                chaos.cancel()
                Issue.record("appends did not finish: \(error); proxy: \(await proxy.statistics); client: \(await client.counters)")
                await client.close()
                return
            }
            chaos.cancel()
            let figures = try await chaos.value
            let proxied = await proxy.statistics
            let counters = await client.counters
            await client.close()

            // Every append acknowledged, none failed.
            #expect(failures.isEmpty, "\(failures.prefix(5))")
            // Read back directly from the node: each id exactly once, nothing else.
            let slice = try await direct.readStreamSlice(stream, from: 0, maxCount: 4096)
            let stored = slice.events.compactMap { $0.event?.id }
            #expect(slice.isEndOfStream)
            #expect(stored.count == ids.count, "stored \(stored.count) events for \(ids.count) appends")
            #expect(Set(stored) == Set(ids))
            #expect(Set(stored).count == stored.count, "duplicated ids: \(Self.duplicates(stored))")
            #expect(figures.cuts >= 10, "cuts during the appends: \(figures)")
            print("""
                chaos appends: appends=\(ids.count) stored=\(stored.count) distinct=\(Set(stored).count) \
                cuts=\(figures.cuts) (immediate=\(figures.immediate) byteBudget=\(figures.midFrame) \
                fellBackToImmediate=\(figures.fellBack)) stalls=\(figures.stalls) connectionsCut=\(proxied.connectionsCut) \
                retries=\(counters.retries) reconnections=\(counters.reconnections) \
                heartbeatTimeouts=\(counters.heartbeatTimeouts) duration=\(ContinuousClock.now - started)
                """)
        }
    }

    // MARK: Rig

    /// A client configuration through the proxy: fast heartbeats, quick and endless reconnections and retries.
    static func chaosConfiguration(proxyPort: Int) -> ClientConfiguration {
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: FaultInjectionProxy.loopback,
                                                                                port: proxyPort)))
        configuration.defaultCredentials = .password(login: "admin", password: "changeit")
        configuration.heartbeatInterval = .milliseconds(100)
        configuration.heartbeatTimeout = .milliseconds(300)
        configuration.reconnectionDelay = .milliseconds(20)
        configuration.maxReconnections = -1
        configuration.maxRetries = -1
        return configuration
    }

    /// An in-memory node, a client connected to it directly and a proxy in front of it; all stop afterwards.
    static func withChaosRig(
        seed: UInt64, _ body: (EventStoreClient, FaultInjectionProxy) async throws -> Void
    ) async throws {
        let nodeConfiguration = NodeConfiguration.onFreePorts(.memory)
        let node = try await EventStoreNodeServer.start(nodeConfiguration)
        guard node.tcpEndpoint.host == FaultInjectionProxy.loopback else {
            await node.shutdown()
            Issue.record("the node listens on \(node.tcpEndpoint.host), not on 127.0.0.1")
            return
        }
        let proxy: FaultInjectionProxy
        do {
            proxy = try await FaultInjectionProxy.start(targetPort: node.tcpEndpoint.port, seed: seed)
        } catch {
            await node.shutdown()
            throw error
        }
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: node.tcpEndpoint.host,
                                                                                port: node.tcpEndpoint.port)))
        configuration.defaultCredentials = .password(login: "admin", password: "changeit")
        let direct = EventStoreClient(configuration: configuration)
        do {
            try await body(direct, proxy)
        } catch {
            await direct.close()
            await proxy.stop()
            await node.shutdown()
            throw error
        }
        await direct.close()
        await proxy.stop()
        await node.shutdown()
    }

    // MARK: Chaos driver

    struct ChaosPlan: Sendable {
        var faults: Int
        /// Fault indices that are stalls instead of cuts.
        var stallAt: Set<Int>
        var stall: Duration
        var seed: UInt64
        /// Milliseconds between faults.
        var pause: ClosedRange<Int> = 30...120
    }

    struct ChaosFigures: Sendable, CustomStringConvertible {
        var immediate = 0
        /// Cuts after a random byte count of node→client traffic.
        var midFrame = 0
        /// Byte-budget cuts that saw no traffic in time and cut at once instead.
        var fellBack = 0
        var stalls = 0
        var delayChanges = 0
        var cuts: Int { immediate + midFrame + fellBack }
        var description: String {
            "immediate=\(immediate) midFrame=\(midFrame) fellBack=\(fellBack) stalls=\(stalls) delayChanges=\(delayChanges)"
        }
    }

    /// Runs the plan's faults, each once the client is connected again; stops early (returning what it did) when
    /// cancelled.
    static func runChaos(_ plan: ChaosPlan, proxy: FaultInjectionProxy, client: EventStoreClient) async throws -> ChaosFigures {
        var random = SeededRandom(seed: plan.seed)
        var figures = ChaosFigures()
        do {
            for index in 0..<plan.faults {
                try await Task.sleep(for: .milliseconds(Int.random(in: plan.pause, using: &random)))
                // Fault a live connection, not a reconnection attempt.
                _ = await eventually(timeout: .seconds(5)) {
                    if case .connected = await client.phase { return true }
                    return false
                }
                try Task.checkCancellation()
                if index % 10 == 5 {
                    // Now and then a few ms of latency on every chunk (or none).
                    let delay = Int.random(in: 0...4, using: &random)
                    await proxy.setChunkDelay(.milliseconds(delay))
                    figures.delayChanges += 1
                }
                if plan.stallAt.contains(index) {
                    await proxy.stall(for: plan.stall)
                    figures.stalls += 1
                    try await Task.sleep(for: plan.stall + .milliseconds(50))
                } else if Bool.random(using: &random) {
                    await proxy.cutAll()
                    figures.immediate += 1
                } else {
                    let bytes = Int.random(in: 1...6_000, using: &random)
                    if await proxy.cutMidFrame(afterBytes: bytes, within: .milliseconds(400)) {
                        figures.midFrame += 1
                    } else {
                        figures.fellBack += 1
                    }
                }
            }
        } catch is CancellationError {
            return figures
        }
        await proxy.setChunkDelay(.zero)
        return figures
    }

    // MARK: Helpers

    struct Received: Sendable {
        var numbers: [Int64] = []
        var caughtUp = 0
        var fellBehind = 0
    }

    /// Collects `count` events (and counts the markers) from a catch-up subscription.
    static func collect(_ subscription: CatchUpSubscription, events count: Int) async throws -> Received {
        var received = Received()
        received.numbers.reserveCapacity(count)
        for try await message in subscription {
            switch message {
            case .event(let event): received.numbers.append(event.originalNumber)
            case .caughtUp: received.caughtUp += 1
            case .fellBehind: received.fellBehind += 1
            }
            if received.numbers.count >= count { break }
        }
        return received
    }

    /// Where two sequences first differ, for a readable failure.
    static func divergence(_ actual: [Int64], _ expected: [Int64]) -> String {
        guard let index = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
            return actual.count == expected.count ? "identical" : "counts differ: \(actual.count) vs \(expected.count)"
        }
        let window = max(0, index - 3)..<min(actual.count, index + 4)
        return "first divergence at index \(index): got \(Array(actual[window])) around it (count \(actual.count))"
    }

    static func duplicates(_ ids: [UUID]) -> [UUID] {
        Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.map(\.key)
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    var what: String
    var description: String { "deadline exceeded: \(what)" }
}

/// Runs `body`, cancelling it and throwing ``DeadlineExceeded`` when it takes longer than `timeout`.
func withDeadline<T: Sendable>(
    _ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(what: what) }
        return value
    }
}
