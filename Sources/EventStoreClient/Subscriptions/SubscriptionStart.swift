import EventStoreWire
import NIOCore

extension EventStoreClient {
    /// Submits a subscription-like operation (volatile or persistent) and waits for its confirmation.
    ///
    /// `makeHandler` builds the operation's handler around the confirmation continuation; it runs on
    /// the event loop. Ending `stream` (the consumer stops iterating) or cancelling the waiting task
    /// cancels the operation, which unsubscribes it on the server.
    /// - Returns: the confirmation, and the registration that names the operation (for Ack/Nak).
    func startSubscription<Confirmation: Sendable, Element>(
        _ command: TCPCommand, payload: ByteBuffer, credentials: UserCredentials?,
        stream: AsyncThrowingStream<Element, any Error>.Continuation,
        makeHandler: @escaping @Sendable (CheckedContinuation<Confirmation, any Error>) -> any OperationHandler
    ) async throws -> (Confirmation, OperationRegistration) {
        let registration = OperationRegistration()
        let bound = driver
        let eventLoop = self.eventLoop
        let wireCredentials = wireCredentials(credentials)
        stream.onTermination = { _ in
            eventLoop.execute { if let id = registration.id { bound.value.cancel(id) } }
        }
        let confirmation = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (confirmed: CheckedContinuation<Confirmation, any Error>) in
                eventLoop.execute {
                    bound.value.submit(command: command, payload: payload, credentials: wireCredentials,
                                       handler: makeHandler(confirmed)) { registration.id = $0 }
                }
            }
        } onCancel: {
            eventLoop.execute { if let id = registration.id { bound.value.cancel(id) } }
        }
        return (confirmation, registration)
    }
}

/// What a subscription handler feeds: the caller waiting for the confirmation, then the stream of
/// what follows. Used on the event loop only.
struct SubscriptionOutlets<Confirmation: Sendable, Element> {
    private var confirmation: CheckedContinuation<Confirmation, any Error>?
    let stream: AsyncThrowingStream<Element, any Error>.Continuation
    /// The stream has ended (or its consumer went away).
    private(set) var finished = false

    init(confirmation: CheckedContinuation<Confirmation, any Error>, stream: AsyncThrowingStream<Element, any Error>.Continuation) {
        self.confirmation = confirmation
        self.stream = stream
    }

    /// The server confirmed: the caller gets the subscription.
    mutating func confirm(_ value: Confirmation) {
        confirmation?.resume(returning: value)
        confirmation = nil
    }

    /// The operation failed: before the confirmation the caller gets the error, after it the stream
    /// ends with it (a cancellation ends the stream quietly).
    mutating func fail(_ error: EventStoreClientError) {
        if let confirmation {
            confirmation.resume(throwing: error)
            self.confirmation = nil
        }
        end(error.code == .cancelled ? nil : error)
    }

    /// Ends the stream, with an error or quietly.
    mutating func end(_ error: EventStoreClientError?) {
        guard !finished else { return }
        finished = true
        stream.finish(throwing: error)
    }

    /// The consumer stopped iterating.
    mutating func consumerLeft() {
        finished = true
    }
}
