import EventStoreNode
import EventStoreWire
import Foundation

/// Settings shared by all scenarios.
struct BenchSettings: Sendable, Codable {
    /// Length of one measured window, in seconds.
    var seconds = 3.0
    /// Unmeasured run-in before each window, in seconds.
    var warmupSeconds = 0.5
    /// Repetitions per scenario (the median is reported).
    var repetitions = 3
    /// Writers (one connection each) in the concurrent scenario.
    var concurrentWriters = 64
    /// Events per write in the batch scenario.
    var batchSize = 100
    /// Events in the stream that the read scenario pages through.
    var readEvents = 250_000
    /// Events per read page.
    var readPage: Int32 = 4096
    /// Bytes of JSON data per event.
    var dataBytes = 256
    /// Bytes of JSON metadata per event.
    var metadataBytes = 64
    /// Where the temporary databases go (their parent directory).
    var directory = FileManager.default.temporaryDirectory.path
}

/// One repetition of one scenario.
struct RunResult: Sendable, Codable {
    /// Events acknowledged (or read) per second in the measured window.
    var eventsPerSecond: Double
    /// Group commits per second over the whole run (run-in included).
    var commitsPerSecond: Double
    /// Acknowledged events per group commit over the whole run.
    var eventsPerCommit: Double
    /// Median and 99th percentile latency of one request in the window, in milliseconds.
    var latencyP50Ms: Double
    var latencyP99Ms: Double
}

/// A durable node in a fresh temporary directory, removed by ``stop()``.
struct BenchNode {
    let server: EventStoreNodeServer
    let directory: URL

    /// Starts a node with `storage: .file` (SQLite WAL, synchronous=FULL) on free loopback ports.
    static func start(settings: BenchSettings) async throws -> BenchNode {
        let directory = URL(fileURLWithPath: settings.directory).appendingPathComponent("esdb-bench-\(UUID().uuidString)")
        var configuration = NodeConfiguration(storage: .file(directory.appendingPathComponent("events.sqlite").path))
        configuration.tcpPort = 0
        configuration.httpPort = 0
        return BenchNode(server: try await EventStoreNodeServer.start(configuration), directory: directory)
    }

    /// A new connection to the node.
    func connect() async throws -> BenchClient {
        try await BenchClient.connect(host: server.tcpEndpoint.host, port: server.tcpEndpoint.port)
    }

    /// Shuts the node down and deletes its files.
    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Builds write requests with fresh event ids (the node deduplicates repeated ids).
struct WriteFactory: Sendable {
    let data: Data
    let metadata: Data

    init(settings: BenchSettings) {
        data = Self.json(bytes: settings.dataBytes)
        metadata = Self.json(bytes: settings.metadataBytes)
    }

    /// A JSON object of exactly `bytes` bytes (at least the minimum `{"p":""}`).
    private static func json(bytes: Int) -> Data {
        Data(("{\"p\":\"" + String(repeating: "x", count: max(bytes - 8, 0)) + "\"}").utf8)
    }

