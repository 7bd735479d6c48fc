import EventStoreWire
import Foundation
import Synchronization

/// A catch-up subscription's registration with the ``SubscriptionHub``: what the hub pushes,
/// kept for the subscription's task in a bounded buffer.
///
/// The hub must never wait for a client, so when the buffer is full the oldest delivery is
/// dropped. Every delivery carries a sequence number; a gap tells the subscription that it fell
/// behind and must read the log again from the last event it sent (KurrentDB 24.2+ behaviour).
final class StreamsLiveBuffer: SubscriptionSink {
    /// A hub delivery and its number (1, 2, …).
    struct Item: Sendable {
        let sequence: UInt64
        let delivery: SubscriptionDelivery
    }

    /// Deliveries kept at most, as the server's live channel (`MaxLiveEventBufferCount`).
    static let capacity = 32

    let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let state = Mutex<State>(State())

    private struct State {
        var sequence: UInt64 = 0
        var confirmation: ESSubscriptionConfirmation?
        var dropped: ESSubscriptionDropped.SubscriptionDropReason?
    }

    init() {
        (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(Self.capacity))
    }

    /// Each subscription is registered as a connection of its own.
    var connectionID: ObjectIdentifier { ObjectIdentifier(self) }

    /// The hub's confirmation (kept aside, so a full buffer cannot drop it); nil until registered.
    var confirmation: ESSubscriptionConfirmation? { state.withLock { $0.confirmation } }

    /// Why the hub dropped the subscription, if it did.
    var dropped: ESSubscriptionDropped.SubscriptionDropReason? { state.withLock { $0.dropped } }

    func deliver(_ delivery: SubscriptionDelivery, id: UUID) {
        state.withLock { state in
            if case .confirmation(let confirmation) = delivery {
                state.confirmation = confirmation
                return
            }
            if case .dropped(let reason) = delivery { state.dropped = reason }
            state.sequence += 1
            continuation.yield(Item(sequence: state.sequence, delivery: delivery))
        }
    }

    /// Ends the stream of items (the subscription is over).
    func finish() {
        continuation.finish()
    }
}
