import EventStoreWire
import Foundation
import NIOCore

/// What a live subscription delivers.
///
/// ```swift
/// for try await message in try await client.subscribe(to: nil, filter: .streamPrefix("orders-"), checkpointInterval: 10) {
///     switch message {
///     case .event(let event): print(event.originalStream)
///     case .checkpoint(let position): save(position)
///     }
/// }
/// ```
public enum SubscriptionMessage: Sendable, Hashable {
    /// A new event (with its `$all` position).
    case event(ResolvedEvent)
    /// A filtered subscription processed up to here (it may have skipped everything).
    case checkpoint(Position)
}

/// A volatile subscription: events committed after its confirmation point, in commit order.
///
/// Iterate it to receive events; stop iterating (or cancel the task) to unsubscribe. It ends
/// with an error when the server drops it, when the connection is lost, or when the consumer
/// falls more than `bufferSize` events behind (`.subscriptionDropped`, "live queue overflow").
///
/// ```swift
/// let subscription = try await client.subscribe(to: "orders-1")
/// print("live after event \(subscription.lastEventNumber ?? -1)")
/// for try await case .event(let event) in subscription { print(event.originalNumber) }
/// ```
public struct VolatileSubscription: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = SubscriptionMessage

    /// The `$all` commit position the subscription started after.
    public let lastCommitPosition: Int64
    /// The stream's last event number at confirmation (−1: empty); `nil` for `$all`.
    public let lastEventNumber: Int64?
    let stream: AsyncThrowingStream<SubscriptionMessage, any Error>

    /// Starts iterating.
    public func makeAsyncIterator() -> AsyncThrowingStream<SubscriptionMessage, any Error>.Iterator {
        stream.makeAsyncIterator()
    }
}

/// Runs one volatile subscription inside the operation table.
final class SubscriptionHandler: OperationHandler {
    typealias Confirmation = (lastCommitPosition: Int64, lastEventNumber: Int64?)

    private let target: String
    private var outlets: SubscriptionOutlets<Confirmation, SubscriptionMessage>

    init(target: String, confirmation: CheckedContinuation<Confirmation, any Error>,
         continuation: AsyncThrowingStream<SubscriptionMessage, any Error>.Continuation) {
        self.target = target
        outlets = SubscriptionOutlets(confirmation: confirmation, stream: continuation)
    }

    /// Once confirmed, a lost connection ends the subscription (catch-up subscriptions resume by themselves).
    var survivesReconnect: Bool { false }

    func handle(_ reply: TCPPackage) -> ReplyDecision {
        do {
            switch reply.command {
            case .subscriptionConfirmation:
                let message = try reply.decodeMessage(as: ESSubscriptionConfirmation.self)
                outlets.confirm((message.lastCommitPosition, message.hasLastEventNumber ? message.lastEventNumber : nil))
                return .keep
            case .streamEventAppeared:
                let message = try reply.decodeMessage(as: ESStreamEventAppeared.self)
                return deliver(.event(ResolvedEvent(resolved: message.event)))
            case .checkpointReached:
                let message = try reply.decodeMessage(as: ESCheckpointReached.self)
                return deliver(.checkpoint(Position(commit: message.commitPosition, prepare: message.preparePosition)))
            case .subscriptionDropped:
                let message = try reply.decodeMessage(as: ESSubscriptionDropped.self)
                switch message.reason {
                case .unsubscribed:
                    outlets.end(nil)
                    return .complete
                case .accessDenied:
                    return .fail(EventStoreClientError(.accessDenied, "access denied to \(target)"))
                default:
                    return .fail(EventStoreClientError(.subscriptionDropped, "subscription to \(target) dropped: \(message.reason)"))
                }
            default:
                return .fail(EventStoreClientError(.protocolViolation, "unexpected \(reply.command.name) on a subscription"))
            }
        } catch {
            return .fail(EventStoreClientError(.protocolViolation, "\(error)"))
        }
    }

    private func deliver(_ message: SubscriptionMessage) -> ReplyDecision {
        guard !outlets.finished else { return .unsubscribe }
        switch outlets.stream.yield(message) {
        case .enqueued: return .keep
        case .dropped:
            outlets.end(EventStoreClientError(.subscriptionDropped, "subscription to \(target) dropped: live queue overflow"))
            return .unsubscribe
        case .terminated:
            outlets.consumerLeft()
            return .unsubscribe
        @unknown default:
            return .keep
        }
    }

    func fail(_ error: EventStoreClientError) {
        outlets.fail(error)
    }
}

extension EventStoreClient {
    /// Subscribes to new events of `stream` (or of `$all` when `stream` is nil), after confirmation.
    ///
    /// ```swift
    /// let subscription = try await client.subscribe(to: "orders-1")
    /// for try await case .event(let event) in subscription { print(event.originalNumber) }
    /// ```
    /// - Parameters:
    ///   - filter: a server-side filter (only with `$all`).
    ///   - checkpointInterval: with a filter, send a checkpoint every N records considered (−1: never).
    ///   - bufferSize: events kept for a slow consumer before the subscription is dropped.
    public func subscribe(
        to stream: String?, resolveLinks: Bool = true, filter: EventFilter? = nil, checkpointInterval: Int = -1,
        bufferSize: Int = 10_000, credentials: UserCredentials? = nil
    ) async throws -> VolatileSubscription {
        if filter != nil, stream != nil {
            throw EventStoreClientError(.invalidArgument, "filters apply to $all subscriptions only")
        }
        let (events, continuation) = AsyncThrowingStream<SubscriptionMessage, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(max(bufferSize, 1)))
        let command: TCPCommand
        let payload: [UInt8]
        if let filter {
            var request = ESFilteredSubscribeToStream()
            request.eventStreamID = ""
            request.resolveLinkTos = resolveLinks
            request.filter = filter.wire
            request.checkpointInterval = Int32(clamping: checkpointInterval)
            command = .filteredSubscribeToStream
            payload = (try? request.serializedBytes(partial: true)) ?? []
        } else {
            var request = ESSubscribeToStream()
            request.eventStreamID = stream ?? ""
            request.resolveLinkTos = resolveLinks
            command = .subscribeToStream
            payload = (try? request.serializedBytes(partial: true)) ?? []
        }
        let target = stream ?? "$all"
        let (confirmation, _) = try await startSubscription(
            command, payload: ByteBuffer(bytes: payload), credentials: credentials, stream: continuation
        ) { confirmed in
            SubscriptionHandler(target: target, confirmation: confirmed, continuation: continuation)
        }
        return VolatileSubscription(lastCommitPosition: confirmation.lastCommitPosition,
                                    lastEventNumber: confirmation.lastEventNumber, stream: events)
    }
}
