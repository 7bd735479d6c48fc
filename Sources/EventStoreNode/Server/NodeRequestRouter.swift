import EventStoreWire
import Foundation
import NIOCore
import SwiftProtobuf

/// Decodes one request, applies the leader rule, runs it on the engine and sends the reply.
struct NodeRequestRouter {
    let node: NodeContext
    let connection: NodeConnection
    let package: TCPPackage
    let user: NodeUser?

    private var engine: NodeEngine { node.engine }
    private var id: UUID { package.correlationID }

    func route() throws {
        switch package.command {
        case .writeEvents:
            let request = try decode(ESWriteEvents.self)
            try RequestChecks.streamID(request.eventStreamID, command: package.command)
            try RequestChecks.expectedVersion(request.expectedVersion, command: package.command)
            guard leaderCheck(request.requireLeader) else { return }
            let events = try ProposedEvent.validating(request.events, command: package.command)
            // Straight from the event loop to the writer and back (no task in between): the reply is
            // built on the connection's loop.
            let (connection, id) = (connection, self.id)
            engine.write(request, events: events, user: user) { result in
                connection.reply(.writeEventsCompleted, id: id) { _ in
                    TCPPackage(command: .writeEventsCompleted, correlationID: id, message: ESWriteEventsCompleted(result))
                }
            }
        case .deleteStream:
            let request = try decode(ESDeleteStream.self)
            try RequestChecks.streamID(request.eventStreamID, command: package.command)
            try RequestChecks.expectedVersion(request.expectedVersion, command: package.command)
            guard leaderCheck(request.requireLeader) else { return }
            respond(.deleteStreamCompleted) { [engine, user] in await engine.delete(request, user: user) }
        case .transactionStart:
            let request = try decode(ESTransactionStart.self)
            try RequestChecks.streamID(request.eventStreamID, command: package.command)
            try RequestChecks.expectedVersion(request.expectedVersion, command: package.command, allowStreamExists: false)
            guard leaderCheck(request.requireLeader) else { return }
            respond(.transactionStartCompleted) { [engine, user] in await engine.transactionStart(request, user: user) }
        case .transactionWrite:
            let request = try decode(ESTransactionWrite.self)
            guard leaderCheck(request.requireLeader) else { return }
            let events = try ProposedEvent.validating(request.events, command: package.command)
            respond(.transactionWriteCompleted) { [engine, user] in await engine.transactionWrite(request, events: events, user: user) }
        case .transactionCommit:
            let request = try decode(ESTransactionCommit.self)
            guard leaderCheck(request.requireLeader) else { return }
            respond(.transactionCommitCompleted) { [engine, user] in await engine.transactionCommit(request, user: user) }
        case .readEvent:
            let request = try decode(ESReadEvent.self)
            guard leaderCheck(request.requireLeader) else { return }
            respondRead(.readEventCompleted, encode: { reply, _ in Self.serialized(reply) }) {
                try $0.readEvent(stream: request.eventStreamID, number: request.eventNumber, resolveLinks: request.resolveLinkTos)
            }
        case .readStreamEventsForward, .readStreamEventsBackward:
            let request = try decode(ESReadStreamEvents.self)
            guard leaderCheck(request.requireLeader) else { return }
            let forward = package.command == .readStreamEventsForward
            respondRead(package.command.replyCommand!, encode: { $0.encoded(for: $1) }) {
                try $0.readStream(stream: request.eventStreamID, from: request.fromEventNumber, maxCount: request.maxCount,
                                  forward: forward, resolveLinks: request.resolveLinkTos)
            }
        case .readAllEventsForward, .readAllEventsBackward:
            let request = try decode(ESReadAllEvents.self)
            guard leaderCheck(request.requireLeader) else { return }
            let forward = package.command == .readAllEventsForward
            let from = LogPosition(commit: request.commitPosition, prepare: request.preparePosition)
            respondRead(package.command.replyCommand!, encode: { $0.encoded(for: $1) }) {
                try $0.readAll(from: from, maxCount: request.maxCount, forward: forward, resolveLinks: request.resolveLinkTos)
            }
        case .filteredReadAllEventsForward, .filteredReadAllEventsBackward:
            let request = try decode(ESFilteredReadAllEvents.self)
            guard leaderCheck(request.requireLeader) else { return }
            let forward = package.command == .filteredReadAllEventsForward
            let from = LogPosition(commit: request.commitPosition, prepare: request.preparePosition)
            let filter = try eventFilter(request.filter)
            let window = request.hasMaxSearchWindow ? request.maxSearchWindow : nil
            // A denied filtered read is answered with the unfiltered reply (the server's authorization
            // gateway answers before the filter is looked at).
            let denied: TCPCommand = forward ? .readAllEventsForwardCompleted : .readAllEventsBackwardCompleted
            respondRead({ $0.result == .accessDenied ? denied : package.command.replyCommand! }, encode: { $0.encoded(for: $1) }) {
                try $0.filteredReadAll(from: from, maxCount: request.maxCount, maxSearchWindow: window, filter: filter,
                                       forward: forward, resolveLinks: request.resolveLinkTos)
            }
        case .subscribeToStream:
            let request = try decode(ESSubscribeToStream.self)
            try subscribe(stream: request.eventStreamID, resolveLinks: request.resolveLinkTos, filter: nil, checkpointInterval: -1)
        case .filteredSubscribeToStream:
            let request = try decode(ESFilteredSubscribeToStream.self)
            let filter = try eventFilter(request.filter)
            try subscribe(stream: request.eventStreamID, resolveLinks: request.resolveLinkTos, filter: filter,
                          checkpointInterval: request.checkpointInterval)
        case .unsubscribeFromStream:
            // An id with no subscription gets no reply, as EventStoreDB's SubscriptionsService has it.
            let volatile = engine.hub.unsubscribe(connection: connection.connectionID, id: id)
            let persistent = engine.persistent.unsubscribe(connection: connection.connectionID, id: id)
            if volatile || persistent { connection.deliver(.dropped(.unsubscribed), id: id) }
        case .createPersistentSubscription:
            let request = try decode(ESCreatePersistentSubscription.self)
            guard leaderCheck(true) else { return }
            respond(.createPersistentSubscriptionCompleted) { [engine, user] in
                ESCreatePersistentSubscriptionCompleted(await engine.persistent.create(request, user: user), group: request.subscriptionGroupName)
            }
        case .updatePersistentSubscription:
            let request = try decode(ESUpdatePersistentSubscription.self)
            guard leaderCheck(true) else { return }
            respond(.updatePersistentSubscriptionCompleted) { [engine, user] in
                ESUpdatePersistentSubscriptionCompleted(await engine.persistent.update(request, user: user), group: request.subscriptionGroupName)
            }
        case .deletePersistentSubscription:
            let request = try decode(ESDeletePersistentSubscription.self)
            guard leaderCheck(true) else { return }
            respond(.deletePersistentSubscriptionCompleted) { [engine, user] in
                ESDeletePersistentSubscriptionCompleted(await engine.persistent.delete(request, user: user), group: request.subscriptionGroupName)
            }
        case .connectToPersistentSubscription:
            let request = try decode(ESConnectToPersistentSubscription.self)
            // Creating a group with an empty name is allowed, connecting to one is not (the server's message checks).
            guard !request.subscriptionID.isEmpty else {
                throw BadRequestReason(text: "Could not unwrap network package for command \(package.command.name).\n")
            }
            guard leaderCheck(true) else { return }
            let (connection, id, engine, user) = (self.connection, self.id, self.engine, self.user)
            guard engine.persistent.announce(connection: connection.connectionID, id: id) else { throw Self.idInUse(package) }
            engine.tasks.run { await engine.persistent.connect(request, id: id, sink: connection, user: user) }
        case .persistentSubscriptionAckEvents:
            let request = try decode(ESPersistentSubscriptionAckEvents.self)
            engine.persistent.acknowledge(subscriptionID: request.subscriptionID, ids: request.processedEventIds.map(Array.init))
        case .persistentSubscriptionNakEvents:
            let request = try decode(ESPersistentSubscriptionNakEvents.self)
            engine.persistent.reject(subscriptionID: request.subscriptionID, ids: request.processedEventIds.map(Array.init),
                                     action: request.action)
        case .scavengeDatabase:
            throw BadRequestReason(text: "Scavenging is not supported by this node.")
        default:
            throw BadRequestReason(text: "Could not unwrap network package for command \(package.command.name).\n"
                + "\(package.command.name) is not a request.")
        }
    }

