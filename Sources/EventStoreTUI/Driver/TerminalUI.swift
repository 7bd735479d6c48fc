import EventStoreShell
import Foundation
import Synchronization

/// The full-screen terminal UI: curses panes and a readline prompt over a ``ShellSession``.
///
/// One dedicated UI thread owns curses and readline and runs a `poll()` loop; the session, the
/// client watcher and background loads run in Swift concurrency and post to a mailbox.
///
/// ```swift
/// let tui = TerminalUI(options: TerminalUIOptions(historyPath: path))
/// options.confirm = tui.confirm
/// let session = ShellSession(client: client, sink: tui.sink, options: options)
/// let failed = await tui.run(session: session) ?? runPlainREPL()
/// ```
public final class TerminalUI: Sendable {
    let mailbox = Mailbox()
    let options: TerminalUIOptions
    let confirmations = Mutex<[CheckedContinuation<Bool, Never>]>([])
    let commands: AsyncStream<String>
    let commandInput: AsyncStream<String>.Continuation

    /// A UI that has not started yet; hand ``sink`` and ``confirm`` to the session, then call ``run(session:)``.
    public init(options: TerminalUIOptions) {
        self.options = options
        (commands, commandInput) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
    }

    /// Whether the full-screen UI fits this process: stdin and stdout are terminals and TERM is set and not `dumb`.
    public static func isUsable(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return false }
        guard let term = environment["TERM"], !term.isEmpty, term != "dumb" else { return false }
        return true
    }

    /// Where the session's output goes: into the panes.
    public var sink: any ShellSink { TUISink(mailbox: mailbox) }

    /// The confirmation hook for destructive commands: a y/N question in the key-hint bar.
    public var confirm: @Sendable (String) async -> Bool {
        { [self] question in
            await withCheckedContinuation { continuation in
                self.confirmations.withLock { $0.append(continuation) }
                self.mailbox.post(.confirm(question))
            }
        }
    }

    func answer(_ yes: Bool) {
        let continuation = confirmations.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        continuation?.resume(returning: yes)
    }

    func answerAll(_ yes: Bool) {
        let waiting = confirmations.withLock { list in
            defer { list.removeAll() }
            return list
        }
        for continuation in waiting { continuation.resume(returning: yes) }
    }

    /// Runs the UI until the user quits. Returns whether the last command failed, or `nil` when
    /// the terminal cannot run curses (the caller falls back to the plain REPL).
    public func run(session: ShellSession) async -> Bool? {
        let background = BackgroundWork(session: session, mailbox: mailbox, commands: commands,
                                        streamsChanged: options.streamsChanged)
        let tasks = background.start()
        let result: Bool? = await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                let loop = UILoop(ui: self, session: session)
                continuation.resume(returning: loop.run())
            }
            thread.name = "esdb-tui"
            thread.stackSize = 8 << 20
            thread.start()
        }
        commandInput.finish()
        answerAll(false)
        for task in tasks { task.cancel() }
        return result
    }
}

/// How the terminal UI looks and where it keeps history.
public struct TerminalUIOptions: Sendable {
    /// Use colours (off for NO_COLOR / --no-color).
    public var color = true
    /// The readline history file.
    public var historyPath: String
    /// The first line of the output pane.
    public var banner = ""
    /// Called with fresh stream names (e.g. for Tab completion).
    public var streamsChanged: (@Sendable ([String]) -> Void)?
    /// Where stderr goes while the screen is up (it would corrupt the screen); `/dev/null` by default.
    public var stderrPath = "/dev/null"

    /// Options with colour on and stderr discarded while the screen is up.
    public init(historyPath: String) {
        self.historyPath = historyPath
    }
}
