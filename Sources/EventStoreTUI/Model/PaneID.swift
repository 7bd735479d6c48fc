/// The focusable parts of the screen, in Tab order.
enum PaneID: Int, CaseIterable, Sendable {
    case prompt, streams, events, detail, tails, output, log

    /// The pane's title word.
    var title: String {
        switch self {
        case .prompt: return "Prompt"
        case .streams: return "Streams"
        case .events: return "Events"
        case .detail: return "Detail"
        case .tails: return "Tails"
        case .output: return "Output"
        case .log: return "Lifecycle"
        }
    }

    /// The next pane in Tab order (`forward`) or the previous one.
    func next(forward: Bool) -> PaneID {
        let all = PaneID.allCases
        let index = (rawValue + (forward ? 1 : all.count - 1)) % all.count
        return all[index]
    }
}
