import Foundation

/// A private tmux server running one program in a detached session of fixed size, for end-to-end tests.
/// Screens are read with `capture-pane` and always polled with a deadline.
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
    init(_ arguments: [String], columns: Int = 120, rows: Int = 36) throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-tui-\(UUID())").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let command = (["env", "TERM=xterm-256color", "LANG=C.UTF-8", "XDG_STATE_HOME=\(home)", "XDG_DATA_HOME=\(home)"]
            + arguments).map(Self.quote).joined(separator: " ") + "; echo EXIT=$?; sleep 600"
        // The server forks from new-session and would hold a stdout pipe open forever: give it no pipe.
        try run(["new-session", "-d", "-s", "t", "-x", String(columns), "-y", String(rows), command], capture: false)
    }

    deinit {
        _ = try? run(["kill-server"], capture: false)
        try? FileManager.default.removeItem(atPath: home)
    }

    static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    @discardableResult
    func run(_ arguments: [String], capture: Bool = true) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment.removeValue(forKey: "TMUX")
        return try Spawn.run(["tmux", "-L", socket] + arguments, environment: environment, capture: capture).output
    }

    /// The screen as text.
    func screen() -> String {
        (try? run(["capture-pane", "-p", "-t", "t"])) ?? ""
    }

    /// Keys in tmux syntax (`Enter`, `Tab`, `C-d`, `F2`...).
    func press(_ keys: String...) throws {
        try run(["send-keys", "-t", "t"] + keys)
    }

    /// Literal text.
    func type(_ text: String) throws {
        try run(["send-keys", "-t", "t", "-l", text])
    }

    func resize(columns: Int, rows: Int) throws {
        try run(["resize-window", "-t", "t", "-x", String(columns), "-y", String(rows)])
    }

    /// Polls the screen until `condition` holds; throws with the last screen after `timeout`.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(20), _ condition: (String) -> Bool) throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = screen()
            if condition(last) { return last }
            usleep(50_000)
        }
        throw Timeout(what: what, screen: last)
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(20)) throws -> String {
        try waitFor("\"\(text)\"", timeout: timeout) { $0.contains(text) }
    }
}
