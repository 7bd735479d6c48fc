import EventStoreClient
import Foundation

/// Measurement 5: seconds until a catch-up subscription from the start of `--stream` has delivered
/// every historical event and reported `caughtUp` (live).
enum CatchUpBench {
    static func run(_ args: Args) async throws {
        let stream = args.string("stream", "readbench")
        let pageSize = try args.int("page-size", 4096)
        let client = try await Connect.client(args)
        defer { Task { await client.close() } }
        var events = 0
        let start = Measure.now()
        let subscription = client.catchUp(stream: stream, from: .start, resolveLinks: false, pageSize: pageSize)
        loop: for try await message in subscription {
            switch message {
            case .event: events += 1
            case .caughtUp: break loop
            case .fellBehind(let reason): note("catch-up fell behind: \(reason)")
            }
        }
        let elapsed = Measure.seconds(since: start)
        subscription.cancel()
        try emit(["events": events, "seconds": elapsed, "events_s": Double(events) / elapsed,
                  "peak_rss_mb": Measure.statusMB("VmHWM") ?? 0])
    }
}
