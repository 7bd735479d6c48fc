import EventStoreWire
import Foundation
import NIOCore

/// The thread-safe face of one client connection: anything may send through it; the work
/// happens on the connection's event loop.
final class NodeConnection: SubscriptionSink {
    let eventLoop: any EventLoop
    private let handler: NIOLoopBound<NodeConnectionHandler>

    init(handler: NodeConnectionHandler, eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
    }

    var connectionID: ObjectIdentifier { ObjectIdentifier(self) }

    /// Sends a package on the event loop.
    func send(_ package: TCPPackage) {
        onLoop { $0.send(package) }
    }

    /// Sends a message-carrying reply, downgraded for V1 clients where the protocol says so.
    func reply(_ command: TCPCommand, id: UUID, _ make: @escaping @Sendable (ClientVersion) -> TCPPackage) {
        onLoop { handler in handler.send(make(handler.clientVersion)) }
    }

    /// Queues a subscription package. Always deferred to a later turn of the loop, even on the loop
    /// itself: callers deliver while holding their own locks, and sending can close the connection
    /// (send queue over its limit), whose clean-up takes those locks again.
    func deliver(_ delivery: SubscriptionDelivery, id: UUID) {
        let handler = self.handler
        eventLoop.execute { handler.value.send(Self.package(for: delivery, id: id, version: handler.value.clientVersion)) }
    }

    private func onLoop(_ body: @escaping @Sendable (NodeConnectionHandler) -> Void) {
        if eventLoop.inEventLoop {
            body(handler.value)
        } else {
            let handler = self.handler
            eventLoop.execute { body(handler.value) }
        }
    }

    static func package(for delivery: SubscriptionDelivery, id: UUID, version: ClientVersion) -> TCPPackage {
        switch delivery {
        case .confirmation(var confirmation):
            if version == .v1, confirmation.hasLastEventNumber {
                confirmation.lastEventNumber = ClientVersion.downgrade(confirmation.lastEventNumber)
            }
            return TCPPackage(command: .subscriptionConfirmation, correlationID: id, message: confirmation)
        case .event(let record):
            return TCPPackage(command: .streamEventAppeared, correlationID: id, payload: record.encodedEventAppeared(for: version))
        case .checkpoint(let position):
            var checkpoint = ESCheckpointReached()
            checkpoint.commitPosition = position.commit
            checkpoint.preparePosition = position.prepare
            return TCPPackage(command: .checkpointReached, correlationID: id, message: checkpoint)
        case .dropped(let reason):
            var dropped = ESSubscriptionDropped()
            dropped.reason = reason
            return TCPPackage(command: .subscriptionDropped, correlationID: id, message: dropped)
        case .persistentConfirmation(let confirmation):
            return TCPPackage(command: .persistentSubscriptionConfirmation, correlationID: id, message: confirmation)
        case .persistentEvent(let appeared):
            return TCPPackage(command: .persistentSubscriptionStreamEventAppeared, correlationID: id, message: appeared)
        }
    }
}
