import Foundation

/// Measurement 2: raw TCP throughput between two loopback sockets (the ceiling for any client).
///
/// A writer thread sends 256 KB chunks, a reader thread receives into a 256 KB buffer; blocking
/// POSIX sockets, TCP_NODELAY, so nothing but the kernel's loopback path sits between them.
enum LoopbackBench {
    static func run(_ args: Args) async throws {
        let seconds = try args.double("seconds", 2)
        let repetitions = try args.int("repetitions", 3)
        var runs: [Double] = []
        for repetition in 1...repetitions {
            runs.append(try measure(seconds: seconds))
            note("loopback #\(repetition): \(Int(runs.last!)) MB/s")
        }
        try emit(["loopback_mb_s": Measure.quantile(runs, 0.5), "runs": runs])
    }

    static func measure(seconds: Double) throws -> Double {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(listener, raw, length) == 0, listen(listener, 1) == 0,
                      getsockname(listener, raw, &length) == 0 else { throw BenchFailure("loopback: bind/listen failed") }
            }
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard connect(client, raw, length) == 0 else { throw BenchFailure("loopback: connect failed") }
            }
        }
        let server = accept(listener, nil, nil)
        guard server >= 0 else { throw BenchFailure("loopback: accept failed") }
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))

        let chunk = 256 * 1024
        let deadline = Measure.now() + UInt64(seconds * 1e9)
        let writer = Thread {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
            memset(buffer, 1, chunk)
            while Measure.now() < deadline {
                if write(client, buffer, chunk) <= 0 { break }
            }
            shutdown(client, Int32(SHUT_WR))
            buffer.deallocate()
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        let start = Measure.now()
        writer.start()
        var received = 0
        while true {
            let count = read(server, buffer, chunk)
            if count <= 0 { break }
            received += count
        }
        let elapsed = Measure.seconds(since: start)
        close(server)
        close(client)
        return Double(received) / elapsed / 1e6
    }
}
