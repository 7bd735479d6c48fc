import EventStoreClient
import EventStoreWire
import Foundation

/// The result of running one command.
public enum ShellOutcome: Sendable, Equatable {
    case ok
    case failed
    case quit
}

/// How a session behaves.
public struct ShellOptions: Sendable {
    /// Refuse every write.
    public var readOnly = false
    /// Tails run in the background (REPL/TUI) instead of blocking until `--limit` (scripts).
    public var interactive = false
    /// Asks the user to confirm a destructive command; `nil` means "require --yes".
    public var confirm: (@Sendable (String) async -> Bool)?
    /// Where this session is connected, for `status`.
    public var nodeDescription = ""

    /// Interactive off, writes allowed, `--yes` required for destructive commands.
    public init() {}
}

/// Runs shell commands against a client: the same language for the TUI prompt, the plain REPL,
/// `esdb -c` and scripts. Output goes to a ``ShellSink``.
public actor ShellSession {
    var client: EventStoreClient
    let sink: any ShellSink
    var options: ShellOptions
    var tails: [Int: TailHandle] = [:]
    var nextTailID = 1
    var demo: Task<Void, Never>?
    var lifecycle: [String] = []
    var lastRoundTrip: Duration?
    var watcher: Task<Void, Never>?

    /// A session running commands against `client`, writing to `sink`.
    public init(client: EventStoreClient, sink: any ShellSink, options: ShellOptions) {
        self.client = client
        self.sink = sink
        self.options = options
    }

    /// Starts recording lifecycle events for `log` and `status`.
    public func start() {
        watch(client)
    }

    func watch(_ client: EventStoreClient) {
        watcher?.cancel()
        let events = client.events
        watcher = Task { [weak self] in
            for await event in events { await self?.record(event) }
        }
    }

    func record(_ event: ClientEvent) {
        switch event {
        case .heartbeatRoundTrip(let rtt): lastRoundTrip = rtt
        case .phaseChanged(let phase, let date):
            appendLog("\(EventView.iso(date))  \(phase)")
        case .authenticationFailed(let reason): appendLog("authentication failed: \(reason)")
        case .operationRetried(let command, let attempt, let reason): appendLog("retry \(command) attempt \(attempt): \(reason)")
        case .redirected(let endpoint): appendLog("redirected to leader \(endpoint)")
        }
    }

    private func appendLog(_ line: String) {
        lifecycle.append(line)
        if lifecycle.count > 500 { lifecycle.removeFirst(lifecycle.count - 500) }
    }

    /// Stops tails and the demo writer.
    public func shutdown() async {
        for tail in tails.values { tail.task.cancel() }
        tails.removeAll()
        demo?.cancel()
        watcher?.cancel()
    }

    /// Parses and runs one line.
    public func execute(_ line: String) async -> ShellOutcome {
        let command: ShellCommand?
        do {
            command = try ShellCommandParser.parse(line)
        } catch {
            sink.emit(.error(error.description))
            return .failed
        }
        guard let command else { return .ok }
        return await run(command)
    }

    /// Runs a parsed command.
    public func run(_ command: ShellCommand) async -> ShellOutcome {
        if command.isWrite, options.readOnly {
            sink.emit(.error("\(command.name): refused: esdb runs with --readonly"))
            return .failed
        }
        do {
            return try await dispatch(command)
        } catch let error as EventStoreClientError {
            sink.emit(.error("\(command.name): \(error.message)"))
            return .failed
        } catch let error as ShellCommandError {
            sink.emit(.error("\(command.name): \(error.message)"))
            return .failed
        } catch {
            sink.emit(.error("\(command.name): \(error)"))
            return .failed
        }
    }

    private func dispatch(_ command: ShellCommand) async throws -> ShellOutcome {
        switch command {
        case .help(let topic):
            guard let text = ShellHelp.text(for: topic) else { throw ShellCommandError("no command \"\(topic ?? "")\"") }
            sink.emit(.result(human: text, json: .object([("help", .string(text))])))
        case .status: try await status()
        case .quit: return .quit
        case .connect(let string): try await connect(string)
        case .streams(let filter, let limit): try await streams(filter: filter, limit: limit)
        case .categories: try await categories()
        case .readStream(let stream, let from, let count, let backward, let resolve):
            try await readStream(stream, from: from, count: count, backward: backward, resolve: resolve)
        case .readAll(let from, let count, let backward, let filter):
            try await readAll(from: from, count: count, backward: backward, filter: filter)
        case .show(let stream, let number): try await show(stream, number: number)
        case .append(let stream, let type, let data, let expected, let id, let metadata):
            try await append(stream, type: type, data: data, expected: expected, id: id, metadata: metadata)
        case .delete(let stream, let hard, let expected, let confirmed):
            try await delete(stream, hard: hard, expected: expected, confirmed: confirmed)
        case .meta(let stream, let set, let confirmed): try await meta(stream, set: set, confirmed: confirmed)
        case .tail(let stream, let from, let limit, let filter):
            try await tail(stream, from: from, limit: limit, filter: filter)
        case .untail(let which): try untail(which)
        case .createGroup(let stream, let group, let from, let resolve, let strategy):
            try await createGroup(stream, group: group, from: from, resolve: resolve, strategy: strategy)
        case .deleteGroup(let stream, let group, let confirmed): try await deleteGroup(stream, group: group, confirmed: confirmed)
        case .consume(let stream, let group, let limit, let nak): try await consume(stream, group: group, limit: limit, nak: nak)
        case .ops: await ops()
        case .log:
            let lines = lifecycle.suffix(50)
            sink.emit(.result(human: lines.isEmpty ? "(no lifecycle events yet)" : lines.joined(separator: "\n"),
                              json: .object([("log", .array(lines.map(JSONValue.string)))])))
        case .demo(let mode): try await runDemo(mode)
        }
        return .ok
    }

    /// Asks for confirmation (TUI) or requires `--yes` (scripts).
    func confirmDestructive(_ question: String, confirmed: Bool) async throws {
        if confirmed { return }
        guard let confirm = options.confirm else {
            throw ShellCommandError("refusing without --yes (this is destructive)")
        }
        guard await confirm(question) else { throw ShellCommandError("cancelled") }
    }
}

/// A command's own failure, printed as `command: message`.
struct ShellCommandError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension ShellCommand {
    /// The command word, for error lines.
    public var name: String {
        switch self {
        case .help: return "help"
        case .status: return "status"
        case .quit: return "quit"
        case .connect: return "connect"
        case .streams: return "streams"
        case .categories: return "categories"
        case .readStream, .readAll: return "read"
        case .show: return "show"
        case .append: return "append"
        case .delete: return "delete"
        case .meta: return "meta"
        case .tail: return "tail"
        case .untail: return "untail"
        case .createGroup, .deleteGroup: return "group"
        case .consume: return "consume"
        case .ops: return "ops"
        case .log: return "log"
        case .demo: return "demo"
        }
    }
}
