import Dispatch
import Foundation
import Synchronization

/// Waits for SIGINT or SIGTERM without killing the process, so shutdown can run.
enum SignalWaiter {
    /// Returns the name of the first termination signal received.
    static func waitForTermination() async -> String {
        let queue = DispatchQueue(label: "esdb.signals")
        let pending = PendingSignal()
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { pending.fire(name) }
            source.resume()
            sources.append(source)
        }
        let name = await withCheckedContinuation { pending.wait(with: $0) }
        sources.forEach { $0.cancel() }
        return name
    }
}

/// A signal that may arrive before or after someone waits for it.
private final class PendingSignal: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<String, Never>)
        case fired(String)
        case done
    }

    private let state = Mutex(State.idle)

    func wait(with continuation: CheckedContinuation<String, Never>) {
        let fired: String? = state.withLock { state in
            if case .fired(let name) = state {
                state = .done
                return name
            }
            state = .waiting(continuation)
            return nil
        }
        if let fired { continuation.resume(returning: fired) }
    }

    func fire(_ name: String) {
        let waiter: CheckedContinuation<String, Never>? = state.withLock { state in
            switch state {
            case .idle:
                state = .fired(name)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .fired, .done:
                return nil
            }
        }
        waiter?.resume(returning: name)
    }
}
