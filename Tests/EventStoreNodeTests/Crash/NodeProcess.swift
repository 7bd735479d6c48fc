import EventStoreNode
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an `esdb node` subprocess could not be found, started or stopped.
struct NodeProcessError: Error, CustomStringConvertible {
    /// What went wrong, with the node's stderr where that helps.
    let description: String
}

/// An `esdb node` running as a separate process, so that a test can SIGKILL it mid-write.
///
/// ```swift
/// let node = try await NodeProcess.start(database: directory)
/// defer { node.forceKill() }
/// let client = try await TCPTestClient.connect(host: node.tcp.host, port: node.tcp.port)
/// ```
final class NodeProcess: Sendable {
    /// Where clients connect, from the ready line.
    let tcp: NodeConfiguration.Endpoint
    /// The HTTP endpoint, from the ready line.
    let http: NodeConfiguration.Endpoint
    /// The process id, for `kill(2)`.
    let pid: pid_t
    /// The file that collects the node's stderr.
    let stderrPath: String

    private let process: Process

    private init(process: Process, tcp: NodeConfiguration.Endpoint, http: NodeConfiguration.Endpoint, stderrPath: String) {
        self.pid = process.processIdentifier
        self.process = process
        self.tcp = tcp
        self.http = http
        self.stderrPath = stderrPath
    }

    deinit {
        forceKill()
    }

    /// Starts `esdb node --db <database> --tcp-port 0 --http-port 0` and waits for its ready line.
    /// Its stderr goes to a file in `logDirectory` (default: `database`).
    ///
    /// - Throws: ``NodeProcessError`` if the binary is missing, or the node exits or stays silent
    ///   past `timeout` (the process is killed in that case).
    static func start(database: URL, logDirectory: URL? = nil, timeout: Duration = .seconds(20)) async throws -> NodeProcess {
        try FileManager.default.createDirectory(at: database, withIntermediateDirectories: true)
        return try await start(options: ["--db", database.path], logDirectory: logDirectory ?? database, timeout: timeout)
    }