    /// A subscribe or connect whose correlation id already names a subscription on this connection.
    /// (EventStoreDB keeps both and loses track of the first; refusing is clearer.)
    static func idInUse(_ package: TCPPackage) -> BadRequestReason {
        BadRequestReason(text: "Could not unwrap network package for command \(package.command.name).\n"
            + "Correlation id \(package.correlationID) is already in use by a subscription on this connection.")
    }

    /// A request's filter; a regex the node cannot run is a BadRequest that says why.
    private func eventFilter(_ filter: ESFilter) throws(BadRequestReason) -> EventFilter {
        do {
            return try EventFilter(filter)
        } catch {
            throw BadRequestReason(text: "Could not unwrap network package for command \(package.command.name).\n"
                + "Invalid filter regex: \(error)")
        }
    }

    private func decode<M: SwiftProtobuf.Message>(_ type: M.Type) throws -> M {
        do {
            return try package.decodeMessage(as: type)
        } catch {
            throw BadRequestReason(text: "Could not unwrap network package for command \(package.command.name).\n\(error.reason)")
        }
    }

    /// On a follower, `require_leader` requests are answered with NotHandled(NotLeader).
    private func leaderCheck(_ requireLeader: Bool) -> Bool {
        guard requireLeader, let info = node.leaderInfo else { return true }
        var notHandled = ESNotHandled()
        notHandled.reason = .notLeader
        notHandled.additionalInfo = (try? info.serializedBytes()) ?? Data()
        connection.send(TCPPackage(command: .notHandled, correlationID: id, message: notHandled))
        return false
    }

