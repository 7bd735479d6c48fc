import EventStoreWire
import Foundation

/// One gRPC Read's consumer, as the engine sees it: what the group sends (the confirmation, its
/// messages, a drop) queued for the call to write. Each Read is a connection of its own.
final class PersistentReadSink: PersistentMessageSink {
    enum Item: Sendable {
        /// The consumer joined; the group's `stream::group` id, which acknowledgements name.
        case confirmed(subscriptionID: String)
        case message(PersistentMessage)
        case dropped(ESSubscriptionDropped.SubscriptionDropReason)
    }

    /// What the call writes, in order. Bounded by the consumer's in-flight limit, so unbounded here.
    let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    init() {
        (items, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    var connectionID: ObjectIdentifier { ObjectIdentifier(self) }

    func deliver(_ delivery: SubscriptionDelivery, id: UUID) {
        switch delivery {
        case .persistentConfirmation(let confirmation):
            continuation.yield(.confirmed(subscriptionID: confirmation.subscriptionID))
        case .dropped(let reason):
            continuation.yield(.dropped(reason))
            continuation.finish()
        case .confirmation, .event, .checkpoint, .persistentEvent:
            break  // volatile subscriptions' and TCP's shapes: never sent to a message sink
        }
    }

    func deliver(_ message: PersistentMessage, id: UUID) {
        continuation.yield(.message(message))
    }

    /// Ends `items` (the call is over).
    func finish() {
        continuation.finish()
    }
}
