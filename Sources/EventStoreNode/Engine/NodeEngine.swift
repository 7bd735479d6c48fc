import EventStoreWire
import Foundation
import NIOPosix

/// The node's request logic over its storage: writes through group commit, reads on reader
/// connections off the event loops, subscriptions fanned out after each commit.
///
/// Requests and replies are the protocol's own messages, so every rule of docs/protocol.md §4 is
/// applied in exactly one place.
final class NodeEngine: Sendable {
    let writer: GroupCommitWriter<WriterState>
    let reader: EventLogReader
    let view: CommittedView
    let hub: SubscriptionHub
    let access: AccessControl
    /// The accounts both doors authenticate against, kept current after each commit.
    let users: UserStore
    /// Persistent subscription groups (competing consumers).
    let persistent: PersistentSubscriptions
    private let threadPool: NIOThreadPool
    /// Serial: delivers committed records to live subscribers in commit order, off the writer thread.
    private let fanOut: DispatchQueue
    /// Runs the standard projections when they are on.
    private let projector: Projector
    /// The tasks requests run in, ended with the node.
    let tasks = RequestTasks()

    init(
        storage: NodeStorage, access: AccessControl, accounts: [NodeUser] = NodeUser.defaults, threadPool: NIOThreadPool,
        transactionLimits: TransactionLimits = TransactionLimits(), runsStandardProjections: Bool = false
    ) throws {
        let view = CommittedView()
        try storage.reader.withLog { (log) throws in try view.loadSettings(from: log) }
        let users = UserStore()
        try storage.reader.withLog { (log) throws in try users.load(from: log) }
        let lastPosition = try storage.reader.withLog { (log) throws in try log.lastPosition() }
        let hub = SubscriptionHub(lastCommitted: lastPosition)
        let persistent = PersistentSubscriptions()
        let reader = storage.reader
        let fanOut = DispatchQueue(label: "esdb.node.fan-out")
        self.fanOut = fanOut
        let projector = Projector(enabled: runsStandardProjections)
        self.projector = projector
        self.view = view
        self.hub = hub
        self.reader = reader
        self.access = access
        self.users = users
        self.persistent = persistent
        self.threadPool = threadPool
        self.writer = try storage.makeWriter(
            loadState: { log in
                var state = WriterState()
                state.transactions.limits = transactionLimits
                if let settings = try log.lastEvent(stream: StreamNames.settings) {
                    state.settings = StoredMetadata.settings(from: settings.data)
                }
                state.nextTransactionID = try log.lastPosition() + 1
                return state
            },
            didCommit: { _, records in
                view.apply(records)
                users.apply(records)
                // Fan-out leaves the writer thread: subscriber filters and link resolution must
                // not delay the next commit.
                fanOut.async {
                    hub.publish(records) { link in
                        let resolved = try? reader.withLog { (log) throws in
                            try ReadContext(log: log, view: view, access: access, user: nil, now: currentEpochMilliseconds())
                                .resolve([link], resolveLinks: true, live: true)
                        }
                        return resolved ?? ReadRecords(link: link, target: nil)
                    }
                }
                persistent.committed(records)
                projector.committed(records)
            })
        try Self.seedIfFresh(writer: writer, users: accounts, access: access)
        try projector.start(writer: writer, reader: reader)
        persistent.start(engine: self)
    }

    /// Writes what a fresh server writes first into an empty log (``FreshDatabase``), then the
    /// configured accounts not stored yet; waits for it.
    private static func seedIfFresh(writer: GroupCommitWriter<WriterState>, users: [NodeUser], access: AccessControl) throws {
        let context = WriteContext(user: .system, access: access, now: currentEpochMilliseconds())
        try writer.submitAndWait { state, batch in
            try state.seedFreshDatabase(users: users, context: context, batch: &batch)
            try state.seedMissingAccounts(users, context: context, batch: &batch)
        }
    }

    // MARK: Writes

    /// Runs a write-like job on the writer thread; a job that throws resets the caches.
    private func writeJob(_ job: @escaping @Sendable (inout WriterState, inout WriteBatch) throws -> WriteResult) async -> WriteResult {
        await withCheckedContinuation { continuation in
            writeJob(job) { continuation.resume(returning: $0) }
        }
    }

    /// The callback form of ``writeJob(_:)``: `completion` runs on the writer thread after the commit.
    private func writeJob(
        _ job: @escaping @Sendable (inout WriterState, inout WriteBatch) throws -> WriteResult,
        completion: @escaping @Sendable (WriteResult) -> Void
    ) {
        writer.submit({ state, batch in
            do {
                return try job(&state, &batch)
            } catch {
                state.reset()
                throw error
            }
        }, completion: { result in
            switch result {
            case .success(let written): completion(written)
            case .failure(let error): completion(.failure(.commitTimeout, "Storage failure: \(error)"))
            }
        })
    }

