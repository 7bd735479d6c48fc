import EventStoreClient
import EventStoreWire
import Foundation

extension ShellSession {
    func status() async throws {
        let phase = await client.phase
        let counters = await client.counters
        let operations = await client.operations.count
        let rtt = lastRoundTrip.map { Self.milliseconds($0) }
        let user = client.configuration.defaultCredentials?.login ?? "anonymous"
        var lines = ["phase:     \(phase)", "node:      \(options.nodeDescription)", "user:      \(user)",
                     "heartbeat: \(rtt.map { String(format: "%.1f ms", $0) } ?? "–")", "in flight: \(operations)",
                     "traffic:   \(counters.packagesOut) packages / \(counters.bytesOut) B out, "
                        + "\(counters.packagesIn) packages / \(counters.bytesIn) B in",
                     "retries:   \(counters.retries), redirects \(counters.redirects), heartbeat timeouts "
                        + "\(counters.heartbeatTimeouts), reconnections \(counters.reconnections)",
                     "tails:     \(tails.isEmpty ? "none" : tails.keys.sorted().map(String.init).joined(separator: ", "))"]
        if demo != nil { lines.append("demo:      writing live") }
        let json: JSONValue = .object([
            ("phase", .string(phase.name)), ("detail", .string(phase.description)), ("node", .string(options.nodeDescription)),
            ("user", .string(user)), ("heartbeatMs", rtt.map { .double($0) } ?? .null), ("inFlight", .int(Int64(operations))),
            ("packagesIn", .int(Int64(counters.packagesIn))), ("packagesOut", .int(Int64(counters.packagesOut))),
            ("bytesIn", .int(Int64(counters.bytesIn))), ("bytesOut", .int(Int64(counters.bytesOut))),
            ("retries", .int(Int64(counters.retries))), ("redirects", .int(Int64(counters.redirects))),
            ("reconnections", .int(Int64(counters.reconnections))),
            ("tails", .array(tails.keys.sorted().map { .int(Int64($0)) })),
        ])
        sink.emit(.result(human: lines.joined(separator: "\n"), json: json))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    func connect(_ string: String) async throws {
        let configuration: ClientConfiguration
        do { configuration = try ClientConfiguration(connectionString: string) } catch {
            throw ShellCommandError("\(error)")
        }
        let fresh = EventStoreClient(configuration: configuration)
        let connected = Task { try await fresh.waitUntilConnected() }
        let timeout = Task {
            try await Task.sleep(for: .seconds(10))
            connected.cancel()
        }
        do {
            try await connected.value
            timeout.cancel()
        } catch {
            timeout.cancel()
            await fresh.close()
            throw ShellCommandError("could not connect to \(configuration.connectionString): \(error)")
        }
        await shutdown()
        let old = client
        client = fresh
        options.nodeDescription = configuration.connectionString
        watch(fresh)
        await old.close()
        sink.emit(.result(human: "connected to \(configuration.connectionString)",
                          json: .object([("connected", .string(configuration.connectionString))])))
    }

    /// Stream names from `$streams` (newest first), or from a backward scan of `$all` when it is missing.
    func streamNames(limit: Int, filter: String?) async throws -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        func add(_ name: String) {
            guard !name.isEmpty, !seen.contains(name), filter.map({ name.localizedCaseInsensitiveContains($0) }) ?? true else { return }
            seen.insert(name)
            names.append(name)
        }
        do {
            for try await event in client.readStream("$streams", direction: .backward, pageSize: 1000, resolveLinks: false) {
                if let original = event.original, let link = SystemEventTypes.parseLink(original.data) { add(link.stream) }
                if names.count >= limit { break }
            }
            return names
        } catch let error as EventStoreClientError where error.code == .streamNotFound {
            var scanned = 0
            for try await event in client.readAll(direction: .backward, pageSize: 1000) {
                scanned += 1
                if let stream = event.event?.stream, !stream.hasPrefix("$") { add(stream) }
                if names.count >= limit || scanned >= 100_000 { break }
            }
            return names
        }
    }

    /// Up to 1000 stream names, for Tab completion (empty on any error).
    public func streamNamesForCompletion() async -> [String] {
        ((try? await streamNames(limit: 1000, filter: nil)) ?? []) + ["$all"]
    }

    func streams(filter: String?, limit: Int) async throws {
        let names = try await streamNames(limit: limit, filter: filter)
        let human = names.isEmpty ? "(no streams)" : names.map(TerminalText.sanitize).joined(separator: "\n")
        sink.emit(.result(human: human, json: .object([("streams", .array(names.map(JSONValue.string)))])))
    }

