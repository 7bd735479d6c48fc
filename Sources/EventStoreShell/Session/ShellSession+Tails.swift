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
        let id = nextTailID
        nextTailID += 1
        let sink = self.sink
        let tailID: Int? = options.interactive ? id : nil
        if options.interactive {
            // Said before the first event or state change can be emitted, so that the note and the
            // TUI's tail pane see the tail begin before anything arrives on it.
            sink.emit(.tailStarted(id: id, stream: stream))
        }
        let work = Task {
            var delivered = 0
            do {
                for try await message in subscription {
                    switch message {
                    case .event(let event):
                        guard let view = EventView(event) else { continue }
                        sink.emit(.event(view, tail: tailID))
                        delivered += 1
                        if let limit, delivered >= limit { return }
                    case .caughtUp:
                        if tailID != nil { sink.emit(.tailState(TailStateChange(id: id, stream: stream, isLive: true))) }
                    case .fellBehind(let reason):
                        sink.emit(.tailState(TailStateChange(id: id, stream: stream, isLive: false, reason: reason)))
                    }
                }
            } catch is CancellationError {
            } catch {
                sink.emit(.error("tail \(id): \((error as? EventStoreClientError)?.message ?? "\(error)")"))
            }
        }
        let finished = Task {
            _ = await work.value
            subscription.cancel()
        }
        if options.interactive {
            tails[id] = TailHandle(id: id, target: stream, task: work)
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
