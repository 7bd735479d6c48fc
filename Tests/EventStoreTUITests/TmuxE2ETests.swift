import EventStoreTesting
import Foundation
import Testing

/// The TUI as a person at a keyboard uses it: `esdb` in tmux, keys in, screens out.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed (scripts/bootstrap.sh installs it); skipping TUI end-to-end tests"))
struct TmuxE2ETests {
    /// The last line of the screen is the prompt (capture-pane trims trailing blanks).
    static func promptLine(_ screen: String) -> String {
        screen.split(separator: "\n").last.map(String.init) ?? ""
    }

    static func port(in screen: String) -> String? {
        guard let match = screen.firstMatch(of: /127\.0\.0\.1:(\d+)/) else { return nil }
        return String(match.1)
    }

    @Test func appendReadTailSwitchPanesResizeAndQuit() async throws {
        let tmux = try await Tmux([Tmux.esdb, "--mem"])
        let start = try await tmux.waitFor("the connected header and the prompt") {
            $0.hasPrefix(" esdb  connected") && Self.promptLine($0) == "esdb>"
        }
        let port = try #require(Self.port(in: start))

        try await tmux.type(#"append orders-1 OrderPlaced '{"total": 12}'"#)
        try await tmux.press("Enter")
        try await tmux.waitFor("appended orders-1#0")
        try await tmux.type("tail orders-1 --from start")
        try await tmux.press("Enter")
        try await tmux.waitFor("a live tail with the first event") { $0.contains("Tail 1 orders-1 [live]") && $0.contains("orders-1#0 ") }

        // Append through the prompt and from another esdb connected to the same node.
        try await tmux.type("append orders-1 OrderShipped '{}'")
        try await tmux.press("Enter")
        try await tmux.waitFor("orders-1#1 ")
        let remote = [Tmux.esdb, "--connect", "tcp://admin:changeit@127.0.0.1:\(port)", "-c", #"append orders-1 Remote '{"from":"outside"}'"#]
        let other = try await runOnDedicatedThread { try Spawn.run(remote) }
        #expect(other.status == 0)
        try await tmux.waitFor("the outside event in the tail") { $0.contains("orders-1#2 ") && $0.contains("Remote") }
        #expect(await tmux.screen().contains("gaps 0 dups 0"))

        try await tmux.type("read orders-1")
        try await tmux.press("Enter")
        try await tmux.waitFor("the read in the output") { $0.contains("esdb> read orders-1") && $0.contains("OrderShipped") }
        try await tmux.press("Up")
        try await tmux.waitFor("the last line recalled from history") { Self.promptLine($0) == "esdb> read orders-1" }
        try await tmux.press("C-c")
        try await tmux.waitFor("the prompt cleared by Ctrl-C") { Self.promptLine($0) == "esdb>" }

        // Switch panes: Tab (empty prompt) focuses the streams pane; Enter opens its events, Enter again the detail.
        try await tmux.press("Tab")
        try await tmux.waitFor("the streams pane's key hints") { $0.contains("Enter open") && $0.contains("Streams (1)") }
        try await tmux.press("Enter")
        try await tmux.waitFor("Events orders-1 (3)")
        try await tmux.press("Down")
        try await tmux.press("Enter")
        try await tmux.waitFor("the detail of event 1") { $0.contains("number:   1") && $0.contains("type:     OrderShipped") }

        try await tmux.resize(columns: 80, rows: 24)
        try await tmux.waitFor("the layout for 80x24") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 24 && lines[23].hasPrefix("esdb>") && lines[22].contains("scroll")
                && lines.allSatisfy { $0.count <= 80 } && screen.contains("Tail 1 orders-1")
        }
        try await tmux.resize(columns: 140, rows: 40)
        try await tmux.waitFor("the layout for 140x40") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 40 && lines[39].hasPrefix("esdb>")
        }

        try await tmux.press("q")
        try await tmux.waitFor("EXIT=0")
    }

