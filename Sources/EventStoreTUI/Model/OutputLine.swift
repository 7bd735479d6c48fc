/// A line of the output pane.
struct OutputLine: Sendable, Equatable {
    /// How the line is shown.
    enum Kind: Sendable, Equatable {
        case result, note, error, event, input
    }

    var text: String
    var kind: Kind

    init(_ text: String, _ kind: Kind) {
        self.text = text
        self.kind = kind
    }
}
