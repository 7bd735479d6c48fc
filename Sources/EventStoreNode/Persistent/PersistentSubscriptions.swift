import EventStoreWire
import Foundation
import Synchronization

/// The node's persistent subscription groups (docs/protocol.md §4.12): their settings, kept in
/// `$persistentSubscriptionConfig`; their consumers; and their I/O — reading the subscribed
/// stream, writing checkpoints and parked links, and retrying timed-out messages.
///
/// Each group's delivery logic is a ``PersistentGroup``; this class holds them under one lock and
/// carries out the reads and writes they ask for. Events are always read from the log (history
/// and live alike), so there is no race between catching up and going live: a commit to the
/// stream only tells the group to read again.
final class PersistentSubscriptions: Sendable {
    struct State {
        var groups: [PersistentGroupKey: PersistentGroup] = [:]
        var engine: NodeEngine?
        /// Connect requests being authorized, by connection and correlation id: a consumer is added
        /// only while its request is still here (its connection did not close, it was not unsubscribed).
        var pendingConnects: Set<PendingConnect> = []
    }

    struct PendingConnect: Hashable {
        let connection: ObjectIdentifier
        let id: UUID
    }

    // Internal rather than private for the extensions in PersistentSubscriptions+*.swift.
    let state = Mutex(State())
    /// Done once the stored groups are loaded; every request waits for it.
    let loaded = Mutex<Task<Void, Never>?>(nil)
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    /// Monotonic milliseconds, for timeouts and checkpoint timing.
    static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }

    /// Connects the engine, loads the stored groups and starts the timeout ticker.
    func start(engine: NodeEngine) {
        state.withLock { $0.engine = engine }
        let loading = Task { await self.load() }
        loaded.withLock { $0 = loading }
        ticker.withLock { ticker in
            ticker = Task {
                await loading.value
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    self.tick()
                }
            }
        }
    }

    /// Stops the ticker and lets go of the engine.
    func shutdown() {
        ticker.withLock { $0?.cancel() }
        state.withLock { $0.engine = nil }
    }

    var engine: NodeEngine? { state.withLock { $0.engine } }

    func waitUntilLoaded() async {
        await loaded.withLock { $0 }?.value
    }

    // MARK: Management

    /// How a Create, Update or Delete ended; the router turns it into the command's reply.
    enum ManagementOutcome: Equatable {
        case success
        case accessDenied
        case alreadyExists
        case doesNotExist
        /// Refused or failed, with the reason the reply carries.
        case fail(String)
    }

    /// CreatePersistentSubscription: the group starts after its checkpoint if one is left, else at `startFrom`.
    func create(_ request: ESCreatePersistentSubscription, user: NodeUser?) async -> ManagementOutcome {
        let key = PersistentGroupKey(stream: request.eventStreamID, group: request.subscriptionGroupName)
        return await create(key, settings: Self.settings(of: request, key: key), user: user)
    }

    /// UpdatePersistentSubscription (see ``update(_:settings:user:)``).
    func update(_ request: ESUpdatePersistentSubscription, user: NodeUser?) async -> ManagementOutcome {
        let key = PersistentGroupKey(stream: request.eventStreamID, group: request.subscriptionGroupName)
        return await update(key, settings: Self.settings(of: request, key: key), user: user)
    }

    /// DeletePersistentSubscription (see ``delete(_:user:)``).
    func delete(_ request: ESDeletePersistentSubscription, user: NodeUser?) async -> ManagementOutcome {
        await delete(PersistentGroupKey(stream: request.eventStreamID, group: request.subscriptionGroupName), user: user)
    }

    /// Creates a group on a stream, or on `$all` (`settings.startPosition` set), from either door:
    /// it starts after its checkpoint if one is left, else at its start.
    /// `settings` is what the request carried, or why it could not be read.
    func create(
        _ key: PersistentGroupKey, settings: Result<PersistentSettings, PersistentSettingsError>, user: NodeUser?
    ) async -> ManagementOutcome {
        await manage(key, settings, user: user) { key, settings, engine in
            let start: (next: PersistentPoint, checkpoint: PersistentPoint?)
            do {
                start = try await self.startPosition(of: key, settings: settings, engine: engine, checkingStart: true)
            } catch let error as PersistentSettingsError {
                return .fail(error.reason)
            } catch {
                return .fail("The node is shutting down.")
            }
            return await self.changeGroups(engine: engine, unchanged: .alreadyExists, updatedBy: user?.login) { groups in
                guard groups[key] == nil else { return nil }
                var group = PersistentGroup(key: key, settings: settings, now: Self.now())
                group.start(at: start.next, checkpoint: start.checkpoint)
                // It starts reading at once, as the server's groups do, consumers or not.
                let effects = group.pump(now: Self.now())
                groups[key] = group
                return [(key, effects)]
            }
        }
    }

    /// Updates a group, as EventStoreDB 23.10: the group is rebuilt with the new settings from its
    /// stored checkpoint (in-flight messages are delivered again); its consumers are dropped with
    /// Unsubscribed and reconnect. A group on `$all` keeps its filter (an update carries none).
    func update(
        _ key: PersistentGroupKey, settings: Result<PersistentSettings, PersistentSettingsError>, user: NodeUser?
    ) async -> ManagementOutcome {
        await manage(key, settings, user: user) { key, settings, engine in
            let start: (next: PersistentPoint, checkpoint: PersistentPoint?)
            do {
                start = try await self.startPosition(of: key, settings: settings, engine: engine, checkingStart: true)
            } catch let error as PersistentSettingsError {
                return .fail(error.reason)
            } catch {
                return .fail("The node is shutting down.")
            }
            return await self.changeGroups(engine: engine, unchanged: .doesNotExist, updatedBy: user?.login) { groups in
                guard let old = groups[key] else { return nil }
                for (sink, id) in old.consumerSinks { sink.deliver(.dropped(.unsubscribed), id: id) }
                var kept = settings
                kept.filter = old.settings.filter
                var group = PersistentGroup(key: key, settings: kept, now: Self.now())
                group.start(at: start.next, checkpoint: start.checkpoint)
                let effects = group.pump(now: Self.now())
                groups[key] = group
                return [(key, effects)]
            }
        }
    }

    /// Deletes a group: consumers are dropped with Unsubscribed (over TCP the server never sends
    /// PersistentSubscriptionDeleted), and the checkpoint and parked streams are soft-deleted, so a
    /// new group of the same name starts afresh.
    func delete(_ key: PersistentGroupKey, user: NodeUser?) async -> ManagementOutcome {
        await manage(user: user) { engine in
            let outcome = await self.changeGroups(engine: engine, unchanged: .doesNotExist, updatedBy: user?.login) { groups in
                guard let group = groups.removeValue(forKey: key) else { return nil }
                for (sink, id) in group.consumerSinks { sink.deliver(.dropped(.unsubscribed), id: id) }
                return []
            }
            if outcome != .doesNotExist {
                await engine.deleteSystemStream(key.checkpointStream)
                await engine.deleteSystemStream(key.parkedStream)
            }
            return outcome
        }
    }

    /// A TCP Create or Update's settings, checked as the server checks them.
    private static func settings(of request: some PersistentSettingsMessage, key: PersistentGroupKey)
        -> Result<PersistentSettings, PersistentSettingsError> {
        do {
            return .success(try validated(request, key: key))
        } catch {
            return .failure(error)
        }
    }

    /// Create and Update: the settings checked, then the change.
    private func manage(
        _ key: PersistentGroupKey, _ settings: Result<PersistentSettings, PersistentSettingsError>, user: NodeUser?,
        _ change: @escaping @Sendable (PersistentGroupKey, PersistentSettings, NodeEngine) async -> ManagementOutcome
    ) async -> ManagementOutcome {
        let checked: PersistentSettings
        do {
            checked = try Self.checked(settings.get(), key: key)
        } catch {
            return Self.mayManage(user) ? .fail(error.reason) : .accessDenied
        }
        return await manage(user: user) { engine in await change(key, checked, engine) }
    }

    /// Every management command: the stored groups loaded, the user allowed, the node running.
    private func manage(user: NodeUser?, _ change: @Sendable (NodeEngine) async -> ManagementOutcome) async -> ManagementOutcome {
        await waitUntilLoaded()
        guard Self.mayManage(user) else { return .accessDenied }
        guard let engine else { return .fail("The node is shutting down.") }
        return await change(engine)
    }

    /// Create/update/delete, replaying parked messages and restarting need an administrator or an operator.
    static func mayManage(_ user: NodeUser?) -> Bool {
        guard let user else { return false }
        return user.isAdmin || user.groups.contains(SystemRoles.ops)
    }

    private static func validated(_ message: some PersistentSettingsMessage, key: PersistentGroupKey)
        throws(PersistentSettingsError) -> PersistentSettings {
        try checkStream(key, all: false)
        return try PersistentSettings(message)
    }

    /// The checks of every Create and Update, from either door.
    private static func checked(_ settings: PersistentSettings, key: PersistentGroupKey)
        throws(PersistentSettingsError) -> PersistentSettings {
        try checkStream(key, all: settings.startPosition != nil)
        try settings.validate()
        return settings
    }

    /// A group on a stream names one that is not `$all`; a group on `$all` (`all`) is keyed `$all`.
    private static func checkStream(_ key: PersistentGroupKey, all: Bool) throws(PersistentSettingsError) {
        // Group names are not checked (an empty one is a group like any other), as in EventStoreDB.
        if all {
            guard key.stream == StreamNames.all else { throw PersistentSettingsError(reason: "Bad stream name.") }
            return
        }
        guard !key.stream.isEmpty else { throw PersistentSettingsError(reason: "Bad stream name.") }
        guard key.stream != StreamNames.all else {
            throw PersistentSettingsError(reason: "Persistent subscriptions to $all are only supported over gRPC through gRPC clients")
        }
    }

    /// Applies `change` to the groups and, when it applies, queues the new configuration for writing
    /// under the same lock, so that configurations reach the log in the order the changes happened.
    /// `change` returns nil when it does not apply (the outcome is then `unchanged`), else I/O its
    /// groups asked for.
    private func changeGroups(
        engine: NodeEngine, unchanged: ManagementOutcome, updatedBy: String?,
        _ change: @escaping (inout [PersistentGroupKey: PersistentGroup]) -> [(PersistentGroupKey, [PersistentEffect])]?
    ) async -> ManagementOutcome {
        let (outcome, effects): (ManagementOutcome, [(PersistentGroupKey, [PersistentEffect])]) =
            await withCheckedContinuation { continuation in
                state.withLock { state in
                    guard let effects = change(&state.groups) else {
                        continuation.resume(returning: (unchanged, []))
                        return
                    }
                    let data = PersistentConfigDocument.encode(Self.config(state.groups), updatedBy: updatedBy, now: Date())
                    engine.appendSystemEvent(to: PersistentGroupKey.configStream, type: PersistentGroupKey.configEventType,
                                             isJSON: true, data: data) { result in
                        let outcome: ManagementOutcome = result.result == .success ? .success
                            : .fail("Storing the configuration failed: \(result.message ?? "\(result.result)")")
                        continuation.resume(returning: (outcome, effects))
                    }
                }
            }
        for (key, work) in effects { perform(work, for: key, engine: engine) }
        return outcome
    }

    // MARK: Consumers

    /// Notes a connect request on the connection's loop, before it is authorized; false when the id
    /// is already in use on that connection (a pending connect or a live consumer).
    func announce(connection: ObjectIdentifier, id: UUID) -> Bool {
        state.withLock { state in
            let key = PendingConnect(connection: connection, id: id)
            guard !state.pendingConnects.contains(key),
                  !state.groups.values.contains(where: { $0.hasConsumer(connection: connection, correlationID: id) })
            else { return false }
            state.pendingConnects.insert(key)
            return true
        }
    }

    /// ConnectToPersistentSubscription on correlation id `id` (see ``connect(_:allowedInFlight:id:sink:user:identity:)``).
    func connect(_ request: ESConnectToPersistentSubscription, id: UUID, sink: any SubscriptionSink, user: NodeUser?) async {
        let key = PersistentGroupKey(stream: request.eventStreamID, group: request.subscriptionID)
        await connect(key, allowedInFlight: request.allowedInFlightMessages, id: id, sink: sink, user: user)
    }

    /// Adds a consumer to a group (on a stream or `$all`), from either door, on id `id` announced
    /// first (``announce(connection:id:)``): a connection that closes, or an unsubscribe that
    /// arrives, while it is authorized wins. The outcome reaches `sink`: a confirmation, or a drop.
    func connect(
        _ key: PersistentGroupKey, allowedInFlight: Int32, id: UUID, sink: any SubscriptionSink, user: NodeUser?,
        identity: PersistentConsumerIdentity = PersistentConsumerIdentity()
    ) async {
        let pending = PendingConnect(connection: sink.connectionID, id: id)
        await waitUntilLoaded()
        guard let engine else {
            if withdraw(pending) { sink.deliver(.dropped(.unsubscribed), id: id) }
            return
        }
        let stream = key.stream
        let checked = try? await engine.read(user: user) { context in
            (allowed: try context.mayRead(stream), last: try context.log.lastNumber(stream: stream) ?? -1,
             position: try context.log.lastPosition())
        }
        // An authenticated user with read access to the stream (the server's
        // RequireAuthenticated + RequireStreamRead assertions).
        guard let checked, checked.allowed, user != nil else {
            if withdraw(pending) { sink.deliver(.dropped(.accessDenied), id: id) }
            return
        }
        let consumer = PersistentConsumer(connection: sink.connectionID, correlationID: id, sink: sink,
                                          allowedInFlight: max(1, Int(allowedInFlight)), identity: identity)
        let effects: [PersistentEffect] = state.withLock { state in
            // Gone from the pending set: the connection closed or the request was unsubscribed.
            guard state.pendingConnects.remove(pending) != nil else { return [] }
            guard var group = state.groups[key] else {
                sink.deliver(.dropped(.notFound), id: id)
                return []
            }
            guard group.add(consumer) else {
                sink.deliver(.dropped(.subscriberMaxCountReached), id: id)
                return []
            }
            var confirmation = ESPersistentSubscriptionConfirmation()
            confirmation.lastCommitPosition = checked.position
            confirmation.subscriptionID = key.id
            if key.stream != StreamNames.all { confirmation.lastEventNumber = checked.last }
            sink.deliver(.persistentConfirmation(confirmation), id: id)
            let effects = group.pump(now: Self.now())
            state.groups[key] = group
            return effects
        }
        perform(effects, for: key, engine: engine)
    }

    /// PersistentSubscriptionAckEvents; `subscriptionID` is the confirmation's `stream::group`.
    func acknowledge(subscriptionID: String, ids: [[UInt8]]) {
        update(subscriptionID) { group in
            group.acknowledge(ids)
            return []
        }
    }

    /// PersistentSubscriptionNakEvents.
    func reject(subscriptionID: String, ids: [[UInt8]], action: ESPersistentSubscriptionNakEvents.NakAction) {
        update(subscriptionID) { group in group.reject(ids, action: action) }
    }

    /// UnsubscribeFromStream on `id` (a no-op when it is not a persistent consumer).
    /// Removes one consumer (or a connect still being authorized); true if it existed.
    @discardableResult
    func unsubscribe(connection: ObjectIdentifier, id: UUID) -> Bool {
        let wasPending = withdraw(PendingConnect(connection: connection, id: id))
        return removeConsumers(connection: connection, id: id) > 0 || wasPending
    }

    /// A connection closed: its consumers go and their messages are retried elsewhere; its connects
    /// still being authorized will add nothing.
    func removeAll(connection: ObjectIdentifier) {
        state.withLock { state in state.pendingConnects = state.pendingConnects.filter { $0.connection != connection } }
        removeConsumers(connection: connection, id: nil)
    }

    /// Removes a pending connect; false when it was not pending any more.
    private func withdraw(_ pending: PendingConnect) -> Bool {
        state.withLock { $0.pendingConnects.remove(pending) != nil }
    }

    @discardableResult
    private func removeConsumers(connection: ObjectIdentifier, id: UUID?) -> Int {
        updateGroups { group in
            guard let parks = group.remove(connection: connection, correlationID: id) else { return nil }
            return parks + group.pump(now: Self.now())
        }
    }

    // MARK: Engine events

    /// Records were committed: groups on their streams read again. Runs on the writer thread; with
    /// no groups it costs one lock.
    func committed(_ records: [RecordedLogEvent]) {
        updateGroups(where: { key in
            key.stream == StreamNames.all ? records.contains(where: PersistentAllFilter.allowedOnAll)
                : records.contains { $0.stream == key.stream }
        }) { group in
            group.streamCommitted()
            return group.pump(now: Self.now())
        }
    }

    /// Retries timed-out messages and writes due checkpoints.
    private func tick() {
        let now = Self.now()
        updateGroups { group in group.expire(now: now) + group.pump(now: now) }
    }

    /// Runs `body` on the group named by a confirmation's `stream::group`, then pumps it.
    private func update(_ subscriptionID: String, _ body: @escaping (inout PersistentGroup) -> [PersistentEffect]) {
        updateGroups(where: { $0.id == subscriptionID }) { group in body(&group) + group.pump(now: Self.now()) }
    }

    /// Runs `body` on every group `matching` under the lock, then carries out the I/O they asked for.
    /// `body` returns nil for a group it leaves as it was.
    /// Returns how many groups `body` changed.
    @discardableResult
    func updateGroups(
        where matching: (PersistentGroupKey) -> Bool = { _ in true }, _ body: (inout PersistentGroup) -> [PersistentEffect]?
    ) -> Int {
        let (engine, work): (NodeEngine?, [(PersistentGroupKey, [PersistentEffect])]) = state.withLock { state in
            guard let engine = state.engine else { return (nil, []) }
            var work: [(PersistentGroupKey, [PersistentEffect])] = []
            for key in Array(state.groups.keys) where matching(key) {
                guard var group = state.groups[key], let effects = body(&group) else { continue }
                state.groups[key] = group
                work.append((key, effects))
            }
            return (engine, work)
        }
        guard let engine else { return 0 }
        for (key, effects) in work { perform(effects, for: key, engine: engine) }
        return work.count
    }

    // MARK: I/O

    private func perform(_ effects: [PersistentEffect], for key: PersistentGroupKey, engine: NodeEngine) {
        for effect in effects {
            switch effect {
            case .read(let from, let count):
                read(key, from: from, count: count, engine: engine)
            case .park(let message):
                // The server links to the event as delivered: a resolved link's target, else the record read.
                let data: [UInt8]
                switch message.records[0] {
                case (let event?, _): data = SystemEventTypes.linkData(number: event.number, stream: event.stream)
                case (nil, let link?): data = link.data
                case (nil, nil):
                    let record = message.records.records[0]
                    data = SystemEventTypes.linkData(number: record.number, stream: record.stream)
                }
                engine.appendSystemEvent(to: key.parkedStream, type: SystemEventTypes.link, isJSON: false, data: data) { _ in }
            case .checkpoint(let point):
                // 21.10+ writes the position as a JSON string ("42", "C:1/P:1"); 20.10 wrote a number.
                engine.appendSystemEvent(to: key.checkpointStream, type: PersistentGroupKey.checkpointEventType, isJSON: true,
                                         data: point.checkpointData) { _ in }
            }
        }
    }

    private func read(_ key: PersistentGroupKey, from: PersistentPoint, count: Int32, engine: NodeEngine) {
        guard let (settings, generation) = state.withLock({ state in state.groups[key].map { ($0.settings, $0.generation) } })
        else { return }
        Task {
            let page = try? await engine.read(user: .system) { context in
                try Self.page(of: key, from: from, count: count, settings: settings, context: context)
            }
            let work: [PersistentEffect] = self.state.withLock { state in
                // A group deleted (and perhaps created again) meanwhile did not ask for this read.
                guard var group = state.groups[key], group.generation == generation else { return [] }
                if let page = page ?? nil {
                    group.received(page.messages, next: page.next, endOfStream: page.end)
                } else {
                    group.readFailed()
                }
                let effects = group.pump(now: Self.now())
                state.groups[key] = group
                return effects
            }
            self.perform(work, for: key, engine: engine)
        }
    }

    /// The group's next events from `from`: of its stream, or of `$all` through its filter; nil when
    /// the stream cannot be read (missing, deleted).
    private static func page(
        of key: PersistentGroupKey, from: PersistentPoint, count: Int32, settings: PersistentSettings, context: ReadContext
    ) throws -> (messages: [PersistentMessage], next: PersistentPoint, end: Bool)? {
        switch from {
        case .number(let number):
            let page = try context.readStream(stream: key.stream, from: number, maxCount: count, forward: true,
                                              resolveLinks: settings.resolveLinks)
            guard page.result == .success else { return nil }
            return (messages(in: page.events, all: false), .number(page.nextEventNumber), page.isEndOfStream)
        case .position(let position):
            // As the server's filtered reads, a page inspects at least the checkpoint count's worth of records.
            let window = min(max(Int(count), Int(settings.checkpointMaxCount)), 4096)
            let page = try context.persistentAllPage(from: position, count: Int(count), window: window,
                                                     resolveLinks: settings.resolveLinks, filter: settings.filter)
            return (messages(in: page.records, all: true), .position(page.next), page.endOfLog)
        }
    }

    /// The messages of a page; `all`: the group is on `$all`, so points are log positions.
    static func messages(in records: ReadRecords, all: Bool) -> [PersistentMessage] {
        (0..<records.count).map { index in
            let original = records.records[index]
            let point: PersistentPoint = all ? .position(original.position) : .number(original.number)
            guard let target = records.target(at: index) else {
                return PersistentMessage(records: ReadRecords([original]), point: point, eventID: original.eventID,
                                         sourceStream: original.stream)
            }
            return PersistentMessage(records: ReadRecords(link: original, target: target), point: point,
                                     eventID: original.eventID, sourceStream: target?.stream ?? original.stream)
        }
    }

    /// `number + 1`, or `Int64.max` for `Int64.max`.
    static func after(_ number: Int64) -> Int64 {
        number == Int64.max ? Int64.max : number + 1
    }

    /// Where a group starts: after its checkpoint, else at its start (a stream's `startFrom`, −1:
    /// the stream's end now; `$all`'s `startPosition`, `LogPosition.end`: the log's end now).
    /// `checkingStart`: a Create or Update, whose `$all` start must not lie past the log's end
    /// (throws ``PersistentSettingsError``).
    private func startPosition(of key: PersistentGroupKey, settings: PersistentSettings, engine: NodeEngine, checkingStart: Bool)
        async throws -> (next: PersistentPoint, checkpoint: PersistentPoint?) {
        try await engine.read(user: .system) { context in
            let all = settings.startPosition != nil
            let stored = try context.readEvent(stream: key.checkpointStream, number: -1, resolveLinks: false)
            if stored.result == .success, let point = PersistentPoint.checkpoint(stored.event.event.data, all: all) {
                switch point {
                // Numbers from the log (a hard-deleted stream's is Int64.max) or from a checkpoint anyone
                // with access could have written: the next one saturates instead of trapping.
                case .number(let number): return (.number(Self.after(number)), point)
                case .position(let position): return (.position(ReadContext.position(after: position)), point)
                }
            }
            if let start = settings.startPosition {
                if start == .end { return (.position(try ReadContext.writerCheckpoint(context.log)), nil) }
                if checkingStart, start.commit > (try context.log.lastPosition()) {
                    throw PersistentSettingsError(reason: "Invalid Start From position: commit position must be less than or "
                        + "equal to the last commit position in the transaction file.")
                }
                return (.position(start), nil)
            }
            if settings.startFrom >= 0 { return (.number(settings.startFrom), nil) }
            return (.number(Self.after(try context.log.lastNumber(stream: key.stream) ?? -1)), nil)
        }
    }

    // MARK: Stored settings

    private static func config(_ groups: [PersistentGroupKey: PersistentGroup]) -> [PersistentConfigDocument.Entry] {
        groups.values.map { PersistentConfigDocument.Entry(stream: $0.key.stream, group: $0.key.group, settings: $0.settings) }
            .sorted { ($0.stream, $0.group) < ($1.stream, $1.group) }
    }

    /// Loads the stored groups (at start, and when the subsystem restarts).
    func load() async {
        guard let engine else { return }
        let stored = try? await engine.read(user: .system) { context in
            try context.readEvent(stream: PersistentGroupKey.configStream, number: -1, resolveLinks: false)
        }
        guard let stored, stored.result == .success, let entries = PersistentConfigDocument.decode(Array(stored.event.event.data))
        else { return }
        for entry in entries {
            let key = PersistentGroupKey(stream: entry.stream, group: entry.group)
            guard let start = try? await startPosition(of: key, settings: entry.settings, engine: engine, checkingStart: false)
            else { continue }
            let effects = state.withLock { state in
                var group = PersistentGroup(key: key, settings: entry.settings, now: Self.now())
                group.start(at: start.next, checkpoint: start.checkpoint)
                let effects = group.pump(now: Self.now())
                state.groups[key] = group
                return effects
            }
            perform(effects, for: key, engine: engine)
        }
    }
}

extension NodeUser {
    /// The node itself, for its own reads and writes of system streams (not a login).
    static let system = NodeUser(login: "$system", password: "", groups: [SystemRoles.admins])
}
