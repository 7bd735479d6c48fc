import EventStoreTesting
import Foundation

/// A private tmux server running one program in a detached session of fixed size, for end-to-end tests.
/// Screens are read with `capture-pane` and always polled with a deadline. Every tmux command runs
/// on a dedicated thread (``runOnDedicatedThread(_:)``), so a test at the keyboard never holds one of
/// the cooperative pool's threads.
final class Tmux {
    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var screen: String
        var description: String { "timed out waiting for \(what); screen:\n\(screen)" }
    }

    static var isAvailable: Bool {
        ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/tmux")
        } ?? false
    }

    /// The `esdb` binary built next to this test bundle (`ESDB_BIN` overrides).
    static var esdb: String {
        if let path = ProcessInfo.processInfo.environment["ESDB_BIN"], !path.isEmpty { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("esdb")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/esdb"
    }

    let socket = "esdb-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
    let home: String

    /// Starts `arguments` (run through `env`, so `K=V` words set the environment) in a session of `columns` × `rows`.
    init(_ arguments: [String], columns: Int = 120, rows: Int = 36) async throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-tui-\(UUID())").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let command = (["env", "TERM=xterm-256color", "LANG=C.UTF-8", "XDG_STATE_HOME=\(home)", "XDG_DATA_HOME=\(home)"]
            + arguments).map(Self.quote).joined(separator: " ") + "; echo EXIT=$?; sleep 600"
        // The server forks from new-session and would hold a stdout pipe open forever: give it no pipe.
        try await run(["new-session", "-d", "-s", "t", "-x", String(columns), "-y", String(rows), command], capture: false)
    }

    deinit {
        _ = try? Spawn.run(Self.command(socket, ["kill-server"]), environment: Self.environment, capture: false)
        try? FileManager.default.removeItem(atPath: home)
    }

    static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment.removeValue(forKey: "TMUX")
        return environment
    }

    private static func command(_ socket: String, _ arguments: [String]) -> [String] {
        ["tmux", "-L", socket] + arguments
    }

    @discardableResult
    func run(_ arguments: [String], capture: Bool = true) async throws -> String {
        let command = Self.command(socket, arguments)
        return try await runOnDedicatedThread { try Spawn.run(command, environment: Self.environment, capture: capture).output }
    }

    /// The screen as text.
    func screen() async -> String {
        (try? await run(["capture-pane", "-p", "-t", "t"])) ?? ""
    }

    /// Keys in tmux syntax (`Enter`, `Tab`, `C-d`, `F2`...).
    func press(_ keys: String...) async throws {
        try await run(["send-keys", "-t", "t"] + keys)
    }

    /// Literal text.
    func type(_ text: String) async throws {
        try await run(["send-keys", "-t", "t", "-l", "--", text])
    }

    /// Raw bytes, one `send-keys -H` each: a character's UTF-8 bytes reach the program in separate writes.
    func typeBytesSeparately(_ bytes: [UInt8]) async throws {
        for byte in bytes { try await run(["send-keys", "-t", "t", "-H", String(byte, radix: 16)]) }
    }

    func resize(columns: Int, rows: Int) async throws {
        try await run(["resize-window", "-t", "t", "-x", String(columns), "-y", String(rows)])
    }

    /// Polls the screen until `condition` holds; throws with the last screen after `timeout`.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(20), _ condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = await screen()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Timeout(what: what, screen: last)
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(20)) async throws -> String {
        try await waitFor("\"\(text)\"", timeout: timeout) { $0.contains(text) }
    }
}
