import Foundation
import Synchronization

/// Hands events from any thread to the UI thread: a locked queue plus a self-pipe that wakes `poll()`.
final class Mailbox: Sendable {
    let readFD: Int32
    let writeFD: Int32
    private let queue = Mutex<[TUIEvent]>([])

    /// Control bytes written to the pipe besides the plain wake-up.
    enum Signal {
        static let wake: UInt8 = 1
        static let resize = UInt8(ascii: "W")
        static let terminate = UInt8(ascii: "T")
    }

    init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Queues an event; wakes the UI thread only when the queue was empty (one wake-up per batch).
    func post(_ event: TUIEvent) {
        let wasEmpty = queue.withLock { queue in
            defer { queue.append(event) }
            return queue.isEmpty
        }
        if wasEmpty { wake(Signal.wake) }
    }

    func wake(_ byte: UInt8) {
        var byte = byte
        _ = write(writeFD, &byte, 1)
    }

    /// Empties the pipe (first, so a racing post is never lost), then takes the queued events.
    func drain() -> (events: [TUIEvent], signals: Set<UInt8>) {
        var signals = Set<UInt8>()
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let count = read(readFD, &buffer, buffer.count)
            guard count > 0 else { break }
            signals.formUnion(buffer[0..<count])
        }
        let events = queue.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        return (events, signals)
    }
}
