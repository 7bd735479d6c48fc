import Synchronization

/// Fans values out to any number of `AsyncStream` listeners; each listener keeps the newest
/// `bufferSize` values if it falls behind, so a slow reader never grows memory without bound.
final class EventBroadcaster<Value: Sendable>: Sendable {
    private struct State {
        var nextID = 0
        var continuations: [Int: AsyncStream<Value>.Continuation] = [:]
        var finished = false
    }

    private let state = Mutex(State())
    private let bufferSize: Int

    init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    /// A new stream of every value yielded from now on.
    func stream() -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream<Value>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            state.nextID += 1
            state.continuations[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func yield(_ value: Value) {
        let listeners = state.withLock { Array($0.continuations.values) }
        for listener in listeners { listener.yield(value) }
    }

    func finish() {
        let listeners = state.withLock { state in
            state.finished = true
            defer { state.continuations.removeAll() }
            return Array(state.continuations.values)
        }
        for listener in listeners { listener.finish() }
    }
}
