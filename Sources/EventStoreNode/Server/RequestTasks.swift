import Synchronization

/// The tasks the node starts for requests (reads, deletes, transactions, subscribes): owned by the
/// server, which cancels and awaits every one of them when it shuts down, so none outlives it.
final class RequestTasks: Sendable {
    private struct State {
        var running: [Int: Task<Void, Never>] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())

    /// Starts `work` as an owned task; after ``shutdown()`` nothing starts.
    func run(_ work: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            guard !state.closed else { return }
            let id = state.nextID
            state.nextID += 1
            state.running[id] = Task { [weak self] in
                await work()
                self?.finished(id)
            }
        }
    }

    /// Tasks still running.
    var count: Int { state.withLock { $0.running.count } }

    private func finished(_ id: Int) {
        _ = state.withLock { $0.running.removeValue(forKey: id) }
    }

    /// Refuses new tasks, cancels the running ones and waits until they have ended.
    func shutdown() async {
        let running = state.withLock { state in
            state.closed = true
            return Array(state.running.values)
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}
