import EventStoreClient
import Foundation

/// Measurement 4 (ours): events/s reading `--stream` forward in 4096-event pages (`--target stream`),
/// or `$all` forward from the start (`--target all`, at most `--count` events), and this process's peak RSS.
///
/// Reads go through the public `readStream` / `readAll` sequences, which fetch pages as the consumer
/// iterates (one page of read-ahead); every event's data is touched so that nothing is skipped.
enum ReadBench {
    static func run(_ args: Args) async throws {
        let target = args.string("target", "stream")
        let stream = args.string("stream", "readbench")
        let count = try args.int("count", 1_000_000)
        let client = try await Connect.client(args)
        defer { Task { await client.close() } }
        let baseline = Measure.statusMB("VmRSS") ?? 0
        var events = 0
        var bytes = 0
        let start = Measure.now()
        if target == "all" {
            for try await event in client.readAll(pageSize: 4096, maxCount: count, resolveLinks: false) {
                events += 1
                bytes &+= event.event?.data.count ?? 0
            }
        } else {
            for try await event in client.readStream(stream, pageSize: 4096, resolveLinks: false) {
                events += 1
                bytes &+= event.event?.data.count ?? 0
            }
        }
        let elapsed = Measure.seconds(since: start)
        try emit(["target": target, "events": events, "seconds": elapsed, "events_s": Double(events) / elapsed,
                  "data_bytes": bytes, "rss_before_mb": baseline, "peak_rss_mb": Measure.statusMB("VmHWM") ?? 0])
    }
}
