import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization
import Testing

typealias PersistentClient = EventStore_Client_PersistentSubscriptions_PersistentSubscriptions.Client<HTTP2ClientTransport.Posix>
typealias PSCreateReq = EventStore_Client_PersistentSubscriptions_CreateReq
typealias PSUpdateReq = EventStore_Client_PersistentSubscriptions_UpdateReq
typealias PSReadReq = EventStore_Client_PersistentSubscriptions_ReadReq
typealias PSReadResp = EventStore_Client_PersistentSubscriptions_ReadResp
typealias PSReadEvent = EventStore_Client_PersistentSubscriptions_ReadResp.ReadEvent

/// Requests of the PersistentSubscriptions service as KurrentDB's clients build them.
enum PersistentRequests {
    /// The settings kurrentdbclient sends by default (its `create_subscription_to_stream`).
    static func settings(strategy: String = "RoundRobin", checkpointCount: Int32? = nil) -> PSCreateReq.Settings {
        var settings = PSCreateReq.Settings()
        settings.maxRetryCount = 10
        settings.minCheckpointCount = checkpointCount ?? 10
        settings.maxCheckpointCount = checkpointCount ?? 1000
        settings.liveBufferSize = 500
        settings.readBatchSize = 20
        settings.historyBufferSize = 500
        settings.messageTimeoutMs = 30_000
        settings.checkpointAfterMs = 2_000
        settings.consumerStrategy = strategy
        return settings
    }

    /// Create on a stream, from its start unless `end`.
    static func createOnStream(_ stream: String, _ group: String, end: Bool = false, settings: PSCreateReq.Settings = settings())
        -> PSCreateReq {
        var request = PSCreateReq()
        var options = PSCreateReq.StreamOptions()
        options.streamIdentifier = streamIdentifier(stream)
        if end { options.end = EventStore_Client_Empty() } else { options.start = EventStore_Client_Empty() }
        request.options.stream = options
        request.options.groupName = group
        request.options.settings = settings
        return request
    }

    /// Create on `$all` from its start (or a position), with an optional filter.
    static func createOnAll(
        _ group: String, from position: (commit: UInt64, prepare: UInt64)? = nil,
        filter: PSCreateReq.AllOptions.FilterOptions? = nil, settings: PSCreateReq.Settings = settings()
    ) -> PSCreateReq {
        var request = PSCreateReq()
        var options = PSCreateReq.AllOptions()
        if let position {
            var start = PSCreateReq.Position()
            start.commitPosition = position.commit
            start.preparePosition = position.prepare
            options.position = start
        } else {
            options.start = EventStore_Client_Empty()
        }
        if let filter { options.filter = filter } else { options.noFilter = EventStore_Client_Empty() }
        request.options.all = options
        request.options.groupName = group
        request.options.settings = settings
        return request
    }

    /// A `$all` filter on stream-name prefixes (or on event types when `eventTypes`).
    static func prefixFilter(_ prefixes: [String], eventTypes: Bool = false) -> PSCreateReq.AllOptions.FilterOptions {
        var expression = PSCreateReq.AllOptions.FilterOptions.Expression()
        expression.prefix = prefixes
        var filter = PSCreateReq.AllOptions.FilterOptions()
        if eventTypes { filter.eventType = expression } else { filter.streamIdentifier = expression }
        filter.max = 32
        filter.checkpointIntervalMultiplier = 1
        return filter
    }

    /// A `$all` filter with a regular expression on stream names.
    static func regexFilter(_ regex: String) -> PSCreateReq.AllOptions.FilterOptions {
        var expression = PSCreateReq.AllOptions.FilterOptions.Expression()
        expression.regex = regex
        var filter = PSCreateReq.AllOptions.FilterOptions()
        filter.streamIdentifier = expression
        filter.count = EventStore_Client_Empty()
        return filter
    }

    /// Read's first message: the group, on a stream or on `$all` (`stream` nil).
    static func readOptions(_ stream: String?, _ group: String, bufferSize: Int32 = 10, uuidAsString: Bool = false) -> PSReadReq {
        var options = PSReadReq.Options()
        if let stream { options.streamIdentifier = streamIdentifier(stream) } else { options.all = EventStore_Client_Empty() }
        options.groupName = group
        options.bufferSize = bufferSize
        if uuidAsString { options.uuidOption.string = EventStore_Client_Empty() } else { options.uuidOption.structured = EventStore_Client_Empty() }
        var request = PSReadReq()
        request.options = options
        return request
    }
}

/// A gRPC Read in progress, driven by a test: it sends acks and nacks, and keeps what the node
/// sent and how the call ended, which the test polls with a deadline.
final class PersistentRead: Sendable {
    private let requests: AsyncStream<PSReadReq>.Continuation
    /// What the call's task records and the test reads.
    private final class Record: Sendable {
        let received = Mutex<[PSReadResp]>([])
        let outcome = Mutex<Result<Void, any Error>?>(nil)
    }

