import Foundation

/// Events per second over a sliding window of whole seconds.
struct EventRate: Sendable {
    private var buckets: [Int: Int] = [:]
    /// How many whole seconds the rate averages over.
    let window: Int

    init(window: Int = 3) {
        self.window = max(1, window)
    }

    /// Counts `count` events at `time`.
    mutating func record(_ count: Int = 1, at time: TimeInterval) {
        let second = Int(time.rounded(.down))
        if buckets[second] == nil, buckets.count > window + 1 {
            buckets = buckets.filter { $0.key > second - window - 1 }
        }
        buckets[second, default: 0] += count
    }

    /// Events per second over the last complete `window` seconds before `time`.
    func perSecond(at time: TimeInterval) -> Double {
        let now = Int(time.rounded(.down))
        let total = buckets.filter { $0.key >= now - window && $0.key < now }.values.reduce(0, +)
        return Double(total) / Double(window)
    }
}
