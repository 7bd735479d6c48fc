import EventStoreClient
import EventStoreShell
import Foundation

/// Everything the screen shows, independent of curses: the TUI renders from it and unit tests drive it.
struct AppState {
    var header = HeaderState()
    var focus: PaneID = .prompt
    var streams = ListPane<String>(capacity: 5000) { $0 }
    var events = ListPane<EventView>(capacity: 500) { AppState.eventLine($0) }
    /// The stream shown in the events pane.
    var eventsStream: String?
    /// The detail pane's lines and first shown line.
    var detail: [String] = ["(select an event and press Enter)"]
    var detailTop = 0
    /// How many screen rows the detail takes with its long lines wrapped (set when drawn).
    var detailRowCount = 0
    var tails: [TailState] = []
    /// Index into `tails` of the tail the keys act on.
    var selectedTail = 0
    var output = ListPane<OutputLine>(capacity: 2000, follow: true) { $0.text }
    var log = ListPane<String>(capacity: 500, follow: true) { $0 }
    /// The prompt line as readline has it, and the cursor's offset in characters.
    /// What the prompt line shows before the text: `esdb> `, or readline's search prompt during Ctrl-R.
    var promptLabel = AppState.prompt
    /// The command prompt.
    static let prompt = "esdb> "
    var promptText = ""
    var promptCursor = 0
    /// The `/` filter being typed, and the pane it is for.
    var filterInput: String?
    var filterTarget: PaneID = .streams
    var filterBytes: [UInt8] = []
    /// The question of a destructive command waiting for y/n.
    var confirmQuestion: String?
    var helpVisible = false
    /// A short message in the key-hint bar (e.g. a bad filter).
    var message: String?
    /// Rows each pane had at the last render, for paging.
    var paneHeights: [PaneID: Int] = [:]
    /// Pane body widths as last drawn (for paging through wrapped lines).
    var paneWidths: [PaneID: Int] = [:]
    /// Tail capacity (events kept per tail pane).
    var tailCapacity = 1000

    /// Events per page of the events pane.
    static let pageSize = 100

    init() {}

    static func eventLine(_ event: EventView) -> String {
        "#\(event.number) \(event.timeOfDay) \(TerminalText.sanitize(event.type)) \(event.dataSummary.prefix(200))"
    }

    /// The tail keys act on, if any.
    var currentTail: TailState? { tails.indices.contains(selectedTail) ? tails[selectedTail] : nil }

    // MARK: Incoming events

    /// Applies a batch of events posted to the UI at `time`.
    mutating func apply(_ batch: [TUIEvent], at time: TimeInterval) {
        var index = 0
        while index < batch.count {
            // Group consecutive events of one tail, so a fast tail costs one append per batch.
            if case .output(.event(let first, let tail?)) = batch[index] {
                var views = [first]
                var next = index + 1
                while next < batch.count, case .output(.event(let view, let other?)) = batch[next], other == tail {
                    views.append(view)
                    next += 1
                }
                receiveTail(tail, views, at: time)
                index = next
                continue
            }
            apply(batch[index], at: time)
            index += 1
        }
    }

    /// Applies one event.
    mutating func apply(_ event: TUIEvent, at time: TimeInterval) {
        switch event {
        case .output(let item): show(item, at: time)
        case .client(let clientEvent): record(clientEvent)
        case .phase(let phase):
            header.update(phase)
            log.append(contentsOf: ["\(Self.clock(Date())) \(phase)"])
        case .connection(let node, let user):
            header.node = node
            header.user = user
        case .inFlight(let count): header.inFlight = count
        case .streams(let names):
            let selected = streams.selected
            streams.replace(with: names)
            if let selected, let index = (0..<streams.visibleCount).first(where: { streams.item(atVisible: $0) == selected }) {
                streams.move(by: index - streams.cursor)
            }
        case .eventsPage(let stream, let page):
            if page.isEmpty, eventsStream == stream, events.visibleCount > 0 {
                message = "no more events in \(TerminalText.sanitize(stream)) that way"
                return
            }
            eventsStream = stream
            events.replace(with: page)
        case .eventsFailed(let stream, let text):
            message = "\(TerminalText.sanitize(stream)): \(TerminalText.sanitize(text))"
        case .runningTails(let running): syncTails(running)
        case .confirm(let question): confirmQuestion = TerminalText.sanitize(question)
        case .commandFinished: break
        }
    }

    mutating func record(_ event: ClientEvent) {
        switch event {
        case .phaseChanged(let phase, let date):
            header.update(phase)
            log.append(contentsOf: ["\(Self.clock(date)) \(phase)"])
        case .heartbeatRoundTrip(let rtt): header.roundTrip = rtt
        case .authenticationFailed(let reason): log.append(contentsOf: ["authentication failed: \(reason)"])
        case .operationRetried(let command, let attempt, let reason):
            log.append(contentsOf: ["retry \(command) #\(attempt): \(reason)"])
        case .redirected(let endpoint): log.append(contentsOf: ["redirected to \(endpoint)"])
        }
    }

    static func clock(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970) % 86_400
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    mutating func show(_ item: ShellOutputItem, at time: TimeInterval) {
        switch item {
        case .result(let human, _):
            output.append(contentsOf: human.split(separator: "\n", omittingEmptySubsequences: false).map {
                OutputLine(TerminalText.sanitize(String($0)), .result)
            })
        case .event(let view, let tail?): receiveTail(tail, [view], at: time)
        case .tailStarted(let id, let stream):
            _ = tailIndex(id, target: stream)
            output.append(contentsOf: [OutputLine(TerminalText.sanitize(LineRenderer.tailStartedText(id: id, stream: stream)), .result)])
        case .event(let view, nil): output.append(contentsOf: [OutputLine(LineRenderer(json: false, color: false).line(for: view), .event)])
        case .note(let text):
            output.append(contentsOf: [OutputLine(TerminalText.sanitize(text), .note)])
        case .tailState(let change):
            tails[tailIndex(change.id, target: change.stream)].isLive = change.isLive
            output.append(contentsOf: [OutputLine(TerminalText.sanitize(change.text), .note)])
        case .error(let text): output.append(contentsOf: [OutputLine(TerminalText.sanitize(text), .error)])
        }
    }

    /// A lifecycle line as the pane shows it (drawing and paging wrap this text).
    static func logText(_ line: String) -> String { TerminalText.sanitize(line) }

    /// Adds a line the user typed to the output pane.
    mutating func echoInput(_ line: String) {
        // Echoed after the command prompt even when the line was found with Ctrl-R, as readline shows it.
        output.append(contentsOf: [OutputLine(TerminalText.sanitize(Self.prompt + line), .input)])
    }

    mutating func receiveTail(_ id: Int, _ views: [EventView], at time: TimeInterval) {
        let index = tailIndex(id, target: views.first?.stream ?? "?")
        tails[index].receive(views, at: time)
    }

    mutating func tailIndex(_ id: Int, target: String) -> Int {
        if let index = tails.firstIndex(where: { $0.id == id }) { return index }
        tails.append(TailState(id: id, target: target, capacity: tailCapacity))
        selectedTail = tails.count - 1
        return tails.count - 1
    }

    mutating func syncTails(_ running: [TailInfo]) {
        let ids = Set(running.map(\.id))
        tails.removeAll { !ids.contains($0.id) }
        for info in running {
            let index = tailIndex(info.id, target: info.target)
            tails[index].target = info.target
        }
        selectedTail = min(selectedTail, max(0, tails.count - 1))
    }

    /// Shows an event in the detail pane.
    mutating func openDetail(_ event: EventView) {
        detail = event.detail.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        detailTop = 0
    }
}
