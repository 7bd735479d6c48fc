import EventStoreShell
import Foundation
import Synchronization

/// Writes shell output to stdout/stderr, one item at a time (tails write concurrently).
final class LineSink: ShellSink {
    let renderer: LineRenderer
    private let lock = Mutex(())

    init(renderer: LineRenderer) {
        self.renderer = renderer
    }

    func emit(_ item: ShellOutputItem) {
        lock.withLock { _ in
            if let text = renderer.stdout(item) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
            if let text = renderer.stderr(item) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        }
    }
}
