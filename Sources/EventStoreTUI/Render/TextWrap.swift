/// Breaks text into screen rows of at most a given number of columns (wide characters count two).
/// Rows break between words; a word longer than a row is broken where the row ends. Rows after the
/// first are indented by two columns, so a wrapped line reads as one.
enum TextWrap {
    /// The indent of continuation rows.
    static let indent = "  "

    /// The rows `text` takes at `width` columns; at least one (an empty line is one empty row).
    static func rows(_ text: String, width: Int) -> [String] {
        guard width > indent.count * 2 else { return [text] }
        var wrapper = Wrapper(width: width)
        var word = ""
        for character in text {
            if character == " " {
                wrapper.add(word: word)
                wrapper.addSpace()
                word = ""
            } else {
                word.append(character)
            }
        }
        wrapper.add(word: word)
        return wrapper.finished()
    }

    private struct Wrapper {
        let width: Int
        var rows: [String] = []
        var row = ""
        var used = 0

        init(width: Int) {
            self.width = width
        }

        /// A word goes on this row if it fits, else on a new row if it fits there, else it is broken.
        mutating func add(word: String) {
            guard !word.isEmpty else { return }
            let wordWidth = TextWidth.of(word)
            if used + wordWidth > width, used > start, indent.count + wordWidth <= width { breakRow() }
            for character in word {
                let characterWidth = TextWidth.of(character)
                if used + characterWidth > width, used > start { breakRow() }
                row.append(character)
                used += characterWidth
            }
        }

        /// A space ends the row it would overflow (and is dropped there).
        mutating func addSpace() {
            if used + 1 > width {
                breakRow()
            } else {
                row.append(" ")
                used += 1
            }
        }

        mutating func finished() -> [String] {
            rows + [row]
        }

        private var start: Int { rows.isEmpty ? 0 : indent.count }

        private mutating func breakRow() {
            rows.append(row)
            row = TextWrap.indent
            used = TextWrap.indent.count
        }
    }
}