    @Test func pauseFilterConfirmAndHelp() async throws {
        let tmux = try await Tmux([Tmux.esdb, "--mem"])
        try await tmux.waitFor("the prompt") { $0.hasPrefix(" esdb  connected") && Self.promptLine($0) == "esdb>" }
        try await tmux.type("demo --live")
        try await tmux.press("Enter")
        try await tmux.type("tail $all")
        try await tmux.press("Enter")
        try await tmux.waitFor("live events in the tail") { $0.contains("Tail 1 $all [live]") && $0.contains("$ce-") }

        try await tmux.press("F5")
        try await tmux.press("p")
        try await tmux.waitFor("new events counted while paused") { $0.firstMatch(of: /PAUSED [1-9]\d* new/) != nil }
        try await tmux.press("f")
        try await tmux.waitFor("following again") { !$0.contains("PAUSED") }

        // Filter the tail: only $ce- lines, then negated, then cleared with Esc.
        try await tmux.type("/^\\$ce-")
        try await tmux.press("Enter")
        try await tmux.waitFor("the filter in the tail title") { screen in
            screen.contains("/^\\$ce-") && !screen.contains("\n$streams#")
        }
        try await tmux.press("Escape")
        try await tmux.waitFor("the filter cleared") { !$0.contains("/^\\$ce-") }

        // A destructive command asks first.
        try await tmux.press("F2")
        try await tmux.type("delete orders-1")
        try await tmux.press("Enter")
        try await tmux.waitFor("delete orders-1? [y/N]") { $0.contains("[y/N]") }
        try await tmux.press("n")
        try await tmux.waitFor("delete: cancelled")

        try await tmux.press("F1")
        try await tmux.waitFor("the help popup") { $0.contains("pause / follow the selected tail") }
        try await tmux.press("Space")
        try await tmux.waitFor("help closed") { !$0.contains("pause / follow the selected tail") }
        try await tmux.press("C-d")
        try await tmux.waitFor("EXIT=1 (the last command, the delete, was cancelled)") { $0.contains("EXIT=1") }
    }

    /// Non-ASCII text at the prompt, even when a character's bytes arrive in two reads, and found
    /// again with Ctrl-R; the echo shows the command prompt, not the search prompt.
    @Test func nonASCIIInputAndReverseSearch() async throws {
        let tmux = try await Tmux([Tmux.esdb, "--mem"])
        try await tmux.waitFor("the prompt") { $0.hasPrefix(" esdb  connected") && Self.promptLine($0) == "esdb>" }
        try await tmux.type("append caf")
        try await tmux.typeBytesSeparately(Array("é".utf8))
        try await tmux.type("-1 Ordered '{}'")
        try await tmux.waitFor("the whole line at the prompt") { Self.promptLine($0) == "esdb> append café-1 Ordered '{}'" }
        try await tmux.press("Enter")
        try await tmux.waitFor("appended café-1#0")
        try await tmux.type("streams")
        try await tmux.press("Enter")
        try await tmux.waitFor("the streams listed") { $0.contains("esdb> streams\n") || $0.contains("esdb> streams ") }

        try await tmux.press("C-r")
        try await tmux.type("caf")
        try await tmux.typeBytesSeparately(Array("é".utf8))
        try await tmux.waitFor("the search prompt with the match") {
            Self.promptLine($0) == "(reverse-i-search)`café': append café-1 Ordered '{}'"
        }
        try await tmux.press("Enter")
        try await tmux.waitFor("appended café-1#1")
        let screen = await tmux.screen()
        #expect(screen.components(separatedBy: "esdb> append café-1 Ordered '{}'").count == 3, "both runs echoed after esdb>")
        #expect(!screen.contains("(reverse-i-search)`café': append"), "the search prompt is gone: \(screen)")
        try await tmux.press("C-d")
        try await tmux.waitFor("EXIT=0")
    }

