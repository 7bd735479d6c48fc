import EventStoreGRPC
import EventStoreWire
import Foundation
import GRPCCore

/// A catch-up subscription (a `Read` with `subscription`; docs/grpc.md §2.4), as KurrentDB 24.2+
/// runs it: `confirmation`, the history after the start point, `caught_up`, then live events.
///
/// The subscription registers with the hub *before* it reads any history: the hub's confirmation
/// names the last event (or position) committed before the registration, and pushes everything
/// committed after it into a ``StreamsLiveBuffer``. History is read from the log up to its end,
/// then the buffer is drained, skipping what the history already sent. Every event is sent once,
/// in order: an event is sent only when it is past the last one sent (`checkpoint`), and nothing
/// committed after the registration can be missed, since the hub has it. When the buffer
/// overflowed (a gap in its sequence numbers) the subscription reads the log again from its
/// checkpoint before it goes back to the buffer, so a slow client costs reads, never memory.
struct CatchUpSubscription {
    let engine: NodeEngine
    let user: NodeUser?
    let read: StreamsReadRequest
    let output: StreamsReadOutput

    func run() async throws {
        let buffer = StreamsLiveBuffer()
        let id = UUID()
        let hub = engine.hub
        _ = hub.announce(connection: buffer.connectionID, id: id)
        defer {
            hub.unsubscribe(connection: buffer.connectionID, id: id)
            buffer.finish()
        }
        switch (read.kind, read.target) {
        case (.streamSubscription(let start), .stream(let stream)):
            await engine.subscribe(id: id, sink: buffer, stream: stream, resolveLinks: read.resolveLinks, filter: nil,
                                   checkpointInterval: -1, user: user)
            let confirmation = try confirmed(buffer)
            // The server refuses a subscription to a tombstoned stream before confirming it.
            guard confirmation.lastEventNumber != EventNumber.deletedStream else { throw GRPCFailure.streamDeleted(stream) }
            try await sendConfirmation(id)
            try await followStream(stream, start: start, last: confirmation.lastEventNumber, buffer: buffer)
        case (.allSubscription(let start, let filter), _):
            let interval = filter.map { Int32(clamping: $0.checkpointInterval) } ?? -1
            await engine.subscribe(id: id, sink: buffer, stream: "", resolveLinks: read.resolveLinks, filter: filter?.filter,
                                   checkpointInterval: interval, user: user)
            let confirmation = try confirmed(buffer)
            try await sendConfirmation(id)
            let last = LogPosition(commit: confirmation.lastCommitPosition, prepare: confirmation.lastCommitPosition)
            try await followAll(start: start, last: last, filter: filter, buffer: buffer)
        default:
            break
        }
    }

    /// The hub's confirmation, or the error the subscription was dropped with instead.
    private func confirmed(_ buffer: StreamsLiveBuffer) throws(RPCError) -> ESSubscriptionConfirmation {
        if let confirmation = buffer.confirmation { return confirmation }
        if buffer.dropped == .accessDenied { throw GRPCFailure.accessDenied() }
        throw GRPCFailure.unavailable("The subscription could not be registered.")
    }

    private func sendConfirmation(_ id: UUID) async throws {
        var confirmation = EventStore_Client_Streams_ReadResp.SubscriptionConfirmation()
        confirmation.subscriptionID = id.uuidString.lowercased()
        try await output.send(.confirmation(confirmation))
    }

    private func sendCaughtUp() async throws {
        try await output.send(.caughtUp(EventStore_Client_Streams_ReadResp.CaughtUp()))
    }

    /// The error for a hub drop while live (the node is stopping, or access was lost).
    private static func dropError(_ reason: ESSubscriptionDropped.SubscriptionDropReason) -> RPCError {
        reason == .accessDenied ? GRPCFailure.accessDenied() : GRPCFailure.unavailable("The subscription was dropped: the node is stopping.")
    }

    // MARK: Streams

    /// A stream subscription; `last` is the stream's last event number at registration (−1: none).
    private func followStream(
        _ stream: String, start: StreamsReadRequest.SubscriptionStart<Int64>, last: Int64, buffer: StreamsLiveBuffer
    ) async throws {
        // The number of the last event sent (or not wanted): only later events go out.
        var checkpoint: Int64
        switch start {
        case .start: checkpoint = -1
        case .end: checkpoint = last
        case .after(let revision): checkpoint = revision
        }
        var live = buffer.items.makeAsyncIterator()
        var sequence: UInt64 = 0
        var needsHistory = checkpoint < last
        while true {
            if needsHistory { checkpoint = try await readStreamHistory(stream, after: checkpoint) }
            needsHistory = true
            try await sendCaughtUp()
            live: while true {
                guard let item = await live.next() else { return }  // the call ended
                let inSequence = item.sequence == sequence + 1
                sequence = item.sequence
                switch item.delivery {
                case .event(let records):
                    guard let original = records.records.first, original.number > checkpoint else { continue }
                    guard inSequence else { break live }  // fell behind: read the log again
                    for index in 0..<records.count { try await output.sendEvent(records, at: index) }
                    checkpoint = original.number
                    if original.type == SystemEventTypes.streamDeleted { throw GRPCFailure.streamDeleted(stream) }
                case .dropped(let reason):
                    throw Self.dropError(reason)
                default:
                    continue
                }
            }
        }
    }

