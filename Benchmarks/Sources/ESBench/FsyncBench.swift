import Foundation

/// The disk's ceiling for durable latency: append a 4 KB block to a file and `fdatasync` it,
/// 1,000 times a second (the live-latency rate), in the directory the node's database uses.
///
/// Every durable acknowledgement (and so every live delivery, which follows the commit) waits for
/// at least one such flush, so its quantiles bound the append → delivery latency from below.
enum FsyncBench {
    static func run(_ args: Args) async throws {
        let directory = args.string("dir", NSTemporaryDirectory())
        let count = try args.int("count", 3000)
        let path = (directory as NSString).appendingPathComponent("fsync-probe.\(getpid())")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw BenchFailure("fsync: cannot create \(path)") }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        let clock = ContinuousClock()
        var micros: [Double] = []
        micros.reserveCapacity(count)
        let start = clock.now
        for index in 0..<count {
            let before = clock.now
            let written = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == block.count, fdatasync(fd) == 0 else { throw BenchFailure("fsync: write/fdatasync failed") }
            micros.append(Double((clock.now - before) / .microseconds(1)))
            // Pace at 1,000 flushes/s, like the latency benchmark's appends.
            let due = start + .milliseconds(index + 1)
            if clock.now < due { try await Task.sleep(until: due, clock: clock) }
        }
        let result: [String: Any] = [
            "p50": Measure.quantile(micros, 0.5), "p90": Measure.quantile(micros, 0.9),
            "p99": Measure.quantile(micros, 0.99), "p999": Measure.quantile(micros, 0.999),
            "max": micros.max() ?? 0, "count": count,
        ]
        note("fdatasync 4 KB at 1000/s: p50 \(Int(result["p50"] as! Double)) us, p99 \(Int(result["p99"] as! Double)) us")
        try emit(result)
    }
}
