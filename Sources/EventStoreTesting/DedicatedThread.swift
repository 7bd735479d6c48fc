import Foundation

/// Runs blocking work — a child process, `waitpid`, a `read` on a pipe, `usleep` — on a thread of
/// its own and awaits its result.
///
/// Swift's cooperative pool has one thread per core: two on a 2-core CI machine. A test that blocks
/// one of them (waiting for `openssl`, polling tmux) halves the speed of every other test running
/// beside it, and two such tests stop them all for seconds. Blocking calls in tests go through here.
///
/// ```swift
/// let status = try await runOnDedicatedThread { Spawn.wait(pid) }
/// ```
public func runOnDedicatedThread<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Swift.Result { try work() })
        }
        thread.name = "esdb-test-blocking"
        thread.start()
    }
}
