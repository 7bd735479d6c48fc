/// One `key=value` pair as written in a connection string.
struct ConnectionStringPair: Sendable, Hashable {
    /// The key, trimmed, as written.
    var key: String
    /// The value, trimmed and unquoted.
    var value: String
}

/// Splits a .NET-style connection string into `key=value` pairs (sans-IO, no interpretation of keys).
///
/// Rules (those of `DbConnectionStringBuilder` that matter in practice): pairs are separated by `;`; empty
/// pairs are skipped; the key runs up to the first `=`; whitespace around keys and values is trimmed; a value
/// that starts with `"` or `'` runs to the matching quote, a doubled quote inside standing for one quote, and
/// may then contain `;` and `=`.
enum ConnectionStringLexer {
    static func pairs(in text: String) throws(ConnectionStringError) -> [ConnectionStringPair] {
        var result: [ConnectionStringPair] = []
        var index = text.startIndex
        while index < text.endIndex {
            let keyStart = index
            while index < text.endIndex, text[index] != "=", text[index] != ";" { index = text.index(after: index) }
            let key = trimmed(text[keyStart..<index])
            guard index < text.endIndex, text[index] == "=" else {
                if !key.isEmpty {
                    throw ConnectionStringError(key: nil, message: "expected key=value but found \(quoted(key))")
                }
                if index < text.endIndex { index = text.index(after: index) }
                continue
            }
            guard !key.isEmpty else {
                throw ConnectionStringError(key: nil, message: "a value has no key (\"=\" at the start of a pair)")
            }
            index = text.index(after: index)
            let value = try readValue(in: text, from: &index, key: key)
            result.append(ConnectionStringPair(key: key, value: value))
        }
        return result
    }

    /// Reads a value starting at `index` and leaves `index` after the terminating `;` (or at the end).
    private static func readValue(in text: String, from index: inout String.Index,
                                  key: String) throws(ConnectionStringError) -> String {
        while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
        guard index < text.endIndex, text[index] == "\"" || text[index] == "'" else {
            let start = index
            while index < text.endIndex, text[index] != ";" { index = text.index(after: index) }
            let value = trimmed(text[start..<index])
            if index < text.endIndex { index = text.index(after: index) }
            return value
        }
        let quote = text[index]
        index = text.index(after: index)
        var value = ""
        while true {
            guard index < text.endIndex else {
                throw ConnectionStringError(key: key, message: "the quoted value has no closing \(quote)")
            }
            let character = text[index]
            index = text.index(after: index)
            if character != quote {
                value.append(character)
                continue
            }
            if index < text.endIndex, text[index] == quote {
                value.append(quote)
                index = text.index(after: index)
                continue
            }
            break
        }
        while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
        if index < text.endIndex {
            guard text[index] == ";" else {
                let rest = trimmed(text[index...].prefix { $0 != ";" })
                throw ConnectionStringError(key: key, message: "unexpected \(quoted(rest)) after the closing \(quote)")
            }
            index = text.index(after: index)
        }
        return value
    }

    static func trimmed(_ text: some StringProtocol) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    /// `text` in double quotes, for messages.
    static func quoted(_ text: String) -> String { "\"\(text)\"" }
}