    func categories() async throws {
        let names = try await streamNames(limit: 100_000, filter: nil)
        var categories: [String] = []
        for name in names {
            guard let dash = name.firstIndex(of: "-"), dash != name.startIndex else { continue }
            let category = String(name[..<dash])
            if !categories.contains(category) { categories.append(category) }
        }
        categories.sort()
        let human = categories.isEmpty ? "(no categories)" : categories.map(TerminalText.sanitize).joined(separator: "\n")
        sink.emit(.result(human: human, json: .object([("categories", .array(categories.map(JSONValue.string)))])))
    }

    func readStream(_ stream: String, from: StreamStart, count: Int, backward: Bool, resolve: Bool) async throws {
        var events: [ResolvedEvent] = []
        let start: Int64?
        switch from {
        case .start: start = backward ? nil : 0
        case .end: start = backward ? -1 : nil
        case .number(let number): start = number
        case .beforeEnd: start = nil
        }
        if let start {
            for try await event in client.readStream(stream, from: start, direction: backward ? .backward : .forward,
                                                     pageSize: min(count, 4096), maxCount: count, resolveLinks: resolve) {
                events.append(event)
            }
        } else {
            // The last `count` events, shown oldest first (or newest first with --backward).
            for try await event in client.readStream(stream, direction: .backward, pageSize: min(count, 4096), maxCount: count,
                                                     resolveLinks: resolve) {
                events.append(event)
            }
            if !backward { events.reverse() }
        }
        emit(events, emptyNote: "(no events in \(stream) from there)")
    }

    func readAll(from: AllStart, count: Int, backward: Bool, filter: FilterOptions) async throws {
        let position: Position?
        switch from {
        case .start: position = backward ? .end : .start
        case .end: position = .end
        case .position(let value): position = value
        }
        var events: [ResolvedEvent] = []
        for try await event in client.readAll(from: position, direction: backward || from == .end ? .backward : .forward,
                                              filter: filter.eventFilter, pageSize: min(count, 4096), maxCount: count) {
            events.append(event)
        }
        if from == .end, !backward { events.reverse() }
        emit(events, emptyNote: "(no events)")
    }

    func emit(_ events: [ResolvedEvent], emptyNote: String) {
        var shown = 0
        for event in events {
            guard let view = EventView(event) else { continue }
            sink.emit(.event(view, tail: nil))
            shown += 1
        }
        if shown == 0 { sink.emit(.note(emptyNote)) }
    }

    func show(_ stream: String, number: Int64?) async throws {
        switch try await client.readEvent(stream: stream, number: number ?? -1) {
        case .success(let event):
            guard let view = EventView(event) else { throw ShellCommandError("\(stream): the linked event is gone") }
            sink.emit(.result(human: view.detail, json: view.json))
        case .notFound: throw ShellCommandError("\(stream)#\(number.map(String.init) ?? "last") not found")
        case .noStream: throw ShellCommandError("stream \(stream) not found")
        case .streamDeleted: throw ShellCommandError("stream \(stream) is deleted")
        }
    }

    func ops() async {
        let operations = await client.operations
        let human = operations.isEmpty ? "(no operations in flight)" : operations.map {
            "\(TerminalText.fit($0.command, 28)) \($0.correlationID.dotNetString)  \($0.state)  attempt \($0.attempt)/"
                + "\($0.maxAttempts < 0 ? "∞" : String($0.maxAttempts))  age \(String(format: "%.0f ms", Self.milliseconds($0.age)))"
        }.joined(separator: "\n")
        let json: JSONValue = .object([("operations", .array(operations.map {
            .object([("command", .string($0.command)), ("correlationId", .string($0.correlationID.dotNetString)),
                     ("state", .string($0.state)), ("attempt", .int(Int64($0.attempt))), ("maxAttempts", .int(Int64($0.maxAttempts))),
                     ("ageMs", .double(Self.milliseconds($0.age)))])
        }))])
        sink.emit(.result(human: human, json: json))
    }
}

extension FilterOptions {
    /// The server-side filter, if any.
    var eventFilter: EventFilter? {
        if !typePrefix.isEmpty { return EventFilter(target: .eventType, matching: .prefixes(typePrefix)) }
        if !streamPrefix.isEmpty { return EventFilter(target: .streamID, matching: .prefixes(streamPrefix)) }
        if let typeRegex { return .eventTypeRegex(typeRegex) }
        return nil
    }
}
