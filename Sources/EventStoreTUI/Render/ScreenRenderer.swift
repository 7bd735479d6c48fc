import EventStoreShell
import Foundation

/// A rendered screen and where the terminal cursor goes (readline's point in the prompt).
struct Frame: Sendable {
    var grid: CellGrid
    var cursorRow: Int
    var cursorColumn: Int
}

/// Renders an ``AppState`` into a ``CellGrid``. Pure: no curses, so tests can read the screen.
enum ScreenRenderer {
    /// Renders the state for a terminal of `rows` × `columns` at `now` (for tail rates).
    /// Scroll positions in `state` are adjusted so each cursor stays visible.
    static func render(_ state: inout AppState, rows: Int, columns: Int, now: TimeInterval) -> Frame {
        var grid = CellGrid(rows: rows, columns: columns)
        guard rows > 0, columns > 0 else { return Frame(grid: grid, cursorRow: 0, cursorColumn: 0) }
        let layout = Layout(rows: rows, columns: columns)
        grid.fill(layout.header, style: state.header.isConnected ? .header : .headerBad)
        grid.put(" " + TerminalText.sanitize(state.header.text), row: 0, column: 0,
                 style: state.header.isConnected ? .header : .headerBad)
        for (pane, rect) in layout.panes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            drawPane(pane, in: rect, state: &state, grid: &grid, now: now)
        }
        drawSeparators(layout, grid: &grid)
        drawHints(state, in: layout.hints, grid: &grid)
        let cursor = drawPrompt(state, in: layout.prompt, grid: &grid)
        if state.helpVisible { HelpPopup.draw(on: &grid) }
        return Frame(grid: grid, cursorRow: layout.prompt.row, cursorColumn: cursor)
    }

    static func drawPane(_ pane: PaneID, in rect: Rect, state: inout AppState, grid: inout CellGrid, now: TimeInterval) {
        guard rect.height > 0 else { return }
        let focused = state.focus == pane
        let body = Rect(row: rect.row + 1, column: rect.column, height: rect.height - 1, width: rect.width)
        state.paneHeights[pane] = body.height
        state.paneWidths[pane] = body.width
        switch pane {
        case .streams:
            title("Streams (\(state.streams.visibleCount))" + filterText(state.streams.filter), rect, focused, &grid)
            drawList(&state.streams, in: body, focused: focused, grid: &grid) { (TerminalText.sanitize($0), .normal) }
        case .events:
            let name = state.eventsStream.map { " " + TerminalText.sanitize($0) } ?? ""
            title("Events\(name) (\(state.events.visibleCount))" + filterText(state.events.filter), rect, focused, &grid)
            if state.eventsStream == nil {
                grid.put("(Enter on a stream shows its events)", row: body.row, column: body.column, width: body.width, style: .dim)
            }
            drawList(&state.events, in: body, focused: focused, grid: &grid) { (AppState.eventLine($0), .normal) }
        case .detail:
            title("Detail", rect, focused, &grid)
            let rows = state.detail.flatMap { TextWrap.rows($0, width: body.width) }
            state.detailRowCount = rows.count
            state.detailTop = min(state.detailTop, max(0, rows.count - body.height))
            for (offset, line) in rows.dropFirst(state.detailTop).prefix(body.height).enumerated() {
                grid.put(line, row: body.row + offset, column: body.column, width: body.width)
            }
        case .tails: TailPanes.draw(&state, in: rect, focused: focused, grid: &grid, now: now)
        case .output:
            title("Output" + filterText(state.output.filter), rect, focused, &grid)
            drawList(&state.output, in: body, focused: focused, wrap: true, grid: &grid) { line in
                switch line.kind {
                case .error: return (line.text, .error)
                case .note: return (line.text, .dim)
                case .input: return (line.text, .good)
                case .result, .event: return (line.text, .normal)
                }
            }
        case .log:
            title("Lifecycle" + filterText(state.log.filter), rect, focused, &grid)
            drawList(&state.log, in: body, focused: focused, wrap: true, grid: &grid) { (AppState.logText($0), .normal) }
        case .prompt: break
        }
    }

    static func filterText(_ filter: LineFilter?) -> String {
        filter.map { " /" + TerminalText.sanitize($0.source) } ?? ""
    }

    static func title(_ text: String, _ rect: Rect, _ focused: Bool, _ grid: inout CellGrid) {
        let style: CellStyle = focused ? .focusedTitle : .title
        grid.fill(Rect(row: rect.row, column: rect.column, height: 1, width: rect.width), style: style)
        grid.put(" " + text, row: rect.row, column: rect.column, width: rect.width, style: style)
    }

    /// Draws the visible window of a list; the selected item is highlighted when the pane has focus.
    /// With `wrap`, long lines go on over further rows (output and lifecycle lines: errors must be
    /// readable whole); else they are cut at the pane's edge.
    static func drawList<Item>(_ list: inout ListPane<Item>, in body: Rect, focused: Bool, wrap: Bool = false,
                               grid: inout CellGrid, line: (Item) -> (String, CellStyle)) {
        guard body.height > 0 else { return }
        func rows(_ text: String) -> [String] { wrap ? TextWrap.rows(text, width: body.width) : [text] }
        if wrap {
            list.reveal(height: body.height) { rows(line($0).0).count }
        } else {
            list.reveal(height: body.height)
        }
        var row = body.row
        var index = list.top
        while row < body.row + body.height, let item = list.item(atVisible: index) {
            var (text, style) = line(item)
            let selected = index == list.cursor && focused
            if selected { style = .selected }
            for piece in rows(text) where row < body.row + body.height {
                if selected { grid.fill(Rect(row: row, column: body.column, height: 1, width: body.width), style: style) }
                grid.put(piece, row: row, column: body.column, width: body.width, style: style)
                row += 1
            }
            index += 1
        }
    }

    static func drawSeparators(_ layout: Layout, grid: inout CellGrid) {
        var columns = Set<Int>()
        for rect in layout.panes.values where rect.column > 0 { columns.insert(rect.column - 1) }
        for column in columns {
            for row in 1..<max(1, layout.hints.row) { grid.put("│", row: row, column: column, width: 1, style: .dim) }
        }
    }

    static func drawHints(_ state: AppState, in rect: Rect, grid: inout CellGrid) {
        let (text, style): (String, CellStyle)
        if let question = state.confirmQuestion {
            (text, style) = ("\(question) [y/N]", .warn)
        } else if let filter = state.filterInput {
            (text, style) = ("filter \(state.filterTarget.title) (regex, ! negates, Enter applies, Esc clears): /\(TerminalText.sanitize(filter))", .warn)
        } else if let message = state.message {
            (text, style) = (message, .warn)
        } else {
            (text, style) = (hints(for: state.focus), .hint)
        }
        grid.fill(rect, style: style)
        grid.put(" " + text, row: rect.row, column: rect.column, width: rect.width, style: style)
    }

    static func hints(for focus: PaneID) -> String {
        let common = "Tab/S-Tab focus  F1 help"
        switch focus {
        case .prompt: return "\(common)  Enter run  Tab complete  PgUp/PgDn output  Ctrl-D quit"
        case .streams: return "\(common)  ↑↓ move  Enter open  / filter  r refresh  q quit"
        case .events: return "\(common)  ↑↓ move  Enter detail  [ ] page  / filter  q quit"
        case .detail: return "\(common)  ↑↓ PgUp/PgDn scroll  q quit"
        case .tails: return "\(common)  ↑↓ move  ←→ tail  p pause/follow  f follow  Enter detail  / filter  q quit"
        case .output, .log: return "\(common)  ↑↓ PgUp/PgDn scroll  / filter  Esc clear  q quit"
        }
    }

    /// Draws the prompt, scrolled sideways so the cursor stays visible; returns the cursor column.
    static func drawPrompt(_ state: AppState, in rect: Rect, grid: inout CellGrid) -> Int {
        let label = state.promptLabel
        let text = TerminalText.sanitize(state.promptText)
        let beforeCursor = String(text.prefix(state.promptCursor))
        var shown = Array(label + text)
        var cursor = TextWidth.of(label) + TextWidth.of(beforeCursor)
        while cursor >= rect.width - 1, !shown.isEmpty {
            cursor -= TextWidth.of(shown.removeFirst())
        }
        grid.put(String(shown), row: rect.row, column: rect.column, width: rect.width)
        return max(0, cursor)
    }
}
