import EventStoreClient
import Foundation
import Synchronization

/// Measurement 6 (ours): append → delivery latency at `--rate` events/s (single-event appends).
///
/// One connection subscribes (volatile) to `--stream`, another appends one event every 1/rate s
/// without waiting for the acknowledgement; the latency of event i is the time from just before
/// its append was issued to its arrival at the subscriber (same process, monotonic clock). The
/// first `--skip` events are run-in and not counted. `--dump FILE` writes "index latency_us" lines.
enum LatencyBench {
    static func run(_ args: Args) async throws {
        let rate = try args.double("rate", 1000)
        let total = try args.int("events", 10_000)
        let skip = try args.int("skip", 500)
        let stream = args.string("stream", "latencyours\(UInt32.random(in: 0...UInt32.max))")
        let subscriberClient = try await Connect.client(args)
        let writerClient = try await Connect.client(args)
        defer {
            Task {
                await subscriberClient.close()
                await writerClient.close()
            }
        }
        let sendTimes = SendTimes(count: total)
        let subscription = try await subscriberClient.subscribe(to: stream, resolveLinks: false, bufferSize: 1_000_000)
        let dump = args.string("dump", "")
        let receiver = Task { () throws -> [Double] in
            var trace = ""
            defer { if !dump.isEmpty { try? trace.write(toFile: dump, atomically: true, encoding: .utf8) } }
            var latencies: [Double] = []
            latencies.reserveCapacity(total)
            var received = 0
            for try await case .event(let event) in subscription {
                let arrived = Measure.now()
                guard let data = event.event?.data, let index = Payloads.index(of: data) else { continue }
                received += 1
                if index >= skip, let sent = sendTimes.time(of: index) {
                    latencies.append(Double(arrived &- sent) / 1000)
                    if !dump.isEmpty { trace += "\(index) \(Double(arrived &- sent) / 1000)\n" }
                }
                if received == total { break }
            }
            return latencies
        }
        try await Pacer(rate: rate).run(client: writerClient, stream: stream, total: total) { index, time in
            sendTimes.record(index, time)
        }
        let latencies = try await withThrowingTaskGroup(of: [Double]?.self) { group in
            group.addTask { try await receiver.value }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            receiver.cancel()
            return first
        }
        guard let latencies else { throw BenchFailure("latency: not every event arrived within 30 s") }
        try emit(["events": latencies.count, "rate": rate,
                  "p50": Measure.quantile(latencies, 0.5), "p99": Measure.quantile(latencies, 0.99),
                  "p999": Measure.quantile(latencies, 0.999), "max": latencies.max() ?? 0])
    }
}

/// When each event's append was issued (monotonic ns; 0 = not yet).
final class SendTimes: Sendable {
    private let times: Mutex<[UInt64]>

    init(count: Int) { times = Mutex([UInt64](repeating: 0, count: count)) }

    func record(_ index: Int, _ time: UInt64) { times.withLock { $0[index] = time } }

    func time(of index: Int) -> UInt64? {
        times.withLock { index < $0.count && $0[index] != 0 ? $0[index] : nil }
    }
}
