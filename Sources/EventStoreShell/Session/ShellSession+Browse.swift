import EventStoreClient
import Foundation

extension ShellSession {
    /// The client the session currently talks through (it changes after `connect`).
    public var currentClient: EventStoreClient { client }

    /// Where the session is connected, as `status` shows it.
    public var nodeDescription: String { options.nodeDescription }

    /// A page of a stream for browsers: up to `count` events from `from` forward, or the last
    /// `count` events (oldest first) when `from` is `nil`. Links are resolved.
    public func browse(stream: String, from: Int64?, count: Int) async throws -> [EventView] {
        // No start: the newest `count`, read backward from the end and put back in order.
        let direction: ReadDirection = from == nil ? .backward : .forward
        var events: [ResolvedEvent] = []
        for try await event in client.readStream(stream, from: from, direction: direction, pageSize: count, maxCount: count,
                                                 resolveLinks: true) {
            events.append(event)
        }
        if direction == .backward { events.reverse() }
        return events.compactMap(EventView.init)
    }
}
