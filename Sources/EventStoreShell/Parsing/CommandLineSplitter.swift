/// Why a command line could not be split into words.
public struct CommandLineSplitError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Splits a line into words the way a POSIX shell does: whitespace separates words; single
/// quotes keep everything literally; double quotes keep spaces and honour `\"` and `\\`;
/// a backslash outside quotes escapes the next character. `$all` needs no quoting here.
public enum CommandLineSplitter {
    public static func split(_ line: String) throws(CommandLineSplitError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(line).makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" { closed = true; break }
                    current.append(next)
                }
                guard closed else { throw CommandLineSplitError(message: "unterminated single quote") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" { closed = true; break }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { break }
                        if escaped != "\"" && escaped != "\\" && escaped != "$" { current.append("\\") }
                        current.append(escaped)
                        continue
                    }
                    current.append(next)
                }
                guard closed else { throw CommandLineSplitError(message: "unterminated double quote") }
            case "\\":
                inWord = true
                guard let escaped = iterator.next() else { throw CommandLineSplitError(message: "trailing backslash") }
                current.append(escaped)
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
