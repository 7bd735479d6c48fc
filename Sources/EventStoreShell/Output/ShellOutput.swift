import EventStoreWire

/// What a command produces, for the plain REPL (lines) and the TUI (panes) alike.
public enum ShellOutputItem: Sendable {
    /// A result: `human` for people, `json` for `--json` (one JSON Lines object).
    case result(human: String, json: JSONValue)
    /// An event read or tailed; `tail` is the tail's id for live events.
    case event(EventView, tail: Int?)
    /// A tail began: emitted before any of its events or state changes. A result for the REPL and
    /// `--json`; the TUI opens the tail's pane under the tail's own name (`$all`, not an event's stream).
    case tailStarted(id: Int, stream: String)
    /// A note for people only (e.g. "no events"); in JSON mode it becomes `{"note": …}`.
    case note(String)
    /// A tail went live or fell back to catching up; shown like a note, and the TUI marks the tail.
    case tailState(TailStateChange)
    /// A failure: one line, `command: what failed and why`.
    case error(String)
}

/// A running tail switched between catching up and live.
public struct TailStateChange: Sendable, Equatable {
    /// The tail's id (as in `untail ID`).
    public var id: Int
    /// What it follows: a stream or `$all`.
    public var stream: String
    /// `true`: caught up, events arrive live; `false`: reading history again.
    public var isLive: Bool
    /// Why it fell behind, when it did.
    public var reason: String?

    /// A change of tail `id` on `stream`.
    public init(id: Int, stream: String, isLive: Bool, reason: String? = nil) {
        self.id = id
        self.stream = stream
        self.isLive = isLive
        self.reason = reason
    }

    /// The note shown for it: `tail 1 on orders-1: live` or `…: catching up again (reason)`.
    public var text: String {
        isLive ? "tail \(id) on \(stream): live" : "tail \(id) on \(stream): catching up again (\(reason ?? "unknown"))"
    }
}

/// Receives a session's output.
public protocol ShellSink: Sendable {
    func emit(_ item: ShellOutputItem)
}

/// Renders output as lines: human tables and text, or JSON Lines.
public struct LineRenderer: Sendable {
    /// JSON Lines instead of human text.
    public var json: Bool
    /// ANSI colours in human text.
    public var color: Bool

    /// A renderer for JSON Lines or human text, coloured or not.
    public init(json: Bool, color: Bool) {
        self.json = json
        self.color = color
    }

    /// The text for stdout, or `nil` when the item goes to stderr only.
    public func stdout(_ item: ShellOutputItem) -> String? {
        switch item {
        case .result(let human, let value): return json ? value.compactText : human
        case .event(let event, let tail):
            if json { return event.json.compactText }
            return (tail.map { paint("[\($0)] ", "2") } ?? "") + line(for: event)
        case .tailStarted(let id, let stream):
            return json ? Self.tailStartedJSON(id: id, stream: stream).compactText : Self.tailStartedText(id: id, stream: stream)
        case .note(let text): return note(text)
        case .tailState(let change): return note(change.text)
        case .error: return nil
        }
    }

    /// `tail 1 following orders-1 (untail 1 to stop)`.
    public static func tailStartedText(id: Int, stream: String) -> String {
        "tail \(id) following \(stream) (untail \(id) to stop)"
    }

    static func tailStartedJSON(id: Int, stream: String) -> JSONValue {
        .object([("tail", .int(Int64(id))), ("stream", .string(stream))])
    }

    private func note(_ text: String) -> String {
        json ? JSONValue.object([("note", .string(text))]).compactText : paint(text, "2")
    }

    /// The text for stderr.
    public func stderr(_ item: ShellOutputItem) -> String? {
        if case .error(let text) = item { return color ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
        return nil
    }

    /// One table line: `stream#number  time  type  data`.
    public func line(for event: EventView) -> String {
        let name = TerminalText.fit("\(TerminalText.sanitize(event.stream))#\(event.number)", 24)
        let type = TerminalText.fit(TerminalText.sanitize(event.type), 20)
        return paint(name, "36") + " " + paint(event.timeOfDay, "2") + " " + paint(type, "33") + " "
            + String(event.dataSummary.prefix(160))
    }

    func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
