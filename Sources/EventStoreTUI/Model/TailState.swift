import EventStoreShell
import Foundation

/// One event as a tail pane shows it.
struct TailEntry: Sendable {
    var event: EventView
    var verdict: SequenceCheck.Verdict
    /// The line shown (sanitised).
    var line: String
}

/// A live subscription's pane: a bounded window of events, caught-up state, rate, sequence check, pause.
struct TailState {
    let id: Int
    var target: String
    /// Whether the subscription has caught up and is receiving live events.
    var isLive = false
    /// Whether the view is frozen (events still arrive and are counted).
    private(set) var paused = false
    /// Events that arrived (and passed the filter) since the view was paused.
    private(set) var newWhilePaused = 0
    private(set) var received = 0
    var rate = EventRate()
    var check = SequenceCheck()
    var list: ListPane<TailEntry>

    init(id: Int, target: String, capacity: Int = 1000) {
        self.id = id
        self.target = target
        list = ListPane(capacity: capacity, follow: true) { $0.line }
    }

    /// Adds events that arrived at `time`.
    mutating func receive(_ events: [EventView], at time: TimeInterval) {
        guard !events.isEmpty else { return }
        received += events.count
        rate.record(events.count, at: time)
        let entries = events.map { event -> TailEntry in
            let verdict = check.check(stream: event.stream, number: event.number)
            return TailEntry(event: event, verdict: verdict, line: Self.line(for: event, verdict: verdict))
        }
        let shown = list.append(contentsOf: entries)
        if paused { newWhilePaused += shown }
    }

    /// Freezes the view; arrivals are counted as "N new".
    mutating func pause() {
        paused = true
        list.follow = false
        newWhilePaused = 0
    }

    /// Follows the newest event again.
    mutating func resume() {
        paused = false
        newWhilePaused = 0
        list.follow = true
        list.jump(toEnd: true)
    }

    /// The pane title: id, target, state, rate, sequence check, pause state.
    func title(at time: TimeInterval) -> String {
        var parts = ["Tail \(id) \(TerminalText.sanitize(target))"]
        if paused { parts.append("PAUSED \(newWhilePaused) new") }
        parts += [isLive ? "[live]" : "[catching up]", String(format: "%.1f ev/s", rate.perSecond(at: time)),
                  "gaps \(check.gaps) dups \(check.duplicates)"]
        if let filter = list.filter { parts.append("/\(filter.source)") }
        return parts.joined(separator: " ")
    }

    static func line(for event: EventView, verdict: SequenceCheck.Verdict) -> String {
        let mark: String
        switch verdict {
        case .gap(let missing): mark = " !gap(\(missing))"
        case .duplicate: mark = " !dup"
        case .first, .next: mark = ""
        }
        return "\(TerminalText.sanitize(event.stream))#\(event.number) \(event.timeOfDay) \(TerminalText.sanitize(event.type))\(mark) "
            + String(event.dataSummary.prefix(200))
    }
}