    /// WriteEvents. `completion` runs on the writer thread once the batch has committed: it must only
    /// hand the result off (to the connection's event loop), since it delays the next batch.
    func write(
        _ request: ESWriteEvents, events: [ProposedEvent], user: NodeUser?,
        completion: @escaping @Sendable (WriteResult) -> Void
    ) {
        write(stream: request.eventStreamID, expected: request.expectedVersion, events: events, user: user,
              completion: completion)
    }

    /// WriteEvents by its parts (the gRPC door's Append and BatchAppend); `completion` as above.
    func write(
        stream: String, expected: Int64, events: [ProposedEvent], user: NodeUser?,
        completion: @escaping @Sendable (WriteResult) -> Void
    ) {
        let context = WriteContext(user: user, access: access, now: currentEpochMilliseconds())
        writeJob({ state, batch in
            try state.write(stream: stream, expected: expected, events: events, context: context, batch: &batch)
        }, completion: completion)
    }

    /// Appends one event to a system stream as the node itself (persistent subscription checkpoints,
    /// parked links, configuration); `completion` runs on the writer thread after the commit.
    func appendSystemEvent(
        to stream: String, type: String, isJSON: Bool, data: [UInt8], completion: @escaping @Sendable (WriteResult) -> Void
    ) {
        let context = WriteContext(user: .system, access: access, now: currentEpochMilliseconds())
        let event = ProposedEvent(eventID: UUID.random().dotNetBytes, type: type, isJSON: isJSON, data: data, metadata: [])
        writeJob({ state, batch in
            try state.write(stream: stream, expected: WireExpectedVersion.any, events: [event], context: context, batch: &batch)
        }, completion: completion)
    }

    /// Soft-deletes a system stream as the node itself (a deleted group's checkpoint).
    func deleteSystemStream(_ stream: String) async {
        let context = WriteContext(user: .system, access: access, now: currentEpochMilliseconds())
        _ = await writeJob { state, batch in
            try state.delete(stream: stream, expected: WireExpectedVersion.any, hard: false, context: context, batch: &batch)
        }
    }

    func delete(_ request: ESDeleteStream, user: NodeUser?) async -> ESDeleteStreamCompleted {
        let result = await delete(stream: request.eventStreamID, expected: request.expectedVersion,
                                  hard: request.hardDelete, user: user)
        var reply = ESDeleteStreamCompleted()
        reply.result = result.result
        if let message = result.message { reply.message = message }
        reply.preparePosition = result.position?.prepare ?? -1
        reply.commitPosition = result.position?.commit ?? -1
        return reply
    }

    /// DeleteStream by its parts, with the stream's version when the expected one did not hold
    /// (the gRPC door reports it).
    func delete(stream: String, expected: Int64, hard: Bool, user: NodeUser?) async -> WriteResult {
        let context = WriteContext(user: user, access: access, now: currentEpochMilliseconds())
        return await writeJob { state, batch in
            try state.delete(stream: stream, expected: expected, hard: hard, context: context, batch: &batch)
        }
    }

    func transactionStart(_ request: ESTransactionStart, user: NodeUser?) async -> ESTransactionStartCompleted {
        let context = WriteContext(user: user, access: access, now: currentEpochMilliseconds())
        let (stream, expected) = (request.eventStreamID, request.expectedVersion)
        var reply = ESTransactionStartCompleted()
        reply.transactionID = -1
        do {
            let outcome = try await writer.submit { (state, batch) throws -> Result<Int64, OpenTransactions.Refusal>? in
                guard stream != StreamNames.all, try state.allowed(.write, on: stream, context: context, log: batch.log) else {
                    return nil
                }
                let id = state.nextTransactionID
                if let refusal = state.transactions.start(id: id, stream: stream, expectedVersion: expected, now: context.now) {
                    return .failure(refusal)
                }
                state.nextTransactionID += 1
                return .success(id)
            }
            switch outcome {
            case nil:
                reply.result = .accessDenied
                reply.message = "Access Denied"
            case .success(let id)?:
                reply.transactionID = id
                reply.result = .success
            case .failure(let refusal)?:
                reply.result = .invalidTransaction
                reply.message = refusal.message
            }
        } catch {
            reply.result = .commitTimeout
            reply.message = "Storage failure: \(error)"
        }
        return reply
    }

