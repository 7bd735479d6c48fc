/// Checks that event numbers of each stream arrive in order with no gaps or repeats.
struct SequenceCheck: Sendable {
    /// What an arriving event number says about the sequence.
    enum Verdict: Equatable, Sendable {
        case first
        case next
        /// Numbers were skipped: `missing` events between the last seen and this one.
        case gap(missing: Int64)
        /// The number was seen already (or is older than the last one).
        case duplicate
    }

    private var last: [String: Int64] = [:]
    /// Streams tracked at most (a `$all` tail touches many); the oldest state is forgotten beyond it.
    let maxStreams: Int
    private(set) var gaps = 0
    private(set) var duplicates = 0

    init(maxStreams: Int = 10_000) {
        self.maxStreams = maxStreams
    }

    /// Records `number` of `stream` and says whether it follows the previous one.
    mutating func check(stream: String, number: Int64) -> Verdict {
        guard let previous = last[stream] else {
            if last.count >= maxStreams { last.removeAll(keepingCapacity: true) }
            last[stream] = number
            return .first
        }
        if number == previous + 1 {
            last[stream] = number
            return .next
        }
        if number <= previous {
            duplicates += 1
            return .duplicate
        }
        gaps += 1
        last[stream] = number
        return .gap(missing: number - previous - 1)
    }
}
