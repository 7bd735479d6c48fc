import EventStoreClient
import EventStoreWire
import Foundation

/// A running tail.
struct TailHandle: Sendable {
    let id: Int
    let target: String
    let task: Task<Void, Never>
}

extension ShellSession {
    func tail(_ stream: String, from: StreamStart, limit: Int?, filter: FilterOptions) async throws {
        let isAll = stream == "$all"
        if !isAll, !filter.isEmpty { throw ShellCommandError("filters apply to '$all' only") }
        let subscription: CatchUpSubscription
        if isAll {
            subscription = client.catchUpAll(from: try await allStart(from), filter: filter.eventFilter)
        } else {
            subscription = client.catchUp(stream: stream, from: try await streamStart(stream, from))
        }
        await follow(stream, limit: limit, stop: { subscription.cancel() }) { (emit: inout FollowerOutput) in
            for try await message in subscription {
                switch message {
                case .event(let event):
                    if emit.event(event) { return }
                case .caughtUp:
                    emit.state(isLive: true, reason: nil)
                case .fellBehind(let reason):
                    emit.state(isLive: false, reason: reason)
                }
            }
        }
    }

    /// `consume STREAM GROUP`: joins a persistent subscription group as a consumer and shows its
    /// events like a tail, acknowledging each one (or nak-ing it with `nak`). After a lost connection
    /// it rejoins once the client has reconnected; the group delivers again what was not acknowledged.
    func consume(_ stream: String, group: String, limit: Int?, nak: NakAction?) async throws {
        let client = self.client
        let first = try await client.connectToPersistentSubscription(group, on: stream, bufferSize: 50)
        await follow("\(stream)::\(group)", limit: limit, stop: {}) { (emit: inout FollowerOutput) in
            var subscription = first
            while true {
                emit.state(isLive: true, reason: nil)
                do {
                    for try await delivery in subscription {
                        let done = emit.event(delivery.event)
                        if let nak {
                            try await subscription.nak(delivery, action: nak, reason: "esdb consume --nak")
                        } else {
                            try await subscription.ack(delivery)
                        }
                        if done { return }
                    }
                    return
                } catch let error as EventStoreClientError where error.code == .connectionClosed || error.code == .subscriptionDropped {
                    // A lost connection, or the server dropping the group's consumers (an update: the
                    // group is still there; a delete: rejoining says it is not found).
                    guard !(await client.isClosed) else { throw error }
                    emit.state(isLive: false, reason: "\(error.message); rejoining")
                    subscription = try await client.connectToPersistentSubscription(group, on: stream, bufferSize: 50)
                }
            }
        }
    }

    /// What a follower's body reports through.
    struct FollowerOutput: Sendable {
        let sink: any ShellSink
        let id: Int
        let target: String
        let tailID: Int?
        let limit: Int?
        private var delivered = 0

        init(sink: any ShellSink, id: Int, target: String, tailID: Int?, limit: Int?) {
            (self.sink, self.id, self.target, self.tailID, self.limit) = (sink, id, target, tailID, limit)
        }

        /// Shows an event; true once `limit` events were shown.
        mutating func event(_ event: ResolvedEvent) -> Bool {
            guard let view = EventView(event) else { return false }
            sink.emit(.event(view, tail: tailID))
            delivered += 1
            return limit.map { delivered >= $0 } ?? false
        }

        /// Live or catching up (shown only in interactive sessions, and fell-behind always).
        func state(isLive: Bool, reason: String?) {
            guard tailID != nil || !isLive else { return }
            sink.emit(.tailState(TailStateChange(id: id, stream: target, isLive: isLive, reason: reason)))
        }
    }

    /// Runs a tail-like `body` (a tail or a consumer): in the background with a pane and an id
    /// in interactive sessions, to the end (`--limit`, or Ctrl-C) in scripts.
    private func follow(
        _ target: String, limit: Int?, stop: @escaping @Sendable () -> Void,
        _ body: @escaping @Sendable (inout FollowerOutput) async throws -> Void
    ) async {
        let id = nextTailID
        nextTailID += 1
        let sink = self.sink
        let output = FollowerOutput(sink: sink, id: id, target: target, tailID: options.interactive ? id : nil, limit: limit)
        if options.interactive {
            // Said before the first event or state change can be emitted, so that the note and the
            // TUI's tail pane see the tail begin before anything arrives on it.
            sink.emit(.tailStarted(id: id, stream: target))
        }
        let work = Task {
            var output = output
            do {
                try await body(&output)
            } catch is CancellationError {
            } catch {
                sink.emit(.error("tail \(id): \((error as? EventStoreClientError)?.message ?? "\(error)")"))
            }
        }
        let finished = Task {
            _ = await work.value
            stop()
        }
        if options.interactive {
            tails[id] = TailHandle(id: id, target: target, task: work)
            Task { [weak self] in
                _ = await finished.value
                await self?.removeTail(id)
            }
        } else {
            await withTaskCancellationHandler {
                _ = await finished.value
            } onCancel: {
                work.cancel()
            }
        }
    }

    func removeTail(_ id: Int) { tails[id] = nil }

    func untail(_ which: String?) throws {
        let ids: [Int]
        switch which {
        case nil:
            guard let newest = tails.keys.max() else { throw ShellCommandError("no tails running") }
            ids = [newest]
        case "all"?: ids = Array(tails.keys)
        case let text?:
            guard let id = Int(text), tails[id] != nil else { throw ShellCommandError("no tail \(text)") }
            ids = [id]
        }
        for id in ids.sorted() {
            tails.removeValue(forKey: id)?.task.cancel()
        }
        sink.emit(.result(human: "stopped tail \(ids.sorted().map(String.init).joined(separator: ", "))",
                          json: .object([("stopped", .array(ids.sorted().map { .int(Int64($0)) }))])))
    }

    /// The ids and targets of running tails.
    public var runningTails: [(id: Int, target: String)] { tails.values.sorted { $0.id < $1.id }.map { ($0.id, $0.target) } }

    private func streamStart(_ stream: String, _ from: StreamStart) async throws -> CatchUpStart<Int64> {
        switch from {
        case .start: return .start
        case .end: return .end
        case .number(let number): return number == 0 ? .start : .after(number - 1)
        case .beforeEnd(let count):
            guard case .success(let last) = try await client.readEvent(stream: stream, number: -1, resolveLinks: false),
                  let number = last.original?.number
            else { return .start }
            let first = number - count + 1
            return first <= 0 ? .start : .after(first - 1)
        }
    }

    private func allStart(_ from: StreamStart) async throws -> CatchUpStart<Position> {
        switch from {
        case .start: return .start
        case .end: return .end
        case .number: throw ShellCommandError("--from N applies to streams; use start, end or -N with '$all'")
        case .beforeEnd(let count):
            let slice = try await client.readAllSlice(from: .end, maxCount: Int(min(max(count, 1), 4096)), direction: .backward)
            guard let oldest = slice.events.last?.position else { return .start }
            return oldest == .start ? .start : .after(Position(commit: oldest.commit, prepare: oldest.prepare - 1))
        }
    }
}
