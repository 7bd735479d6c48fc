import EventStoreNode
import Foundation
import Testing

/// A by-hand throughput check of group commit, not a timed test. Run it with
/// `ESDB_STORAGE_BENCH=1 swift test -c release --filter StorageThroughput` (optionally
/// `ESDB_STORAGE_BENCH_DIR=/some/disk`); it prints events/s per scenario.
@Suite("StorageThroughput", .enabled(if: ProcessInfo.processInfo.environment["ESDB_STORAGE_BENCH"] != nil))
struct StorageThroughputCheck {
    private static let duration = Duration.seconds(3)

    private struct Outcome {
        var events = 0
        var latencies: [Duration] = []
    }

    @Test func groupCommitThroughput() async throws {
        let directory = ProcessInfo.processInfo.environment["ESDB_STORAGE_BENCH_DIR"].map {
            $0 + "/esdb-bench-" + UUID().uuidString
        } ?? StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        print("storage throughput, database under \(directory), \(Self.duration) per scenario")
        try await run("1 writer, 1 event/job, FULL", directory: directory, writers: 1, eventsPerJob: 1)
        try await run("64 writers, 1 event/job, FULL", directory: directory, writers: 64, eventsPerJob: 1)
        try await run("1 writer, 100 events/job, FULL", directory: directory, writers: 1, eventsPerJob: 100)
        try await run("64 writers, 100 events/job, FULL", directory: directory, writers: 64, eventsPerJob: 100)
        try await run("64 writers, 1 event/job, --mem", directory: nil, writers: 64, eventsPerJob: 1)
    }

    private func run(_ name: String, directory: String?, writers: Int, eventsPerJob: Int) async throws {
        let storage = try directory.map { try NodeStorage.open(path: $0 + "/\(UUID().uuidString).sqlite") }
            ?? NodeStorage.openInMemory()
        defer { storage.close() }
        let writer = try storage.makeWriter(
            loadState: { log in try log.streamHeads() }, didCommit: { (_: inout StreamHeads, _) in })
        let clock = ContinuousClock()
        let deadline = clock.now + Self.duration
        let started = clock.now
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for index in 0..<writers {
                group.addTask {
                    var outcome = Outcome()
                    while clock.now < deadline {
                        let begin = clock.now
                        outcome.events += try await Self.append(eventsPerJob, to: "w-\(index)", with: writer)
                        outcome.latencies.append(clock.now - begin)
                    }
                    return outcome
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let events = outcomes.reduce(0) { $0 + $1.events }
        let latencies = outcomes.flatMap(\.latencies).sorted()
        let stats = writer.stats
        print(String(
            format: "%-34@ %9.0f events/s  %7.0f commits/s  %7.1f events/commit  ack p50 %.2f ms  p99 %.2f ms",
            name as NSString, Double(events) / seconds, Double(stats.commits) / seconds,
            Double(stats.events) / Double(max(1, stats.commits)),
            Self.milliseconds(latencies[latencies.count / 2]),
            Self.milliseconds(latencies[latencies.count * 99 / 100])))
        #expect(stats.events == events)
    }

    private static func append(_ count: Int, to stream: String, with writer: GroupCommitWriter<StreamHeads>)
        async throws -> Int
    {
        try await writer.submit { heads, batch in
            let head = heads[stream] ?? -1
            for offset in 1...Int64(count) {
                _ = try batch.append(NewLogEvent(
                    stream: stream, number: head + offset, eventID: StorageFixtures.eventID(Int(head + offset)),
                    type: "OrderPlaced", isJSON: true, data: Array(repeating: 0x61, count: 256),
                    metadata: Array(repeating: 0x62, count: 64), createdMs: 1_700_000_000_000))
            }
            heads[stream] = head + Int64(count)
            return count
        }
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
    }
}
