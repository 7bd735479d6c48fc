import EventStoreWire
import Foundation

/// ReplayParked and RestartSubsystem (the server's `RetryParkedMessages` and
/// `PersistentSubscriptionsRestart`).
extension PersistentSubscriptions {
    /// How a ReplayParked ended.
    enum ReplayOutcome: Equatable {
        case success
        case accessDenied
        case doesNotExist
        case fail(String)
    }

    /// Delivers the group's parked events again, oldest first and before new events, up to (not
    /// including) number `stopAt` of the parked stream when given. Replayed events are sent as
    /// they were parked (the parked link resolved: its id is the one to acknowledge) and never
    /// move the checkpoint. The parked stream's `$tb` then hides what was replayed.
    func replayParked(_ key: PersistentGroupKey, stopAt: Int64?, user: NodeUser?) async -> ReplayOutcome {
        await waitUntilLoaded()
        guard Self.mayManage(user) else { return .accessDenied }
        if let stopAt, stopAt < 0 { return .fail("Cannot stop replaying parked message at a negative version.") }
        guard let engine else { return .fail("The node is shutting down.") }
        enum Claim { case missing, busy, claimed(UUID, Int32) }
        let claim: Claim = state.withLock { state in
            guard var group = state.groups[key] else { return .missing }
            guard !group.replayingParked else { return .busy }
            group.replayingParked = true
            state.groups[key] = group
            return .claimed(group.generation, max(1, group.settings.readBatchSize))
        }
        let (generation, batch): (UUID, Int32)
        switch claim {
        case .missing: return .doesNotExist
        case .busy: return .success  // already replaying, as the server answers
        case .claimed(let claimed, let size): (generation, batch) = (claimed, size)
        }
        let replayedEnd = await replay(key, generation: generation, stopAt: stopAt, batch: batch, engine: engine)
        if let replayedEnd {
            await hideReplayed(key.parkedStream, before: replayedEnd, engine: engine)
        }
        updateGroups(where: { $0 == key }) { group in
            guard group.generation == generation else { return nil }
            group.replayingParked = false
            return []
        }
        return .success
    }

    /// Reads the parked stream from its first visible event and hands each parked event to the
    /// group; returns the number the replay stopped before (nil: nothing was parked).
    private func replay(_ key: PersistentGroupKey, generation: UUID, stopAt: Int64?, batch: Int32, engine: NodeEngine) async -> Int64? {
        let parked = key.parkedStream
        let read = try? await engine.read(user: .system, { context -> (first: Int64, end: Int64)? in
            guard case .visible(let minimum, let last, _) = try context.state(of: parked) else { return nil }
            return (minimum, min(stopAt ?? Int64.max, last + 1))
        })
        guard let bounds = read ?? nil else { return nil }
        var next = bounds.first
        while next < bounds.end {
            let from = next
            let count = Int32(clamping: min(Int64(batch), bounds.end - from))
            guard let page = try? await engine.read(user: .system, { context in
                try context.readStream(stream: parked, from: from, maxCount: count, forward: true, resolveLinks: true)
            }), page.result == .success else { break }
            let messages = Self.messages(in: page.events, all: false).filter { message in
                // A link whose event is gone is skipped, as the server skips it.
                message.records[0].event != nil && message.point < .number(bounds.end)
            }
            let alive = updateGroups(where: { $0 == key }) { group in
                guard group.generation == generation else { return nil }
                group.replay(messages.map { var message = $0; message.sequence = -1; return message })
                return group.pump(now: Self.now())
            }
            guard alive > 0, !page.isEndOfStream, page.nextEventNumber > from else { break }
            next = page.nextEventNumber
        }
        return bounds.end > bounds.first ? bounds.end : nil
    }

    /// Writes the parked stream's metadata as the server does: `$tb` past what was replayed, and
    /// an ACL of administrators only.
    private func hideReplayed(_ parked: String, before end: Int64, engine: NodeEngine) async {
        let metadata = JSONValue.object([
            ("$tb", .int(end)),
            ("$acl", .object(["$r", "$w", "$d", "$mr", "$mw"].map { ($0, .string(SystemRoles.admins)) })),
        ])
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            engine.appendSystemEvent(to: StreamNames.metastreamPrefix + parked, type: SystemEventTypes.metadata, isJSON: true,
                                     data: Array(metadata.compactText.utf8)) { _ in continuation.resume() }
        }
    }

    /// Stops every group — their consumers are dropped as when the group is updated — and loads
    /// them again from the stored configuration and checkpoints. False when the subsystem is not
    /// running (the node is shutting down).
    func restart() async -> Bool {
        await waitUntilLoaded()
        let dropped: [(sink: any SubscriptionSink, id: UUID)]? = state.withLock { state in
            guard state.engine != nil else { return nil }
            let sinks = state.groups.values.flatMap(\.consumerSinks)
            state.groups = [:]
            return sinks
        }
        guard let dropped else { return false }
        for (sink, id) in dropped { sink.deliver(.dropped(.unsubscribed), id: id) }
        let loading = Task { await self.load() }
        loaded.withLock { $0 = loading }
        await loading.value
        return true
    }
}