    /// A persistent subscription consumer from the prompt: a tail pane named `stream::group` that
    /// goes live, shows the group's events and keeps receiving new ones; `untail` leaves the group.
    @Test func consumeAGroupInAPane() async throws {
        let tmux = try await Tmux([Tmux.esdb, "--mem"])
        try await tmux.waitFor("the prompt") { $0.hasPrefix(" esdb  connected") && Self.promptLine($0) == "esdb>" }
        for command in ["append jobs-1 Job '{\"n\":0}'", "group create jobs-1 workers --from start", "consume jobs-1 workers"] {
            try await tmux.type(command)
            try await tmux.press("Enter")
        }
        try await tmux.waitFor("the consumer's pane with the first event") {
            $0.contains("Tail 1 jobs-1::workers [live]") && $0.contains("jobs-1#0 ")
        }
        try await tmux.type("append jobs-1 Job '{\"n\":1}'")
        try await tmux.press("Enter")
        try await tmux.waitFor("jobs-1#1 ")
        try await tmux.type("untail 1")
        try await tmux.press("Enter")
        try await tmux.waitFor("the pane closed") { $0.contains("stopped tail 1") && !$0.contains("Tail 1 jobs-1::workers") }
        try await tmux.press("C-d")
        try await tmux.waitFor("EXIT=0")
    }

    @Test func headerFollowsANodeRestart() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-tui-node-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        var node = try await NodeProcess.start(database: data, port: 0)
        let port = node.port
        let tmux = try await Tmux([Tmux.esdb, "--connect", "tcp://admin:changeit@127.0.0.1:\(port)"])
        try await tmux.waitFor("connected", timeout: .seconds(30)) { $0.hasPrefix(" esdb  connected") && Self.promptLine($0) == "esdb>" }

        await node.stop()
        try await tmux.waitFor("the header leaving connected", timeout: .seconds(30)) { screen in
            !screen.hasPrefix(" esdb  connected") && (screen.contains("reconnecting") || screen.contains("connecting"))
        }
        node = try await NodeProcess.startAgain(database: data, port: port)
        try await tmux.waitFor("connected again", timeout: .seconds(60)) { $0.hasPrefix(" esdb  connected") }
        #expect(await tmux.screen().contains("reconnecting"), "the lifecycle pane logged the reconnection")
        try await tmux.press("C-d")
        try await tmux.waitFor("EXIT=0")
    }
}

/// `esdb node` as a separate process.
final class NodeProcess {
    let pid: pid_t
    let port: Int
    private var stopped = false

    /// Starts `esdb node` and waits (on a dedicated thread) for its ready line.
    static func start(database: String, port: Int) async throws -> NodeProcess {
        let (pid, port) = try await runOnDedicatedThread { try startBlocking(database: database, port: port) }
        return NodeProcess(pid: pid, port: port)
    }

    private init(pid: pid_t, port: Int) {
        self.pid = pid
        self.port = port
    }

    private static func startBlocking(database: String, port: Int) throws -> (pid_t, Int) {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let pid = try Spawn.start([Tmux.esdb, "node", "--db", database, "--tcp-port", String(port), "--http-port", "0"],
                              stdoutFD: fds[1])
        close(fds[1])
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !text.contains("\n") {
            let count = read(fds[0], &buffer, buffer.count)
            guard count > 0 else { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        close(fds[0])
        guard let match = text.firstMatch(of: /tcp=[^ ]*:(\d+)/), let found = Int(match.1) else {
            kill(pid, SIGKILL)
            Spawn.wait(pid)
            throw Tmux.Timeout(what: "esdb node ready", screen: text)
        }
        return (pid, found)
    }

    /// Starts a node on the port a stopped one had. Until it is back that port is an ordinary ephemeral
    /// port, which an outbound connection (such as esdb's reconnection attempts) may hold as its local
    /// port for a moment; so a failed start is retried until a deadline.
    static func startAgain(database: String, port: Int, within timeout: Duration = .seconds(20)) async throws -> NodeProcess {
        try await retrying(for: timeout) { try await start(database: database, port: port) }
    }

    /// Sends SIGTERM and waits for the exit.
    func stop() async {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        let pid = pid
        _ = try? await runOnDedicatedThread { Spawn.wait(pid) }
    }

    deinit {
        if !stopped {
            kill(pid, SIGTERM)
            Spawn.wait(pid)
        }
    }
}
