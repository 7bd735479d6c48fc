/// A key press, decoded from curses input.
enum Key: Equatable, Sendable {
    /// One byte of text input (UTF-8 bytes arrive one at a time) or a control byte not listed here.
    case byte(UInt8)
    case up, down, left, right, pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace, delete
    /// A function key, `F1` is `.function(1)`.
    case function(Int)
    /// The terminal was resized.
    case resize

    /// The bytes readline understands for this key (ANSI sequences for the cursor keys).
    var readlineBytes: [UInt8] {
        switch self {
        case .byte(let byte): return [byte]
        case .up: return Array("\u{1B}[A".utf8)
        case .down: return Array("\u{1B}[B".utf8)
        case .right: return Array("\u{1B}[C".utf8)
        case .left: return Array("\u{1B}[D".utf8)
        case .home: return Array("\u{1B}[H".utf8)
        case .end: return Array("\u{1B}[F".utf8)
        case .delete: return Array("\u{1B}[3~".utf8)
        case .tab: return [9]
        case .enter: return [13]
        case .escape: return [27]
        case .backspace: return [127]
        case .backTab, .pageUp, .pageDown, .function, .resize: return []
        }
    }

    /// The printable ASCII character of this key, if it is one.
    var character: Character? {
        guard case .byte(let byte) = self, (0x20..<0x7F).contains(byte) else { return nil }
        return Character(Unicode.Scalar(byte))
    }
}
