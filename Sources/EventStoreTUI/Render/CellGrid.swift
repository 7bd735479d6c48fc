/// How a cell is drawn; the curses layer maps styles to colours and attributes.
enum CellStyle: UInt8, Sendable, CaseIterable {
    case normal, header, headerBad, title, focusedTitle, selected, selectedUnfocused, dim, error, good, warn, hint, popup
}

/// One screen cell: a character (width 1 or 2) or the right half of a wide one (`nil`).
struct Cell: Equatable, Sendable {
    var character: Character?
    var style: CellStyle

    static let blank = Cell(character: " ", style: .normal)
}

/// A screen as rows of cells, built by ``ScreenRenderer`` and painted by curses (or read by tests).
struct CellGrid: Sendable {
    let rows: Int
    let columns: Int
    private(set) var cells: [Cell]

    init(rows: Int, columns: Int) {
        self.rows = max(0, rows)
        self.columns = max(0, columns)
        cells = Array(repeating: .blank, count: self.rows * self.columns)
    }

    subscript(row: Int, column: Int) -> Cell {
        cells[row * columns + column]
    }

    /// Writes `text` at a position, cut at `width` columns (default: to the right edge); returns the columns used.
    @discardableResult
    mutating func put(_ text: String, row: Int, column: Int, width: Int? = nil, style: CellStyle = .normal) -> Int {
        guard row >= 0, row < rows, column >= 0, column < columns else { return 0 }
        let limit = min(columns, column + max(0, width ?? columns))
        var x = column
        for character in text {
            let cellWidth = TextWidth.of(character)
            guard cellWidth > 0 else { continue }
            if x + cellWidth > limit { break }
            cells[row * columns + x] = Cell(character: character, style: style)
            if cellWidth == 2 { cells[row * columns + x + 1] = Cell(character: nil, style: style) }
            x += cellWidth
        }
        return x - column
    }

    /// Fills a rectangle with blanks of a style.
    mutating func fill(_ rect: Rect, style: CellStyle = .normal) {
        for row in max(0, rect.row)..<min(rows, rect.row + rect.height) {
            for column in max(0, rect.column)..<min(columns, rect.column + rect.width) {
                cells[row * columns + column] = Cell(character: " ", style: style)
            }
        }
    }

    /// One row as text (wide characters once), trailing blanks trimmed.
    func text(row: Int) -> String {
        guard row >= 0, row < rows else { return "" }
        var line = ""
        for column in 0..<columns {
            if let character = self[row, column].character { line.append(character) }
        }
        while line.last == " " { line.removeLast() }
        return line
    }

    /// The whole screen as text, one line per row.
    var text: String { (0..<rows).map { text(row: $0) }.joined(separator: "\n") }
}

/// A rectangle of cells.
struct Rect: Equatable, Sendable {
    var row: Int
    var column: Int
    var height: Int
    var width: Int

    init(row: Int, column: Int, height: Int, width: Int) {
        self.row = row
        self.column = column
        self.height = max(0, height)
        self.width = max(0, width)
    }
}