    private let record = Record()
    private let task: Task<Void, Never>

    /// Starts `Read` with `first` as its first message.
    init(_ client: NodeGRPCClient, _ first: PSReadReq, metadata: Metadata = .admin) {
        let (stream, requests) = AsyncStream.makeStream(of: PSReadReq.self)
        self.requests = requests
        requests.yield(first)
        let record = self.record
        let service = EventStore_Client_PersistentSubscriptions_PersistentSubscriptions.Client(wrapping: client)
        task = Task {
            do {
                try await service.read(metadata: metadata, requestProducer: { writer in
                    for await request in stream { try await writer.write(request) }
                }, onResponse: { response in
                    for try await message in response.messages { record.received.withLock { $0.append(message) } }
                })
                record.outcome.withLock { $0 = .success(()) }
            } catch {
                record.outcome.withLock { $0 = .failure(error) }
            }
        }
    }

    deinit {
        task.cancel()
    }

    /// Everything the node sent so far.
    var responses: [PSReadResp] { record.received.withLock { $0 } }

    /// The events received so far.
    var events: [PSReadEvent] {
        responses.compactMap { if case .event(let event)? = $0.content { event } else { nil } }
    }

    /// The confirmation's subscription id, once received.
    var subscriptionID: String? {
        responses.lazy.compactMap { if case .subscriptionConfirmation(let confirmation)? = $0.content { confirmation.subscriptionID } else { nil } }
            .first
    }

    /// Waits for the confirmation (within 10 s).
    @discardableResult
    func confirmed() async throws -> String {
        guard await eventually({ self.subscriptionID != nil || self.ended }), let id = subscriptionID else {
            throw PersistentReadError("no confirmation; ended with \(String(describing: endError))")
        }
        return id
    }

    /// Waits until `count` events have arrived in all (within 10 s) and returns them all.
    func events(_ count: Int) async throws -> [PSReadEvent] {
        guard await eventually({ self.events.count >= count || self.ended }), events.count >= count else {
            throw PersistentReadError("\(events.count) of \(count) events; ended with \(String(describing: endError))")
        }
        return events
    }

    /// Whether the call has ended.
    var ended: Bool { record.outcome.withLock { $0 != nil } }

    /// The error the call ended with (nil while running or when it ended cleanly).
    var endError: (any Error)? {
        record.outcome.withLock { if case .failure(let error)? = $0 { error } else { nil } }
    }

    /// Waits for the call to end (within 10 s) and returns its error as an `RPCError`.
    func failure() async throws -> RPCError {
        guard await eventually({ self.ended }) else { throw PersistentReadError("the call did not end") }
        guard let error = endError as? RPCError else { throw PersistentReadError("ended with \(String(describing: endError))") }
        return error
    }

    func send(_ request: PSReadReq) {
        requests.yield(request)
    }

    /// Acknowledges events by the id the client names them by: the link's when there is one.
    func ack(_ events: [PSReadEvent]) {
        var request = PSReadReq()
        request.ack.ids = events.map(\.ackID)
        send(request)
    }

    func nack(_ events: [PSReadEvent], _ action: PSReadReq.Nack.Action) {
        var request = PSReadReq()
        request.nack.ids = events.map(\.ackID)
        request.nack.action = action
        request.nack.reason = "test"
        send(request)
    }

    /// Ends the call from the client's side.
    func cancel() {
        task.cancel()
    }
}

struct PersistentReadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension PSReadEvent {
    /// The id an ack names, as KurrentDB's clients pick it: the link's when there is one.
    var ackID: EventStore_Client_UUID { hasLink ? link.id : event.id }

    /// The event's stream and revision, for comparisons.
    var streamRevision: String { "\(String(decoding: event.streamIdentifier.streamName, as: UTF8.self))@\(event.streamRevision)" }
}

extension NodeGRPCClient {
    /// The PersistentSubscriptions service.
    var persistent: PersistentClient { PersistentClient(wrapping: self) }
}

/// Waits until `operation` throws an `RPCError` and returns it; records an issue if it succeeds.
func rpcError(_ operation: () async throws -> some Any) async -> RPCError? {
    do {
        _ = try await operation()
        Issue.record("expected an RPCError")
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        Issue.record("expected an RPCError, got \(error)")
        return nil
    }
}

/// A stream name as the API carries it.
func streamIdentifier(_ name: String) -> EventStore_Client_StreamIdentifier {
    var identifier = EventStore_Client_StreamIdentifier()
    identifier.streamName = Data(name.utf8)
    return identifier
}
