import EventStoreClient
import EventStoreWire

extension ShellSession {
    /// `group create STREAM GROUP`.
    func createGroup(_ stream: String, group: String, from: StreamStart, resolve: Bool, strategy: ConsumerStrategy) async throws {
        var settings = PersistentSubscriptionSettings()
        switch from {
        case .start: settings.startFrom = 0
        case .end, .beforeEnd: settings.startFrom = -1
        case .number(let number): settings.startFrom = number
        }
        settings.resolveLinks = resolve
        settings.consumerStrategy = strategy
        try await client.createPersistentSubscription(group, on: stream, settings: settings)
        let start = settings.startFrom < 0 ? "new events only" : "from event \(settings.startFrom)"
        sink.emit(.result(human: "created group \(group) on \(stream) (\(start), \(strategy.rawValue))",
                          json: .object([("created", .string(group)), ("stream", .string(stream)),
                                         ("startFrom", .int(settings.startFrom)), ("strategy", .string(strategy.rawValue))])))
    }

    /// `group delete STREAM GROUP`: asks first (or needs `--yes`).
    func deleteGroup(_ stream: String, group: String, confirmed: Bool) async throws {
        try await confirmDestructive("Delete persistent subscription group \(group) on \(stream)? Its consumers are dropped.",
                                     confirmed: confirmed)
        try await client.deletePersistentSubscription(group, on: stream)
        sink.emit(.result(human: "deleted group \(group) on \(stream)",
                          json: .object([("deleted", .string(group)), ("stream", .string(stream))])))
    }
}
