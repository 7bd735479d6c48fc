import EventStoreClient
import Foundation

/// A small, realistic data set: shoppers, carts and orders, written as JSON events.
enum DemoData {
    static let products = [("sku-100", "Espresso beans", 14.5), ("sku-200", "Milk jug", 9.0), ("sku-300", "Grinder", 89.0),
                           ("sku-400", "Tamper", 19.9), ("sku-500", "Cups (2)", 12.0)]
    static let names = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances"]

    /// Events for one customer journey: user registered, cart filled, order placed/paid/shipped.
    static func journey(_ n: Int, random: inout some RandomNumberGenerator) -> [(stream: String, event: EventData)] {
        let user = "users-\(n)"
        let cart = "carts-\(n)"
        let order = "orders-\(n)"
        let name = names[n % names.count]
        var events: [(String, EventData)] = [
            (user, EventData(type: "UserRegistered", json: #"{"userId":"\#(n)","name":"\#(name)","email":"\#(name.lowercased())@example.com"}"#,
                             metadata: #"{"source":"demo"}"#)),
        ]
        var total = 0.0
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let product = products.randomElement(using: &random)!
            let quantity = Int.random(in: 1...3, using: &random)
            total += product.2 * Double(quantity)
            events.append((cart, EventData(type: "ItemAdded",
                                           json: #"{"sku":"\#(product.0)","name":"\#(product.1)","quantity":\#(quantity),"price":\#(product.2)}"#)))
        }
        let amount = (total * 100).rounded() / 100
        events.append((order, EventData(type: "OrderPlaced", json: #"{"orderId":"\#(n)","userId":"\#(n)","total":\#(amount)}"#,
                                        metadata: #"{"correlationId":"\#(UUID().dotNetString)"}"#)))
        events.append((order, EventData(type: "PaymentReceived", json: #"{"orderId":"\#(n)","amount":\#(amount)}"#)))
        if n % 3 != 0 { events.append((order, EventData(type: "OrderShipped", json: #"{"orderId":"\#(n)","carrier":"demo-post"}"#))) }
        return events
    }
}

extension ShellSession {
    func runDemo(_ mode: ShellCommand.DemoMode) async throws {
        switch mode {
        case .stop:
            guard let running = demo else { throw ShellCommandError("no live demo running") }
            running.cancel()
            demo = nil
            sink.emit(.result(human: "demo stopped", json: .object([("demo", .string("stopped"))])))
        case .once:
            var random = SystemRandomNumberGenerator()
            var written = 0
            let base = Int.random(in: 1000...8999)
            for n in base..<(base + 8) {
                for (stream, event) in DemoData.journey(n, random: &random) {
                    try await client.append(to: stream, events: [event])
                    written += 1
                }
            }
            sink.emit(.result(human: "demo: wrote \(written) events to users-, carts- and orders- streams \(base)…\(base + 7)",
                              json: .object([("demo", .string("written")), ("events", .int(Int64(written)))])))
        case .live:
            guard demo == nil else { throw ShellCommandError("a live demo is already running (demo stop)") }
            let client = self.client
            let sink = self.sink
            demo = Task {
                var random = SystemRandomNumberGenerator()
                var n = Int.random(in: 10_000...80_000)
                while !Task.isCancelled {
                    for (stream, event) in DemoData.journey(n, random: &random) where !Task.isCancelled {
                        do {
                            try await client.append(to: stream, events: [event])
                        } catch {
                            sink.emit(.error("demo: \((error as? EventStoreClientError)?.message ?? "\(error)")"))
                        }
                        try? await Task.sleep(for: .milliseconds(300))
                    }
                    n += 1
                }
            }
            sink.emit(.result(human: "demo: appending a few events a second (demo stop to end); try: tail '$all' or tail orders-…",
                              json: .object([("demo", .string("live"))])))
        }
    }
}