    private func respond<M: SwiftProtobuf.Message>(_ command: TCPCommand, _ work: @escaping @Sendable () async -> M) {
        let (connection, id) = (self.connection, self.id)
        engine.tasks.run {
            let message = await work()
            connection.send(TCPPackage(command: command, correlationID: id, message: message))
        }
    }

    /// Runs `work` on a reader and sends its reply, encoded for the connection's client version.
    private func respondRead<Reply: Sendable>(
        _ command: TCPCommand, encode: @escaping @Sendable (Reply, ClientVersion) -> ByteBuffer,
        _ work: @escaping @Sendable (ReadContext) throws -> Reply
    ) {
        respondRead({ _ in command }, encode: encode, work)
    }

    /// As above, with the reply command chosen by the reply.
    private func respondRead<Reply: Sendable>(
        _ commandFor: @escaping @Sendable (Reply) -> TCPCommand, encode: @escaping @Sendable (Reply, ClientVersion) -> ByteBuffer,
        _ work: @escaping @Sendable (ReadContext) throws -> Reply
    ) {
        let (connection, id, engine, user, logger) = (self.connection, self.id, self.engine, self.user, node.logger)
        engine.tasks.run {
            do {
                let reply = try await engine.read(user: user, work)
                let command = commandFor(reply)
                connection.reply(command, id: id) { version in
                    TCPPackage(command: command, correlationID: id, payload: encode(reply, version))
                }
            } catch is CancellationError {
                // The node is shutting down; the connection is about to close.
            } catch {
                logger.error("read failed: \(error)")
                connection.send(TCPPackage(command: .badRequest, correlationID: id,
                                           payload: ByteBuffer(string: "Read failed: \(error)")))
            }
        }
    }

    private static func serialized(_ message: some SwiftProtobuf.Message) -> ByteBuffer {
        ByteBuffer(bytes: (try? message.serializedBytes(partial: true)) ?? [UInt8]())
    }

    private func subscribe(stream: String, resolveLinks: Bool, filter: EventFilter?, checkpointInterval: Int32) throws {
        let limit = node.configuration.maxSubscriptionsPerConnection
        guard engine.hub.count(connection: connection.connectionID) < limit else {
            throw BadRequestReason(text: "Too many subscriptions on this connection: the limit is \(limit).")
        }
        let (connection, id, engine, user) = (self.connection, self.id, self.engine, self.user)
        guard engine.hub.announce(connection: connection.connectionID, id: id) else { throw Self.idInUse(package) }
        engine.tasks.run {
            await engine.subscribe(id: id, sink: connection, stream: stream, resolveLinks: resolveLinks, filter: filter,
                                   checkpointInterval: checkpointInterval, user: user)
        }
    }
}