    /// Starts `esdb node <options> --tcp-port 0 --http-port 0` (for example `["--mem"]`) and waits
    /// for its ready line. Its stderr goes to a file in `logDirectory`.
    static func start(options: [String], logDirectory: URL, timeout: Duration = .seconds(20)) async throws -> NodeProcess {
        let binary = try ESDBBinary.locate()
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        let stderrPath = logDirectory.appendingPathComponent("node-stderr-\(UUID().uuidString.prefix(8)).log").path
        guard FileManager.default.createFile(atPath: stderrPath, contents: nil),
              let stderr = FileHandle(forWritingAtPath: stderrPath)
        else { throw NodeProcessError(description: "cannot create \(stderrPath)") }
        defer { try? stderr.close() }

        let process = Process()
        process.executableURL = binary
        process.arguments = ["node"] + options + ["--tcp-port", "0", "--http-port", "0"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let output = ReadyLineReader(handle: stdout.fileHandleForReading)
        try? stdout.fileHandleForWriting.close()

        let deadline = ContinuousClock.now + timeout
        while true {
            if let line = output.readyLine {
                guard let (tcp, http) = parseReadyLine(line) else {
                    kill(pid, SIGKILL)
                    throw NodeProcessError(description: "unparseable ready line: \(line)")
                }
                return NodeProcess(process: process, tcp: tcp, http: http, stderrPath: stderrPath)
            }
            if !process.isRunning || output.reachedEnd {
                kill(pid, SIGKILL)
                throw NodeProcessError(description: "esdb node exited before it was ready; stderr: \(Self.contents(of: stderrPath))")
            }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                throw NodeProcessError(description: "no ready line within \(timeout); stderr: \(Self.contents(of: stderrPath))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Parses `esdb node ready tcp=HOST:PORT http=HOST:PORT db=…`.
    static func parseReadyLine(_ line: String) -> (NodeConfiguration.Endpoint, NodeConfiguration.Endpoint)? {
        guard line.hasPrefix("esdb node ready ") else { return nil }
        var fields: [String: String] = [:]
        for part in line.split(separator: " ") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        guard let tcp = fields["tcp"].flatMap(NodeConfiguration.Endpoint.init(_:)),
              let http = fields["http"].flatMap(NodeConfiguration.Endpoint.init(_:))
        else { return nil }
        return (tcp, http)
    }

    /// Whether the process has not exited (or not yet been reaped).
    var isRunning: Bool { process.isRunning }

    /// Sends SIGKILL and polls until the process is gone.
    func killNine(timeout: Duration = .seconds(10)) async throws {
        kill(pid, SIGKILL)
        try await waitForExit(timeout: timeout)
    }

    /// Sends SIGTERM (a clean shutdown) and polls until the process is gone; SIGKILL if it lingers.
    func terminate(timeout: Duration = .seconds(10)) async throws {
        kill(pid, SIGTERM)
        do {
            try await waitForExit(timeout: timeout)
        } catch {
            try await killNine()
            throw error
        }
    }

    /// SIGKILL without waiting, if still running: for `defer` blocks and failure paths.
    func forceKill() {
        if isRunning { kill(pid, SIGKILL) }
    }

    /// The node's stderr so far.
    var stderrText: String { Self.contents(of: stderrPath) }

    private func waitForExit(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            guard ContinuousClock.now < deadline else {
                throw NodeProcessError(description: "esdb node (pid \(pid)) still running after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private static func contents(of path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)).map { $0.isEmpty ? "(empty)" : $0 } ?? "(unreadable)"
    }
}

/// Drains a pipe on its own thread, keeping the first line that starts with `esdb node ready`.
private final class ReadyLineReader: Sendable {
    private struct State {
        var buffer = Data()
        var readyLine: String?
        var reachedEnd = false
    }

    private let state = Mutex(State())

    init(handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.append(chunk)
            }
            self.state.withLock { $0.reachedEnd = true }
            try? handle.close()
        }
        thread.name = "esdb-node-stdout"
        thread.start()
    }

    /// The ready line, once printed.
    var readyLine: String? { state.withLock { $0.readyLine } }

    /// Whether stdout closed (the process exited or closed it).
    var reachedEnd: Bool { state.withLock { $0.reachedEnd } }

    private func append(_ chunk: Data) {
        state.withLock { state in
            guard state.readyLine == nil else { return }
            state.buffer.append(chunk)
            while let newline = state.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: state.buffer[state.buffer.startIndex..<newline], as: UTF8.self)
                state.buffer.removeSubrange(state.buffer.startIndex...newline)
                if line.hasPrefix("esdb node ready") {
                    state.readyLine = line
                    state.buffer = Data()
                    return
                }
            }
        }
    }
}

/// Finds the `esdb` executable that `swift build --build-tests` puts next to the test bundle.
enum ESDBBinary {
    /// `ESDB_BINARY` (or `ESDB_BIN`, as the interop tests call it) if set, else `esdb` in the build
    /// products directory of this test bundle.
    ///
    /// The products directory is found from `/proc/self/exe` and `argv[0]` (Linux runs the
    /// `.xctest` executable directly) and from loaded `.xctest` bundles (macOS, where a helper
    /// loads the bundle from `<products>/<name>.xctest`).
    static func locate() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["ESDB_BINARY"] ?? environment["ESDB_BIN"], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw NodeProcessError(description: "ESDB_BINARY=\(explicit) is not an executable file")
            }
            return URL(fileURLWithPath: explicit)
        }
        let candidates = productDirectories().map { $0.appendingPathComponent("esdb") }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw NodeProcessError(description: """
            esdb executable not found (looked at: \(candidates.map(\.path).joined(separator: ", "))). \
            Build it with `swift build --build-tests` (EventStoreShellTests depends on it), or set ESDB_BINARY.
            """)
    }

    /// Directories that may hold the build products, most likely first, without duplicates.
    private static func productDirectories() -> [URL] {
        var executables: [URL] = []
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            executables.append(URL(fileURLWithPath: link))
        }
        if let first = CommandLine.arguments.first, first.contains("/") {
            executables.append(URL(fileURLWithPath: first).standardizedFileURL)
        }
        if let main = Bundle.main.executableURL { executables.append(main) }

        var directories: [URL] = []
        for executable in executables {
            // A bundle's executable sits in <products>/<name>.xctest[/Contents/MacOS]/<name>.
            directories.append(enclosingXCTest(executable)?.deletingLastPathComponent() ?? executable.deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        var seen = Set<String>()
        return directories.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    private static func enclosingXCTest(_ url: URL) -> URL? {
        var current = url
        while current.pathComponents.count > 1 {
            if current.pathExtension == "xctest" { return current }
            current.deleteLastPathComponent()
        }
        return nil
    }
}