    /// Sends the stream's events after `checkpoint` up to its current end; returns the new checkpoint.
    /// A missing or soft-deleted stream has no history; a tombstoned one ends the subscription.
    private func readStreamHistory(_ stream: String, after checkpoint: Int64) async throws -> Int64 {
        let (user, resolveLinks) = (self.user, read.resolveLinks)
        var checkpoint = checkpoint
        while true {
            try Task.checkCancellation()
            let from = checkpoint + 1
            let page = try await engine.read(user: user) {
                try $0.readStream(stream: stream, from: from, maxCount: Int32(StreamsReadRequest.pageSize), forward: true,
                                  resolveLinks: resolveLinks)
            }
            switch page.result {
            case .success: break
            case .noStream: return checkpoint
            case .streamDeleted: throw GRPCFailure.streamDeleted(stream)
            case .accessDenied: throw GRPCFailure.accessDenied()
            default: throw GRPCFailure.invalidArgument(page.error ?? "The subscription's read failed.")
            }
            for index in 0..<page.events.count {
                let number = page.events.records[index].number
                guard number > checkpoint else { continue }
                try await output.sendEvent(page.events, at: index)
                checkpoint = number
            }
            if page.isEndOfStream { return checkpoint }
            // Events hidden by $tb, $maxCount or $maxAge are skipped, not sent.
            checkpoint = max(checkpoint, page.nextEventNumber - 1)
        }
    }

    // MARK: $all

    /// A `$all` subscription; `last` is the last commit position at registration.
    private func followAll(
        start: StreamsReadRequest.SubscriptionStart<LogPosition>, last: LogPosition, filter: StreamsReadRequest.Filter?,
        buffer: StreamsLiveBuffer
    ) async throws {
        // The position of the last event sent or checkpoint reported: only later ones go out.
        var checkpoint: LogPosition?
        switch start {
        case .start: checkpoint = nil
        case .end: checkpoint = last
        case .after(let position): checkpoint = position
        }
        var lastCheckpointSent: LogPosition?
        func sendCheckpoint(_ position: LogPosition) async throws {
            guard lastCheckpointSent.map({ position > $0 }) ?? true else { return }
            try await output.sendCheckpoint(position)
            lastCheckpointSent = position
        }
        var live = buffer.items.makeAsyncIterator()
        var sequence: UInt64 = 0
        var needsHistory = checkpoint.map { $0 < last } ?? true
        while true {
            if needsHistory {
                checkpoint = try await readAllHistory(after: checkpoint, filter: filter, sendCheckpoint: sendCheckpoint)
            }
            needsHistory = true
            try await sendCaughtUp()
            live: while true {
                guard let item = await live.next() else { return }  // the call ended
                let inSequence = item.sequence == sequence + 1
                sequence = item.sequence
                switch item.delivery {
                case .event(let records):
                    guard let original = records.records.first, checkpoint.map({ original.position > $0 }) ?? true else {
                        continue
                    }
                    guard inSequence else {
                        // Fell behind: report how far it got, then read the log again.
                        if filter != nil, let checkpoint { try await sendCheckpoint(checkpoint) }
                        break live
                    }
                    for index in 0..<records.count { try await output.sendEvent(records, at: index) }
                    checkpoint = original.position
                case .checkpoint(let position):
                    guard checkpoint.map({ position >= $0 }) ?? true else { continue }
                    guard inSequence else {
                        if let checkpoint { try await sendCheckpoint(checkpoint) }
                        break live
                    }
                    try await sendCheckpoint(position)
                    checkpoint = position
                case .dropped(let reason):
                    throw Self.dropError(reason)
                default:
                    continue
                }
            }
        }
    }

    /// Sends `$all`'s events after `checkpoint` (from the start when nil) up to the log's end;
    /// returns the new checkpoint. A filtered subscription reports a checkpoint every
    /// `checkpointInterval` records considered and one at the end (docs/grpc.md §2.4).
    private func readAllHistory(
        after start: LogPosition?, filter: StreamsReadRequest.Filter?,
        sendCheckpoint: (LogPosition) async throws -> Void
    ) async throws -> LogPosition? {
        let (user, resolveLinks) = (self.user, read.resolveLinks)
        let size = Int32(StreamsReadRequest.pageSize)
        var checkpoint = start
        var from = start ?? .start
        var considered = 0
        while true {
            try Task.checkCancellation()
            let position = from
            let page = try await engine.grpcAllPage(
                from: position, size: size, forward: true, filter: filter, resolveLinks: resolveLinks, user: user,
                fallback: "Invalid position.")
            for index in 0..<page.events.count {
                let recorded = page.events.records[index].position
                guard checkpoint.map({ recorded > $0 }) ?? true else { continue }
                try await output.sendEvent(page.events, at: index)
                checkpoint = recorded
            }
            let reachedEnd = filter == nil ? page.events.count < Int(size) : page.isEndOfStream ?? true
            if let filter {
                considered += page.considered
                // The last record considered, matched or not, is where a restart would resume.
                if let seen = page.lastConsidered, checkpoint.map({ seen > $0 }) ?? true { checkpoint = seen }
                if reachedEnd || considered >= filter.checkpointInterval {
                    considered %= filter.checkpointInterval
                    if let checkpoint { try await sendCheckpoint(checkpoint) }
                }
            }
            if reachedEnd { return checkpoint }
            from = LogPosition(commit: page.nextCommitPosition, prepare: page.nextPreparePosition)
        }
    }
}
