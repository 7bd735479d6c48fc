@preconcurrency import CNCursesW
import Foundation

/// The curses side: starting and ending the screen, colours, painting a ``Frame``, reading keys.
/// Used only on the UI thread.
final class CursesScreen {
    private var attributes: [CellStyle: Int32] = [:]

    /// Starts curses on the terminal, or returns `nil` when the terminal cannot address the cursor.
    init?(color: Bool) {
        var error: Int32 = 0
        guard setupterm(nil, STDOUT_FILENO, &error) == OK else { return nil }
        guard newterm(nil, fdopen(STDOUT_FILENO, "w"), fdopen(STDIN_FILENO, "r")) != nil else { return nil }
        raw()
        noecho()
        nonl()
        let screen = esdb_stdscr()
        keypad(screen, true)
        nodelay(screen, true)
        set_escdelay(25)
        setupAttributes(color: color && has_colors())
    }

    /// The screen size.
    var size: (rows: Int, columns: Int) {
        (Int(getmaxy(esdb_stdscr())), Int(getmaxx(esdb_stdscr())))
    }

    /// Follows a SIGWINCH: reads the new size and resizes curses (without queueing KEY_RESIZE).
    func resizeToTerminal() {
        var rows: Int32 = 0
        var columns: Int32 = 0
        guard esdb_tty_size(STDOUT_FILENO, &rows, &columns) == 0, rows > 0, columns > 0 else { return }
        if is_term_resized(rows, columns) { resize_term(rows, columns) }
        clearok(esdb_stdscr(), true)
    }

    /// Paints a frame (curses sends only what changed) and puts the cursor at the prompt.
    func paint(_ frame: Frame) {
        let screen = esdb_stdscr()
        let grid = frame.grid
        for row in 0..<grid.rows {
            var column = 0
            while column < grid.columns {
                let style = grid[row, column].style
                let start = column
                var text = ""
                while column < grid.columns, grid[row, column].style == style {
                    if let character = grid[row, column].character { text.append(character) }
                    column += 1
                }
                wattrset(screen, attributes[style] ?? 0)
                mvwaddstr(screen, Int32(row), Int32(start), text)
            }
        }
        wattrset(screen, 0)
        wmove(screen, Int32(frame.cursorRow), Int32(frame.cursorColumn))
        wrefresh(screen)
    }

    /// Reads every key available now.
    func readKeys() -> [Key] {
        var keys: [Key] = []
        while true {
            let code = wgetch(esdb_stdscr())
            if code == ERR { break }
            if let key = Self.decode(code) { keys.append(key) }
        }
        return keys
    }

    static func decode(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE, 127, 8: return .backspace
        case KEY_ENTER, 10, 13: return .enter
        case KEY_RESIZE: return .resize
        case 9: return .tab
        case 27: return .escape
        case (KEY_F0 + 1)...(KEY_F0 + 24): return .function(Int(code - KEY_F0))
        case 0...255: return .byte(UInt8(code))
        default: return nil
        }
    }

    /// Ends curses and gives the terminal back.
    func end() {
        endwin()
    }

    private func setupAttributes(color: Bool) {
        let bold = Int32(esdb_a_bold())
        let reverse = Int32(esdb_a_reverse())
        let dim = Int32(esdb_a_dim())
        let underline = Int32(esdb_a_underline())
        guard color else {
            attributes = [.header: reverse, .headerBad: reverse | bold, .title: bold | underline, .focusedTitle: reverse | bold,
                          .selected: reverse, .selectedUnfocused: bold, .dim: dim, .error: bold, .good: bold, .warn: reverse,
                          .hint: dim, .popup: 0]
            return
        }
        start_color()
        use_default_colors()
        let pairs: [(CellStyle, Int16, Int16, Int32)] = [
            (.header, Int16(COLOR_BLACK), Int16(COLOR_CYAN), 0),
            (.headerBad, Int16(COLOR_WHITE), Int16(COLOR_RED), bold),
            (.title, Int16(COLOR_CYAN), -1, bold),
            (.focusedTitle, Int16(COLOR_BLACK), Int16(COLOR_YELLOW), bold),
            (.selected, Int16(COLOR_BLACK), Int16(COLOR_WHITE), 0),
            (.selectedUnfocused, -1, -1, bold),
            (.dim, -1, -1, dim),
            (.error, Int16(COLOR_RED), -1, bold),
            (.good, Int16(COLOR_GREEN), -1, 0),
            (.warn, Int16(COLOR_BLACK), Int16(COLOR_YELLOW), 0),
            (.hint, -1, -1, dim),
            (.popup, Int16(COLOR_WHITE), Int16(COLOR_BLUE), 0),
        ]
        for (index, (style, foreground, background, extra)) in pairs.enumerated() {
            let pair = Int16(index + 1)
            init_pair(pair, foreground, background)
            attributes[style] = Int32(esdb_color_pair(Int32(pair))) | extra
        }
    }
}