    /// A WriteEvents request of `count` events to `stream`, expected version any.
    func write(_ stream: String, count: Int) -> ESWriteEvents {
        var request = ESWriteEvents()
        request.eventStreamID = stream
        request.expectedVersion = -2
        request.requireLeader = false
        request.events = (0..<count).map { _ in
            var event = ESNewEvent()
            event.eventID = Data(UUID().dotNetBytes)
            event.eventType = "OrderPlaced"
            event.dataContentType = 1
            event.metadataContentType = 1
            event.data = data
            event.metadata = metadata
            return event
        }
        return request
    }
}

/// What one writer did in one run.
private struct WriterTally: Sendable {
    var eventsInWindow = 0
    var eventsTotal = 0
    var latencies: [Double] = []
}

/// The append and read scenarios.
enum Scenarios {
    /// `writers` connections, each appending `batchSize` events per request to its own stream, one
    /// request at a time, for the run-in plus the window.
    static func appends(writers: Int, batchSize: Int, settings: BenchSettings) async throws -> RunResult {
        let node = try await BenchNode.start(settings: settings)
        do {
            let factory = WriteFactory(settings: settings)
            var clients: [BenchClient] = []
            for _ in 0..<writers { clients.append(try await node.connect()) }
            let clock = ContinuousClock()
            let commitsBefore = node.server.commitCount
            let started = clock.now
            let windowStart = started + .seconds(settings.warmupSeconds)
            let windowEnd = windowStart + .seconds(settings.seconds)
            let tallies = try await withThrowingTaskGroup(of: WriterTally.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask {
                        var tally = WriterTally()
                        let stream = "bench-w\(index)"
                        while clock.now < windowEnd {
                            let request = factory.write(stream, count: batchSize)
                            let sent = clock.now
                            let reply = try await client.request(.writeEvents, request, as: ESWriteEventsCompleted.self)
                            guard reply.result == .success else {
                                throw BenchError(description: "write failed: \(reply.result) \(reply.message)")
                            }
                            let done = clock.now
                            tally.eventsTotal += batchSize
                            if done >= windowStart, done <= windowEnd {
                                tally.eventsInWindow += batchSize
                                tally.latencies.append(Self.milliseconds(done - sent))
                            }
                        }
                        return tally
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = Self.seconds(clock.now - started)
            let commits = node.server.commitCount - commitsBefore
            for client in clients { await client.close() }
            await node.stop()
            let latencies = tallies.flatMap(\.latencies).sorted()
            let events = tallies.reduce(0) { $0 + $1.eventsInWindow }
            let total = tallies.reduce(0) { $0 + $1.eventsTotal }
            return RunResult(eventsPerSecond: Double(events) / settings.seconds,
                             commitsPerSecond: Double(commits) / elapsed,
                             eventsPerCommit: commits == 0 ? 0 : Double(total) / Double(commits),
                             latencyP50Ms: percentile(latencies, 0.50), latencyP99Ms: percentile(latencies, 0.99))
        } catch {
            await node.stop()
            throw error
        }
    }

    /// Fills one stream with `settings.readEvents` events, then reads it forward in pages
    /// `settings.repetitions` times; one result per read pass, plus the fill rate.
    static func reads(settings: BenchSettings) async throws -> (passes: [RunResult], fillEventsPerSecond: Double) {
        let node = try await BenchNode.start(settings: settings)
        do {
            let factory = WriteFactory(settings: settings)
            let stream = "bench-read"
            let clock = ContinuousClock()
            let fillStarted = clock.now
            let fillers = 8
            let batches = (settings.readEvents + settings.batchSize - 1) / settings.batchSize
            try await withThrowingTaskGroup(of: Void.self) { group in
                for filler in 0..<fillers {
                    let client = try await node.connect()
                    group.addTask {
                        for _ in stride(from: filler, to: batches, by: fillers) {
                            let reply = try await client.request(.writeEvents, factory.write(stream, count: settings.batchSize),
                                                                 as: ESWriteEventsCompleted.self)
                            guard reply.result == .success else { throw BenchError(description: "fill failed: \(reply.result)") }
                        }
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
            let filled = batches * settings.batchSize
            let fillRate = Double(filled) / Self.seconds(clock.now - fillStarted)

            let client = try await node.connect()
            var passes: [RunResult] = []
            for _ in 0..<settings.repetitions {
                var latencies: [Double] = []
                var read = 0
                var from: Int64 = 0
                let started = clock.now
                while true {
                    var request = ESReadStreamEvents()
                    request.eventStreamID = stream
                    request.fromEventNumber = from
                    request.maxCount = settings.readPage
                    request.resolveLinkTos = false
                    request.requireLeader = false
                    let sent = clock.now
                    let page = try await client.request(.readStreamEventsForward, request, as: ESReadStreamEventsCompleted.self)
                    latencies.append(Self.milliseconds(clock.now - sent))
                    guard page.result == .success else { throw BenchError(description: "read failed: \(page.result) \(page.error)") }
                    read += page.events.count
                    if page.isEndOfStream || page.events.isEmpty { break }
                    from = page.nextEventNumber
                }
                let elapsed = Self.seconds(clock.now - started)
                guard read == filled else { throw BenchError(description: "read \(read) events, wrote \(filled)") }
                latencies.sort()
                passes.append(RunResult(eventsPerSecond: Double(read) / elapsed, commitsPerSecond: 0, eventsPerCommit: 0,
                                        latencyP50Ms: percentile(latencies, 0.50), latencyP99Ms: percentile(latencies, 0.99)))
            }
            await client.close()
            await node.stop()
            return (passes, fillRate)
        } catch {
            await node.stop()
            throw error
        }
    }

    /// The value at fraction `p` of sorted `values` (nearest rank), 0 when empty.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let rank = Int((p * Double(values.count)).rounded(.up)) - 1
        return values[min(max(rank, 0), values.count - 1)]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }
}
