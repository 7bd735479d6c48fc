import EventStoreClient
import Foundation

/// Appends at a fixed rate without waiting for acknowledgements, so slow fsyncs do not lower the rate.
struct Pacer {
    /// Events per second.
    var rate: Double
    /// Events per append request.
    var batch: Int = 1

    /// Appends `total` events to `stream`, request `k` due at `start + k × batch / rate`;
    /// `sent(index, time)` is called for each event just before its request is issued.
    func run(client: EventStoreClient, stream: String, total: Int,
             sent: @escaping @Sendable (Int, UInt64) -> Void) async throws {
        let interval = Double(batch) / rate
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingDiscardingTaskGroup { group in
            var index = 0
            var request = 0
            while index < total {
                try await clock.sleep(until: start + .seconds(Double(request) * interval), tolerance: .microseconds(50))
                let first = index
                let events = (first..<min(first + batch, total)).map { Payloads.event(index: $0) }
                index += events.count
                request += 1
                let time = Measure.now()
                for number in first..<index { sent(number, time) }
                group.addTask { try await client.append(to: stream, events: events) }
            }
        }
    }
}
