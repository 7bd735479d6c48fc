import EventStoreClient
import Foundation

/// Measurement 7 (the driver): appends to `--stream` at `--rate` events/s (`--batch`-event requests)
/// for `--seconds` while sampling the CPU time and RSS of process `--pid` (the `esdb` in a tmux pane)
/// once a second.
enum TerminalLoad {
    static func run(_ args: Args) async throws {
        let rate = try args.double("rate", 5000)
        let seconds = try args.double("seconds", 30)
        let batch = try args.int("batch", 50)
        let stream = args.string("stream", "tuibench")
        let pid = args.string("pid", "self")
        let client = try await Connect.client(args)
        defer { Task { await client.close() } }
        let total = Int(rate * seconds)
        guard let cpuStart = Measure.cpuSeconds(pid: pid) else { throw BenchFailure("no process \(pid)") }
        let wallStart = Measure.now()
        let sampler = Task { () -> [Double] in
            var samples: [Double] = []
            while !Task.isCancelled {
                samples.append(Measure.statusMB("VmRSS", pid: pid) ?? 0)
                try? await Task.sleep(for: .seconds(1))
            }
            return samples
        }
        try await Pacer(rate: rate, batch: batch).run(client: client, stream: stream, total: total) { _, _ in }
        let wall = Measure.seconds(since: wallStart)
        let cpu = (Measure.cpuSeconds(pid: pid) ?? cpuStart) - cpuStart
        sampler.cancel()
        let rss = await sampler.value
        let settled = Array(rss.dropFirst(min(2, max(rss.count - 1, 0))))
        try emit(["events": total, "seconds": wall, "cpu_pct": cpu / wall * 100,
                  "rss_mb": rss.last ?? 0, "rss_first_mb": settled.first ?? 0, "rss_max_mb": rss.max() ?? 0,
                  "rss_samples_mb": rss])
    }
}
