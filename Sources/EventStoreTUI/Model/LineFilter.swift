import Foundation

/// The `/` filter of a list: a case-insensitive regular expression; a leading `!` negates it.
struct LineFilter: Sendable {
    /// The text as typed, `!` included.
    let source: String
    /// Whether matching lines are hidden rather than shown.
    let negated: Bool
    private let pattern: String

    /// Compiles `source`; throws when the expression is invalid. An empty pattern is not a filter.
    init?(_ source: String) throws {
        let negated = source.hasPrefix("!")
        let pattern = negated ? String(source.dropFirst()) : source
        guard !pattern.isEmpty else { return nil }
        _ = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        self.source = source
        self.negated = negated
        self.pattern = pattern
    }

    /// Whether `line` is shown under this filter.
    func accepts(_ line: String) -> Bool {
        let found = line.range(of: pattern, options: [.regularExpression, .caseInsensitive]) != nil
        return found != negated
    }
}
