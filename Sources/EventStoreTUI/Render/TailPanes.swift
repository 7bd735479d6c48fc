import Foundation

/// Draws the tails area: up to three tails stacked, each with its own title line.
enum TailPanes {
    static let maxShown = 3

    static func draw(_ state: inout AppState, in rect: Rect, focused: Bool, grid: inout CellGrid, now: TimeInterval) {
        guard !state.tails.isEmpty else {
            ScreenRenderer.title("Tails", rect, focused, &grid)
            grid.put("(no tails: type 'tail STREAM' or 'demo --live')", row: rect.row + 1, column: rect.column,
                     width: rect.width, style: .dim)
            state.paneHeights[.tails] = max(0, rect.height - 1)
            return
        }
        let count = min(maxShown, state.tails.count, max(1, rect.height / 2))
        let first = min(max(0, state.selectedTail - count + 1), state.tails.count - count)
        let height = rect.height / count
        for slot in 0..<count {
            let index = first + slot
            let top = rect.row + slot * height
            let sectionHeight = slot == count - 1 ? rect.height - slot * height : height
            let section = Rect(row: top, column: rect.column, height: sectionHeight, width: rect.width)
            let selected = index == state.selectedTail
            ScreenRenderer.title(state.tails[index].title(at: now), section, focused && selected, &grid)
            let body = Rect(row: top + 1, column: rect.column, height: sectionHeight - 1, width: rect.width)
            if selected { state.paneHeights[.tails] = body.height }
            ScreenRenderer.drawList(&state.tails[index].list, in: body, focused: focused && selected, grid: &grid) { entry in
                switch entry.verdict {
                case .gap, .duplicate: return (entry.line, .error)
                case .first, .next: return (entry.line, .normal)
                }
            }
        }
    }
}
