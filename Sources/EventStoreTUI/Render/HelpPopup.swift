import EventStoreShell

/// The help popup: keys of the TUI and the commands, drawn over the middle of the screen.
enum HelpPopup {
    static let keys = [
        "Keys",
        "  Tab / Shift-Tab   next / previous pane (Tab completes when the prompt has text)",
        "  F2..F7            prompt, streams, events, detail, tails, output",
        "  ↑ ↓ PgUp PgDn     move in the focused pane     Home/End  first/last",
        "  Enter             open: stream → events, event → detail",
        "  /                 filter the focused list or tail (regex, ! negates; Esc clears)",
        "  p / f             pause / follow the selected tail      ← →  other tail",
        "  [ ]               previous / next page of events",
        "  q                 quit (when the prompt is empty)     F1 or ?  this help",
        "",
    ]

    static func draw(on grid: inout CellGrid) {
        let commands = (ShellHelp.text(for: nil) ?? "").split(separator: "\n").map { "  " + String($0) }
        let lines = keys + commands + ["", "any key closes this help"]
        let width = min(grid.columns - 2, max(40, lines.map(TextWidth.of).max() ?? 40) + 4)
        let height = min(grid.rows - 2, lines.count + 2)
        guard width > 10, height > 3 else { return }
        let rect = Rect(row: (grid.rows - height) / 2, column: (grid.columns - width) / 2, height: height, width: width)
        grid.fill(rect, style: .popup)
        grid.put(" Help ", row: rect.row, column: rect.column + 2, style: .focusedTitle)
        for (offset, line) in lines.prefix(height - 2).enumerated() {
            grid.put(line, row: rect.row + 1 + offset, column: rect.column + 2, width: width - 4, style: .popup)
        }
    }
}
