import EventStoreClient
import Foundation

/// Measurement 3 (ours): acknowledged events/s for `--mode c1|c64|batch100` on one connection.
///
/// c1: one writer, one single-event append at a time. c64: 64 single-event appends in flight at all
/// times (64 tasks sharing the client). batch100: one writer appending 100 events per request.
/// Every write goes to its own fresh stream per repetition with expected version `any`; the node
/// acknowledges only after its group commit is fsync'ed.
enum AppendBench {
    static func run(_ args: Args) async throws {
        let mode = args.string("mode", "c1")
        let seconds = try args.double("seconds", 3)
        let warmup = try args.double("warmup", 0.5)
        let stream = args.string("stream", "appendbench\(mode)\(UInt32.random(in: 0...UInt32.max))")
        let (writers, batch): (Int, Int) = switch mode {
        case "c1": (1, 1)
        case "c64": (64, 1)
        case "batch100": (1, 100)
        default: throw BenchFailure("--mode must be c1, c64 or batch100")
        }
        let client = try await Connect.client(args)
        defer { Task { await client.close() } }
        let begin = Measure.now()
        let measureFrom = begin + UInt64(warmup * 1e9)
        let measureUntil = measureFrom + UInt64(seconds * 1e9)
        let counted = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var acknowledged = 0
                    var index = writer * 1_000_000
                    while true {
                        let sent = Measure.now()
                        if sent >= measureUntil { break }
                        let events = (0..<batch).map { Payloads.event(index: index + $0) }
                        index += batch
                        try await client.append(to: stream, events: events)
                        if sent >= measureFrom, Measure.now() <= measureUntil { acknowledged += batch }
                    }
                    return acknowledged
                }
            }
            return try await group.reduce(0, +)
        }
        try emit(["mode": mode, "events_s": Double(counted) / seconds, "events": counted])
    }
}
