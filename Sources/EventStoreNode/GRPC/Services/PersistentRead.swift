import EventStoreGRPC
import EventStoreWire
import Foundation
import GRPCCore

/// `Read` (bidi): the first request names the group (`options`); the node confirms, then sends the
/// group's events as it hands them to this consumer, while the client acknowledges (`ack`) or
/// rejects (`nack`) them by event id. The call ends when the client cancels it — its unacknowledged
/// events go back to the group — or when the group drops the consumer (deleted, updated,
/// restarted: `CANCELLED` with `exception: persistent-subscription-dropped`).
extension PersistentSubscriptionsService {
    typealias ReadReq = EventStore_Client_PersistentSubscriptions_ReadReq
    typealias ReadResp = EventStore_Client_PersistentSubscriptions_ReadResp

    func read(
        request: StreamingServerRequest<EventStore_Client_PersistentSubscriptions_ReadReq>, context: ServerContext
    ) async throws -> StreamingServerResponse<EventStore_Client_PersistentSubscriptions_ReadResp> {
        try node.requireLeader()
        let user = try node.caller(of: request.metadata)
        let identity = PersistentConsumerIdentity(
            from: Self.address(context.remotePeer), username: user?.login ?? "anonymous",
            connectionName: request.metadata[stringValues: "connection-name"].first(where: { _ in true }) ?? "<unknown>")
        let messages = request.messages
        let groups = self.groups
        return StreamingServerResponse { writer in
            // The first request arrives through `firsts`; the acks and nacks after it are applied by
            // the request task as they come (the server's PumpRequestStream), once the consumer is
            // confirmed. The call goes on when the client stops sending; it ends when the consumer
            // is dropped or the call is cancelled.
            let (firsts, first) = AsyncStream.makeStream(of: ReadReq.self)
            let confirmed = LockedValue<String?>(nil)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    defer { first.finish() }
                    var requests = messages.makeAsyncIterator()
                    guard let request = try await requests.next() else { return }
                    first.yield(request)
                    first.finish()
                    while let request = try await requests.next() {
                        // Requests it cannot read are ignored, as the server ignores them.
                        guard let subscriptionID = confirmed.value else { continue }
                        Self.apply(request, subscriptionID: subscriptionID, groups: groups)
                    }
                }
                // A call closed before asking for anything ends quietly, as on the server.
                var opening = firsts.makeAsyncIterator()
                guard let request = await opening.next() else { return }
                guard case .options(let options)? = request.content else {
                    throw GRPCFailure.invalidArgument("The first message of a Read must be its options.")
                }
                let key = try Self.groupKey(of: options)
                var uuidAsString = false
                if case .string? = options.uuidOption.content { uuidAsString = true }
                try await consume(key, bufferSize: options.bufferSize, user: user, identity: identity, uuidAsString: uuidAsString,
                                  confirmed: confirmed, writer: writer)
            }
            return [:]
        }
    }

    /// Joins the group and relays until the consumer is dropped or the call is cancelled (it always
    /// throws then); the consumer leaves the group when this returns. `confirmed` gets the group's
    /// subscription id once the consumer is in.
    private func consume(
        _ key: PersistentGroupKey, bufferSize: Int32, user: NodeUser?, identity: PersistentConsumerIdentity, uuidAsString: Bool,
        confirmed: LockedValue<String?>, writer: RPCWriter<ReadResp>
    ) async throws {
        let sink = PersistentReadSink()
        let id = UUID()
        let groups = self.groups
        _ = groups.announce(connection: sink.connectionID, id: id)  // a new sink: its id is free
        defer {
            groups.unsubscribe(connection: sink.connectionID, id: id)
            sink.finish()
        }
        // The client cancelling the call (or the node shutting down) ends the relay below.
        try await withRPCCancellationHandler {
            await groups.connect(key, allowedInFlight: bufferSize, id: id, sink: sink, user: user, identity: identity)
            try await relay(sink, key, uuidAsString: uuidAsString, confirmed: confirmed, writer: writer)
        } onCancelRPC: {
            sink.finish()
        }
    }

    /// Writes what the group sends this consumer: the confirmation (then `confirmed` holds the
    /// subscription id), then its events; throws when the consumer is dropped, or when `sink` ends.
    private func relay(
        _ sink: PersistentReadSink, _ key: PersistentGroupKey, uuidAsString: Bool, confirmed: LockedValue<String?>,
        writer: RPCWriter<ReadResp>
    ) async throws {
        var items = sink.items.makeAsyncIterator()
        // The confirmation comes first, or the reason there is none.
        guard let first = await items.next() else { throw CancellationError() }
        switch first {
        case .confirmed(let subscriptionID):
            var confirmation = ReadResp()
            confirmation.subscriptionConfirmation.subscriptionID = subscriptionID
            try await writer.write(confirmation)
            confirmed.value = subscriptionID
        case .dropped(let reason):
            throw Self.failure(reason, key)
        case .message:
            throw GRPCFailure.unknownError("message before the confirmation")
        }
        while let item = await items.next() {
            switch item {
            case .message(let message):
                var response = ReadResp()
                response.event = Self.readEvent(message, uuidAsString: uuidAsString)
                try await writer.write(response)
            case .dropped(let reason):
                throw Self.failure(reason, key)
            case .confirmed:
                continue
            }
        }
        throw CancellationError()
    }

    /// An ack or nack from the client: its event ids (structured or string UUIDs; others are skipped).
    private static func apply(_ request: ReadReq, subscriptionID: String, groups: PersistentSubscriptions) {
        func ids(_ uuids: [EventStore_Client_UUID]) -> [[UInt8]] {
            uuids.compactMap { $0.foundationUUID?.dotNetBytes }
        }
        switch request.content {
        case .ack(let ack)?:
            groups.acknowledge(subscriptionID: subscriptionID, ids: ids(ack.ids))
        case .nack(let nack)?:
            let action: ESPersistentSubscriptionNakEvents.NakAction
            switch nack.action {
            case .unknown: action = .unknown
            case .park: action = .park
            case .retry: action = .retry
            case .skip: action = .skip
            case .stop: action = .stop
            case .UNRECOGNIZED: return
            }
            groups.reject(subscriptionID: subscriptionID, ids: ids(nack.ids), action: action)
        case .options?, nil:
            return
        }
    }

    /// A message as `ReadResp.ReadEvent`: the event (nil for a link whose event is gone) and the
    /// link, both at the position of the record the group read, and the retry count.
    static func readEvent(_ message: PersistentMessage, uuidAsString: Bool) -> ReadResp.ReadEvent {
        let original = message.records.records[0]
        let (event, link) = message.records[0]
        func recorded(_ record: RecordedLogEvent) -> ReadResp.ReadEvent.RecordedEvent {
            var recorded = ReadResp.ReadEvent.RecordedEvent(record, uuidAsString: uuidAsString)
            recorded.commitPosition = UInt64(bitPattern: original.position.commit)
            recorded.preparePosition = UInt64(bitPattern: original.position.prepare)
            return recorded
        }
        var readEvent = ReadResp.ReadEvent()
        if let event { readEvent.event = recorded(event) }
        if let link { readEvent.link = recorded(link) }
        readEvent.commitPosition = UInt64(bitPattern: original.position.commit)
        readEvent.retryCount = message.retryCount
        return readEvent
    }

    /// Why the group dropped (or refused) the consumer, as the server ends the call.
    static func failure(_ reason: ESSubscriptionDropped.SubscriptionDropReason, _ key: PersistentGroupKey) -> RPCError {
        switch reason {
        case .accessDenied: GRPCFailure.accessDenied()
        case .notFound, .persistentSubscriptionDeleted:
            GRPCFailure.persistentSubscriptionDoesNotExist(stream: key.stream, group: key.group)
        case .subscriberMaxCountReached: GRPCFailure.maximumSubscribersReached(stream: key.stream, group: key.group)
        case .unsubscribed: GRPCFailure.persistentSubscriptionDropped(stream: key.stream, group: key.group)
        }
    }

    /// `ipv4:127.0.0.1:5000` (grpc-swift's peer) as the server shows a client: `127.0.0.1:5000`.
    static func address(_ peer: String) -> String {
        for scheme in ["ipv4:", "ipv6:", "unix:"] where peer.hasPrefix(scheme) { return String(peer.dropFirst(scheme.count)) }
        return peer
    }
}
