import EventStoreWire
import Foundation
import NIOCore
import SwiftProtobuf

/// An event from a persistent subscription: acknowledge it (or not) through the subscription.
public struct PersistentSubscriptionEvent: Sendable, Hashable {
    /// The event (with its link when it came through one).
    public var event: ResolvedEvent
    /// How often it was delivered before (0 on the first delivery).
    public var retryCount: Int

    /// The id acknowledgements name: the link's when the event came through a link.
    var acknowledgementID: UUID? { event.original?.id }
}

/// What to do with events a consumer could not process.
public enum NakAction: Sendable, Hashable {
    /// Move them to the group's parked stream now.
    case park
    /// Deliver them again (parked after the group's retry limit).
    case retry
    /// Forget them: they count as processed.
    case skip

    var wire: ESPersistentSubscriptionNakEvents.NakAction {
        switch self {
        case .park: .park
        case .retry: .retry
        case .skip: .skip
        }
    }
}

/// A consumer of a persistent subscription group (competing consumers).
///
/// Iterate it for events and acknowledge each one; unacknowledged events are delivered again after
/// the group's message timeout, to this consumer or another. Stop iterating (or cancel the task) to
/// leave the group. It ends with an error when the group is deleted (`.notFound`) or the connection
/// is lost (`.connectionClosed`); after a lost connection, connect again to rejoin — the group
/// delivers what was not acknowledged.
///
/// ```swift
/// let subscription = try await client.connectToPersistentSubscription("workers", on: "orders-1")
/// for try await delivery in subscription {
///     do {
///         try handle(delivery.event)
///         try await subscription.ack(delivery)
///     } catch {
///         try await subscription.nak(delivery, action: .retry, reason: "\(error)")
///     }
/// }
/// ```
public struct PersistentSubscription: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = PersistentSubscriptionEvent

    /// The server's id for the group: `stream::group`.
    public let subscriptionID: String
    /// The stream's last event number when this consumer connected (−1: empty).
    public let lastEventNumber: Int64
    /// The `$all` commit position when this consumer connected.
    public let lastCommitPosition: Int64
    let stream: AsyncThrowingStream<PersistentSubscriptionEvent, any Error>
    let acknowledge: @Sendable (TCPCommand, ByteBuffer) async throws -> Void

    /// Starts iterating.
    public func makeAsyncIterator() -> AsyncThrowingStream<PersistentSubscriptionEvent, any Error>.Iterator {
        stream.makeAsyncIterator()
    }

    /// Acknowledges events as processed.
    ///
    /// - Throws: `.connectionClosed` when the subscription is no longer connected (the events will be
    ///   delivered again, to whichever consumer the group has).
    public func ack(_ events: PersistentSubscriptionEvent...) async throws {
        try await ack(events)
    }

    /// Acknowledges events as processed.
    public func ack(_ events: [PersistentSubscriptionEvent]) async throws {
        var request = ESPersistentSubscriptionAckEvents()
        request.subscriptionID = subscriptionID
        request.processedEventIds = Self.wireIDs(events)
        try await send(.persistentSubscriptionAckEvents, request)
    }

    /// Reports events as not processed, with what the group should do with them.
    public func nak(_ events: PersistentSubscriptionEvent..., action: NakAction, reason: String = "") async throws {
        var request = ESPersistentSubscriptionNakEvents()
        request.subscriptionID = subscriptionID
        request.processedEventIds = Self.wireIDs(events)
        request.action = action.wire
        request.message = reason
        try await send(.persistentSubscriptionNakEvents, request)
    }

    /// The ids Ack and Nak name, as 16-byte .NET GUIDs.
    private static func wireIDs(_ events: [PersistentSubscriptionEvent]) -> [Data] {
        events.compactMap { $0.acknowledgementID.map { Data($0.dotNetBytes) } }
    }

    private func send(_ command: TCPCommand, _ message: some SwiftProtobuf.Message) async throws {
        try await acknowledge(command, ByteBuffer(bytes: try message.serializedBytes(partial: true) as [UInt8]))
    }
}

/// Runs one persistent subscription consumer inside the operation table.
final class PersistentSubscriptionHandler: OperationHandler {
    typealias Confirmation = (subscriptionID: String, lastEventNumber: Int64, lastCommitPosition: Int64)

    private let target: String
    private var outlets: SubscriptionOutlets<Confirmation, PersistentSubscriptionEvent>

    init(target: String, confirmation: CheckedContinuation<Confirmation, any Error>,
         continuation: AsyncThrowingStream<PersistentSubscriptionEvent, any Error>.Continuation) {
        self.target = target
        outlets = SubscriptionOutlets(confirmation: confirmation, stream: continuation)
    }

    /// A lost connection ends the consumer: its unacknowledged events go back to the group.
    var survivesReconnect: Bool { false }

