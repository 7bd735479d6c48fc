/// Polls `condition` every `interval` until it holds or `timeout` has passed; returns whether it held.
/// The condition is checked once more at the deadline, so a slow last step is not lost.
///
/// ```swift
/// #expect(try await eventually { await client.phase == .connected(node) })
/// ```
public func eventually(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}

/// Runs `attempt` until it succeeds, every `interval` until `timeout` has passed; then its error.
///
/// ```swift
/// node = try await retrying { try await EventStoreNodeServer.start(configuration) }
/// ```
public func retrying<T>(
    for timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(100),
    _ attempt: () async throws -> T
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        do {
            return try await attempt()
        } catch where ContinuousClock.now < deadline {
            try await Task.sleep(for: interval)
        }
    }
}
