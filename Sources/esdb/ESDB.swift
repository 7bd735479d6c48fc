import ArgumentParser
import EventStoreClient
import EventStoreNode
import EventStoreShell
import EventStoreTUI
import Foundation
import Logging

/// The `esdb` command: the stream browser by default, plus `esdb node` and `esdb wire`.
struct ESDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esdb",
        abstract: "Browse, tail and debug EventStoreDB streams over the TCP protocol.",
        version: ESDBVersion.current,
        subcommands: [ShellCommandLine.self, WireCommand.self, NodeCommand.self],
        defaultSubcommand: ShellCommandLine.self
    )
}

/// `esdb [shell]`: the stream browser; with no connection it starts an embedded node.
struct ShellCommandLine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Browse, tail and debug streams (the default command).",
        discussion: """
            Without --connect or ESDB_CONNECTION, esdb starts an embedded node (data under
            $XDG_DATA_HOME/esdb/default, or in memory with --mem) and connects to it over TCP.
            Commands come from -c (repeatable), -f FILE, stdin, or the interactive prompt; type 'help'.
            Exit codes: 0 success, 1 a command failed, 2 usage error, 3 could not connect.
            """
    )

    @Option(name: .long, help: "Connection string: tcp://user:pass@host:1113, discover://…, or ConnectTo=…; …")
    var connect: String?

    @Option(name: .customShort("c"), help: "Run this command and exit (repeatable).")
    var commands: [String] = []

    @Option(name: .customShort("f"), help: "Run the commands in this file and exit.")
    var file: String?

    @Flag(name: .long, help: "Print JSON Lines instead of tables.")
    var json = false

    @Flag(name: .customLong("no-color"), help: "Do not colour output (NO_COLOR is honoured too).")
    var noColor = false

    @Flag(name: .long, help: "Keep the embedded node's data in memory.")
    var mem = false

    @Flag(name: .long, help: "Refuse every write.")
    var readonly = false

    func validate() throws {
        if !commands.isEmpty, file != nil { throw ValidationError("-c and -f exclude each other") }
        if mem, connect != nil || ProcessInfo.processInfo.environment["ESDB_CONNECTION"] != nil {
            throw ValidationError("--mem applies to the embedded node; it cannot be combined with a connection string")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let color = !noColor && environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) == 1 && !json
        let sink = LineSink(renderer: LineRenderer(json: json, color: color))
        let target = connect ?? environment["ESDB_CONNECTION"].flatMap { $0.isEmpty ? nil : $0 }
        let connection: Connection
        do {
            connection = try await Connection.open(target: target, inMemory: mem)
        } catch {
            sink.emit(.error("esdb: could not connect: \(error)"))
            throw ExitCode(3)
        }
        let interactive = commands.isEmpty && file == nil && isatty(STDIN_FILENO) == 1
        var options = ShellOptions()
        options.readOnly = readonly
        options.interactive = interactive
        options.nodeDescription = connection.description
        // The full-screen TUI when it can start; otherwise the plain REPL below.
        if interactive, TerminalUI.isUsable(environment: environment),
           let failed = await runTUI(connection: connection, options: options, color: color) {
            await connection.close()
            if failed { throw ExitCode(1) }
            return
        }
        let session = ShellSession(client: connection.client, sink: sink, options: options)
        await session.start()
        let failed: Bool
        if !commands.isEmpty {
            failed = await Self.runLines(commands, session: session)
        } else if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                sink.emit(.error("esdb: cannot read \(file)"))
                await connection.close()
                throw ExitCode(2)
            }
            failed = await Self.runLines(text.components(separatedBy: .newlines), session: session)
        } else if interactive {
            failed = await InteractivePrompt(session: session, sink: sink, banner: connection.banner).run()
        } else {
            var lines: [String] = []
            while let line = readLine() { lines.append(line) }
            failed = await Self.runLines(lines, session: session)
        }
        await session.shutdown()
        await connection.close()
        if failed { throw ExitCode(1) }
    }

    /// The full-screen TUI (stdin and stdout are terminals, TERM usable). Returns whether the last
    /// command failed, or nil when curses could not start (the caller runs the plain REPL instead).
    func runTUI(connection: Connection, options: ShellOptions, color: Bool) async -> Bool? {
        var tuiOptions = TerminalUIOptions(historyPath: InteractivePrompt.historyPath)
        tuiOptions.color = color
        tuiOptions.banner = connection.banner
        tuiOptions.streamsChanged = { names in ReadlineCompletion.streams.withLock { $0 = names } }
        if let path = ProcessInfo.processInfo.environment["ESDB_TUI_STDERR"], !path.isEmpty { tuiOptions.stderrPath = path }
        let tui = TerminalUI(options: tuiOptions)
        var options = options
        options.confirm = tui.confirm
        let session = ShellSession(client: connection.client, sink: tui.sink, options: options)
        await session.start()
        ReadlineCompletion.install()
        let result = await tui.run(session: session)
        await session.shutdown()
        return result
    }

    /// Runs lines in order; returns whether any failed. `quit` stops early.
    static func runLines(_ lines: [String], session: ShellSession) async -> Bool {
        var failed = false
        for line in lines {
            switch await session.execute(line) {
            case .ok: continue
            case .failed: failed = true
            case .quit: return failed
            }
        }
        return failed
    }
}

enum ESDBVersion {
    static let current = "0.1.0"
}

/// Entry point: maps usage errors to exit code 2 (ArgumentParser would use 64).
@main
enum Main {
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["ESDB_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
            return handler
        }
        do {
            var command = try ESDB.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = ESDB.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((ESDB.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            ESDB.exit(withError: error)
        }
    }
}