    func handle(_ reply: TCPPackage) -> ReplyDecision {
        do {
            switch reply.command {
            case .persistentSubscriptionConfirmation:
                let message = try reply.decodeMessage(as: ESPersistentSubscriptionConfirmation.self)
                outlets.confirm((message.subscriptionID, message.hasLastEventNumber ? message.lastEventNumber : -1,
                                 message.lastCommitPosition))
                return .keep
            case .persistentSubscriptionStreamEventAppeared:
                let message = try reply.decodeMessage(as: ESPersistentSubscriptionStreamEventAppeared.self)
                let event = PersistentSubscriptionEvent(event: ResolvedEvent(indexed: message.event), retryCount: Int(message.retryCount))
                guard !outlets.finished else { return .unsubscribe }
                switch outlets.stream.yield(event) {
                // The buffer holds twice what the server may have out; were an event ever dropped, it
                // stays unacknowledged and the group delivers it again after its timeout.
                case .enqueued, .dropped: return .keep
                case .terminated:
                    outlets.consumerLeft()
                    return .unsubscribe
                @unknown default: return .keep
                }
            case .subscriptionDropped:
                let message = try reply.decodeMessage(as: ESSubscriptionDropped.self)
                switch message.reason {
                case .unsubscribed:
                    // Our own unsubscribe is never routed here (the operation is gone by then): the
                    // server dropped us, as EventStoreDB does when the group is updated or deleted.
                    return .fail(EventStoreClientError(.subscriptionDropped,
                                                       "persistent subscription \(target) was dropped by the server (its group was updated or deleted)"))
                case .accessDenied:
                    return .fail(EventStoreClientError(.accessDenied, "access denied to persistent subscription \(target)"))
                case .notFound:
                    return .fail(EventStoreClientError(.notFound, "persistent subscription \(target) does not exist"))
                case .subscriberMaxCountReached:
                    return .fail(EventStoreClientError(.subscriptionDropped,
                                                       "persistent subscription \(target) has its maximum number of consumers"))
                case .persistentSubscriptionDeleted:
                    // The group does not exist any more: like connecting to an unknown one.
                    return .fail(EventStoreClientError(.notFound, "persistent subscription \(target) was deleted"))
                }
            default:
                return .fail(EventStoreClientError(.protocolViolation, "unexpected \(reply.command.name) on a persistent subscription"))
            }
        } catch {
            return .fail(EventStoreClientError(.protocolViolation, "\(error)"))
        }
    }

    func fail(_ error: EventStoreClientError) {
        outlets.fail(error)
    }
}

extension EventStoreClient {
    /// Joins a persistent subscription group as one of its consumers.
    ///
    /// ```swift
    /// let subscription = try await client.connectToPersistentSubscription("workers", on: "orders-1", bufferSize: 50)
    /// for try await delivery in subscription { try await subscription.ack(delivery) }
    /// ```
    /// - Parameter bufferSize: events the server may have out with this consumer, unacknowledged.
    /// - Throws: `.notFound` for an unknown group, `.accessDenied`, `.subscriptionDropped` when the group is full.
    public func connectToPersistentSubscription(
        _ group: String, on stream: String, bufferSize: Int = 10, credentials: UserCredentials? = nil
    ) async throws -> PersistentSubscription {
        guard bufferSize > 0 else { throw EventStoreClientError(.invalidArgument, "bufferSize must be positive") }
        var request = ESConnectToPersistentSubscription()
        request.subscriptionID = group
        request.eventStreamID = stream
        request.allowedInFlightMessages = Int32(clamping: bufferSize)
        let payload = ByteBuffer(bytes: (try? request.serializedBytes(partial: true)) ?? [UInt8]())
        // The server has at most `bufferSize` events out with this consumer; retries of timed-out
        // ones may arrive while the first copies still wait here, hence twice that.
        let (events, continuation) = AsyncThrowingStream<PersistentSubscriptionEvent, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferSize * 2))
        let target = "\(stream)::\(group)"
        let (confirmation, registration) = try await startSubscription(
            .connectToPersistentSubscription, payload: payload, credentials: credentials, stream: continuation
        ) { confirmed in
            PersistentSubscriptionHandler(target: target, confirmation: confirmed, continuation: continuation)
        }
        let (bound, eventLoop) = (driver, self.eventLoop)
        let wireCredentials = wireCredentials(credentials)
        let acknowledge: @Sendable (TCPCommand, ByteBuffer) async throws -> Void = { command, payload in
            let sent = try await eventLoop.submit {
                guard let id = registration.id else { return false }
                return bound.value.send(command, payload: payload, credentials: wireCredentials, alongside: id)
            }.get()
            guard sent else {
                throw EventStoreClientError(.connectionClosed, "persistent subscription \(target) is not connected")
            }
        }
        return PersistentSubscription(subscriptionID: confirmation.subscriptionID, lastEventNumber: confirmation.lastEventNumber,
                                      lastCommitPosition: confirmation.lastCommitPosition, stream: events, acknowledge: acknowledge)
    }
}
