import EventStoreClient
import Foundation
import Synchronization

/// Fills the read stream: `--events` 200-byte JSON events in `--batch`-event appends, `--writers` in flight.
enum LoadStream {
    static func run(_ args: Args) async throws {
        let stream = args.string("stream", "readbench")
        let total = try args.int("events", 1_000_000)
        let batch = try args.int("batch", 1000)
        let writers = try args.int("writers", 4)
        let client = try await Connect.client(args)
        defer { Task { await client.close() } }
        let batches = (total + batch - 1) / batch
        let counter = BatchCounter(limit: batches)
        let start = Measure.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    while let next = counter.take() {
                        let first = next * batch
                        let events = (first..<min(first + batch, total)).map { Payloads.event(index: $0) }
                        try await client.append(to: stream, events: events)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = Measure.seconds(since: start)
        note("loaded \(total) events into \(stream) in \(String(format: "%.1f", elapsed)) s")
        try emit(["events": total, "seconds": elapsed, "events_s": Double(total) / elapsed])
    }
}

/// Hands out batch numbers 0..<limit to concurrent writers.
final class BatchCounter: Sendable {
    private let state: Mutex<Int>
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
        state = Mutex(0)
    }

    func take() -> Int? {
        state.withLock { next in
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
