import EventStoreNode
import EventStoreTesting
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
        try await run("1 writer, 100 events/job, --mem", directory: nil, writers: 1, eventsPerJob: 100)
        try await readInMemory(readers: 1, appending: false)
        try await readInMemory(readers: 4, appending: false)
        try await readInMemory(readers: 4, appending: true)
    }

    /// `readers` threads reading a 100k-event `--mem` log forward in pages of 1,000, round after
    /// round; with `appending`, 16 writers append single events all the while.
    private func readInMemory(readers: Int, appending: Bool) async throws {
        let storage = try NodeStorage.openInMemory()
        defer { storage.close() }
        let writer = try storage.makeWriter(
            loadState: { log in try log.streamHeads() }, didCommit: { (_: inout StreamHeads, _) in })
        for chunk in 0..<100 {
            _ = try await Self.append(1_000, to: "fill-\(chunk)", with: writer)
        }
        let reader = storage.reader
        let clock = ContinuousClock()
        let deadline = clock.now + Self.duration
        let started = clock.now
        let cpuStarted = Self.processCPUSeconds()
        let appends = Task {
            guard appending else { return 0 }
            return try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        var events = 0
                        while clock.now < deadline { events += try await Self.append(1, to: "live-\(index)", with: writer) }
                        return events
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<readers {
                group.addTask {
                    try await runOnDedicatedThread {
                        var events = 0
                        var position = LogPosition.start
                        while clock.now < deadline {
                            let page = try reader.readAllForward(from: position, maxCount: 1_000)
                            events += page.count
                            if let last = page.last, page.count == 1_000 {
                                position = LogPosition(commit: last.position.commit, prepare: last.position.prepare + 1)
                            } else {
                                position = .start
                            }
                        }
                        return events
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let appended = try await appends.value
        let cpu = Self.processCPUSeconds() - cpuStarted
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let name = "\(readers) reader(s), 1000-event pages, --mem" + (appending ? ", 16 writers" : "")
        print(String(
            format: "%-48@ %9.0f events/s read (per reader %@)  %7.0f events/s appended  %.2f µs CPU per event",
            name as NSString, Double(counts.reduce(0, +)) / seconds,
            counts.map { String(Int(Double($0) / seconds)) }.joined(separator: "/") as NSString,
            Double(appended) / seconds, cpu * 1e6 / Double(max(1, counts.reduce(0, +) + appended))))
        #expect(counts.allSatisfy { $0 > 0 })
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
        let cpuStarted = Self.processCPUSeconds()
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
        let cpu = Self.processCPUSeconds() - cpuStarted
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let events = outcomes.reduce(0) { $0 + $1.events }
        let latencies = outcomes.flatMap(\.latencies).sorted()
        let stats = writer.stats
        print(String(
            format: "%-34@ %9.0f events/s  %7.0f commits/s  %7.1f events/commit  ack p50 %.2f ms  p99 %.2f ms  %.2f µs CPU per event",
            name as NSString, Double(events) / seconds, Double(stats.commits) / seconds,
            Double(stats.events) / Double(max(1, stats.commits)),
            Self.milliseconds(latencies[latencies.count / 2]),
            Self.milliseconds(latencies[latencies.count * 99 / 100]), cpu * 1e6 / Double(max(1, events))))
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

    /// User plus system CPU time of the whole process so far: per event, it shows the cost of the
    /// work even when other processes make the wall-clock figures noisy.
    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
    }
}
