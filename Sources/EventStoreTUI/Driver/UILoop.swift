import EventStoreShell
import Foundation

/// The UI thread: a `poll()` loop over stdin and the mailbox pipe that owns curses and readline.
final class UILoop {
    let ui: TerminalUI
    let background: BackgroundWork
    var state = AppState()
    var quitting = false
    var lastFailed = false
    var dirty = true
    var lastDraw = 0.0
    /// Redraws for mailbox events happen at most this often (keys redraw at once).
    static let frameInterval = 1.0 / 30

    init(ui: TerminalUI, session: ShellSession) {
        self.ui = ui
        background = BackgroundWork(session: session, mailbox: ui.mailbox, commands: ui.commands,
                                    streamsChanged: ui.options.streamsChanged)
    }

    static var now: TimeInterval { Date().timeIntervalSince1970 }

    /// Runs until quit; `nil` when curses could not start.
    func run() -> Bool? {
        setlocale(LC_ALL, "")
        Signals.install(writeFD: ui.mailbox.writeFD)
        guard let screen = CursesScreen(color: ui.options.color) else {
            Signals.restore()
            return nil
        }
        let savedStderr = redirectStderr()
        let size = screen.size
        let readline = ReadlineBridge(historyPath: ui.options.historyPath, rows: size.rows, columns: size.columns)
        if !ui.options.banner.isEmpty { state.output.append(contentsOf: [OutputLine(ui.options.banner, .note)]) }
        state.output.append(contentsOf: [OutputLine("Type 'help' for commands, 'demo --live' for live sample data; F1 shows the keys.", .note)])
        syncPrompt(readline)
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: ui.mailbox.readFD, events: Int16(POLLIN), revents: 0)]
        while !quitting {
            let wait: Int32 = dirty ? Int32(max(0, (lastDraw + Self.frameInterval - Self.now) * 1000)) : 1000
            let ready = poll(&fds, 2, wait)
            if ready == 0 { dirty = true }
            if fds[1].revents != 0 { takeMail(screen: screen, readline: readline) }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                handleKeys(screen.readKeys(), readline: readline)
                if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 { quitting = true }
                draw(screen)
            }
            if dirty, Self.now - lastDraw >= Self.frameInterval { draw(screen) }
        }
        readline.remove()
        screen.end()
        restoreStderr(savedStderr)
        Signals.restore()
        return lastFailed
    }

    private func draw(_ screen: CursesScreen) {
        let size = screen.size
        screen.paint(ScreenRenderer.render(&state, rows: size.rows, columns: size.columns, now: Self.now))
        dirty = false
        lastDraw = Self.now
    }

    private func takeMail(screen: CursesScreen, readline: ReadlineBridge) {
        let (events, signals) = ui.mailbox.drain()
        if signals.contains(Mailbox.Signal.terminate) { quitting = true }
        if signals.contains(Mailbox.Signal.resize) {
            screen.resizeToTerminal()
            let size = screen.size
            readline.resize(rows: size.rows, columns: size.columns)
        }
        for event in events {
            if case .commandFinished(let outcome) = event {
                if outcome == .quit { quitting = true }
                lastFailed = outcome == .failed
            }
        }
        state.apply(events, at: Self.now)
        dirty = true
    }

    private func handleKeys(_ keys: [Key], readline: ReadlineBridge) {
        var pending: [UInt8] = []
        for key in keys {
            // Text typed at the prompt is batched, so readline sees whole UTF-8 sequences at once.
            if case .byte = key, state.focus == .prompt, state.filterInput == nil, state.confirmQuestion == nil,
               !state.helpVisible {
                pending.append(contentsOf: key.readlineBytes)
                continue
            }
            flush(&pending, readline)
            for action in state.handle(key, promptEmpty: state.promptText.isEmpty) {
                perform(action, readline: readline, pending: &pending)
            }
            flush(&pending, readline)
            if quitting { return }
        }
        flush(&pending, readline)
    }

    private func perform(_ action: TUIAction, readline: ReadlineBridge, pending: inout [UInt8]) {
        switch action {
        case .readline(let bytes): pending.append(contentsOf: bytes)
        case .loadEvents(let stream, let from): background.loadEvents(stream: stream, from: from)
        case .refreshStreams: Task { [background] in await background.refreshStreams() }
        case .confirm(let yes): ui.answer(yes)
        case .quit: quitting = true
        }
    }

    private func flush(_ pending: inout [UInt8], _ readline: ReadlineBridge) {
        guard !pending.isEmpty else { return }
        let lines = readline.feed(pending)
        pending.removeAll()
        for line in lines {
            guard let line else {
                quitting = true
                return
            }
            readline.remember(line)
            state.echoInput(line)
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { ui.commandInput.yield(line) }
        }
        let listing = readline.takeCompletionListing()
        if !listing.isEmpty {
            state.output.append(contentsOf: [OutputLine("completions: " + listing.map(TerminalText.sanitize).joined(separator: "  "), .note)])
        }
        syncPrompt(readline)
    }

    private func syncPrompt(_ readline: ReadlineBridge) {
        let line = readline.line
        state.promptLabel = TerminalText.sanitize(line.prompt)
        state.promptText = line.text
        state.promptCursor = line.cursor
        dirty = true
    }

    /// Points stderr elsewhere while the screen is up (log lines would corrupt it); returns the saved descriptor.
    private func redirectStderr() -> Int32 {
        let saved = dup(STDERR_FILENO)
        let target = open(ui.options.stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if target >= 0 {
            dup2(target, STDERR_FILENO)
            close(target)
        }
        return saved
    }

    private func restoreStderr(_ saved: Int32) {
        guard saved >= 0 else { return }
        dup2(saved, STDERR_FILENO)
        close(saved)
    }
}
