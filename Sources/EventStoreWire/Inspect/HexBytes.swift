/// Why text could not be read as hexadecimal bytes.
public enum HexParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A character that is neither a hex digit nor whitespace.
    case invalidCharacter(Character, offset: Int)
    /// An odd number of hex digits.
    case oddDigitCount(Int)
    /// No hex digits at all.
    case empty

    public var description: String {
        switch self {
        case .invalidCharacter(let c, let offset): return "invalid hex character '\(c)' at offset \(offset)"
        case .oddDigitCount(let n): return "odd number of hex digits (\(n)); every byte needs two"
        case .empty: return "no hex digits in input"
        }
    }
}

/// Hexadecimal text <-> bytes.
public enum HexBytes {
    /// Parses hex digits, ignoring whitespace and an optional `0x` before each group.
    public static func parse(_ text: String) throws(HexParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        var pending: UInt8?
        var digits = 0
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace || character == ":" {
                index += 1
                continue
            }
            if character == "0", index + 1 < characters.count, characters[index + 1] == "x" || characters[index + 1] == "X",
               pending == nil {
                index += 2
                continue
            }
            guard let value = character.hexDigitValue else { throw .invalidCharacter(character, offset: index) }
            digits += 1
            if let high = pending {
                bytes.append(high << 4 | UInt8(value))
                pending = nil
            } else {
                pending = UInt8(value)
            }
            index += 1
        }
        guard digits > 0 else { throw .empty }
        guard pending == nil else { throw .oddDigitCount(digits) }
        return bytes
    }

    /// Lower-case hex with a space between bytes.
    public static func format<Bytes: Sequence>(_ bytes: Bytes, separator: String = " ") -> String where Bytes.Element == UInt8 {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: separator)
    }
}