    /// TransactionWrite: the caller must be allowed to write the transaction's stream (the server
    /// authorizes each step with its own request's user); an unknown id is AccessDenied.
    func transactionWrite(_ request: ESTransactionWrite, events: [ProposedEvent], user: NodeUser?) async -> ESTransactionWriteCompleted {
        let context = WriteContext(user: user, access: access, now: currentEpochMilliseconds())
        let id = request.transactionID
        var reply = ESTransactionWriteCompleted()
        reply.transactionID = id
        do {
            let refusal = try await writer.submit { (state, batch) throws -> OpenTransactions.Refusal? in
                guard let transaction = state.transactions.transaction(id),
                      try state.allowed(.write, on: transaction.stream, context: context, log: batch.log)
                else { return .unknown }
                return state.transactions.append(events, to: id, now: context.now)
            }
            switch refusal {
            case nil:
                reply.result = .success
            case .tooLarge?, .tooMany?:
                reply.result = .invalidTransaction
                reply.message = refusal!.message
            case .unknown?:
                reply.result = .accessDenied
                reply.message = "Access Denied"
            }
        } catch {
            reply.result = .commitTimeout
            reply.message = "Storage failure: \(error)"
        }
        return reply
    }

    func transactionCommit(_ request: ESTransactionCommit, user: NodeUser?) async -> ESTransactionCommitCompleted {
        let context = WriteContext(user: user, access: access, now: currentEpochMilliseconds())
        let id = request.transactionID
        let result = await writeJob { state, batch in try state.commitTransaction(id: id, context: context, batch: &batch) }
        var reply = ESTransactionCommitCompleted()
        reply.transactionID = id
        reply.result = result.result
        if let message = result.message { reply.message = message }
        reply.firstEventNumber = result.firstNumber
        reply.lastEventNumber = result.lastNumber
        reply.preparePosition = result.position?.prepare ?? -1
        reply.commitPosition = result.position?.commit ?? -1
        return reply
    }

    // MARK: Reads

    /// Runs a read on a reader connection in the thread pool.
    func read<R: Sendable>(user: NodeUser?, _ body: @escaping @Sendable (ReadContext) throws -> R) async throws -> R {
        let (reader, view, access) = (self.reader, self.view, self.access)
        return try await threadPool.runIfActive {
            try reader.withLog { (log) throws in
                try body(ReadContext(log: log, view: view, access: access, user: user, now: currentEpochMilliseconds()))
            }
        }
    }

    // MARK: Subscriptions

    /// Subscribes `sink` to a stream (or `$all` when `stream` is empty); AccessDenied drops at once.
    /// The request must have been announced to the hub (``SubscriptionHub/announce(connection:id:)``)
    /// on the connection's loop, so an unsubscribe that arrives while this runs wins.
    func subscribe(
        id: UUID, sink: any SubscriptionSink, stream: String, resolveLinks: Bool, filter: EventFilter?,
        checkpointInterval: Int32, user: NodeUser?
    ) async {
        let target = stream.isEmpty ? StreamNames.all : stream
        let allowed = (try? await read(user: user) { try $0.mayRead(target) }) ?? false
        guard allowed else {
            if hub.withdraw(connection: sink.connectionID, id: id) { sink.deliver(.dropped(.accessDenied), id: id) }
            return
        }
        let (reader, hub) = (self.reader, self.hub)
        do {
            try await threadPool.runIfActive {
                try hub.subscribe(
                id: id, sink: sink, stream: stream.isEmpty ? nil : stream, resolveLinks: resolveLinks, filter: filter,
                checkpointInterval: checkpointInterval,
                lastNumber: { stream in try reader.withLog { (log) throws in try log.lastNumber(stream: stream) ?? -1 } })
            }
        } catch {
            if hub.withdraw(connection: sink.connectionID, id: id) { sink.deliver(.dropped(.unsubscribed), id: id) }
        }
    }

    /// Stops the writer after queued writes finish.
    func shutdown() {
        persistent.shutdown()
        hub.dropAll()
        writer.shutdown()
        projector.stop()
    }
}

extension ESWriteEventsCompleted {
    init(_ result: WriteResult) {
        self.init()
        self.result = result.result
        if let message = result.message { self.message = message }
        firstEventNumber = result.firstNumber
        lastEventNumber = result.lastNumber
        if result.result == .success {
            preparePosition = result.position?.prepare ?? -1
            commitPosition = result.position?.commit ?? -1
        } else {
            preparePosition = EventNumber.invalid
            commitPosition = 0
            // As 23.10: -1 for StreamDeleted and AccessDenied, the stream's version otherwise.
            if result.result == .streamDeleted || result.result == .accessDenied {
                currentVersion = -1
            } else if let current = result.currentVersion {
                currentVersion = current
            }
        }
    }
}
