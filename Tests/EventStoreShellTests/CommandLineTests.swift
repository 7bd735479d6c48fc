import Foundation
import EventStoreTesting
import Testing

/// `esdb` without a TTY: `-c`, stdin scripts, `--json`, exit codes — as a script would use it.
@Suite(.serialized) struct CommandLineTests {
    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// The `esdb` binary next to this test bundle.
    static var binary: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("esdb")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/esdb")
    }

    /// Runs `esdb` to the end (on a dedicated thread: the wait blocks).
    static func esdb(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> Run {
        try await runOnDedicatedThread { try esdbBlocking(arguments, stdin: stdin, environment: environment) }
    }

    private static func esdbBlocking(_ arguments: [String], stdin: String?, environment: [String: String]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["XDG_DATA_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-cli-\(UUID())").path
        env["XDG_STATE_HOME"] = env["XDG_DATA_HOME"]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                   stderr: String(decoding: stderrData, as: UTF8.self))
    }

    @Test func appendAndReadAsJSONLines() async throws {
        let run = try await Self.esdb(["--mem", "--json", "-c", #"append orders-1 OrderPlaced '{"total": 12}' --meta '{"user":"u1"}'"#,
                                 "-c", "append orders-1 OrderShipped '{}'", "-c", "read orders-1", "-c", "show orders-1 0"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.lines
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix(#"{"stream":"orders-1","number":0,"id":""#))
        #expect(lines[2].contains(#""type":"OrderPlaced""#) && lines[2].contains(#""data":{"total":12}"#)
                && lines[2].contains(#""metadata":{"user":"u1"}"#) && lines[2].contains(#""created":"20"#))
        #expect(lines[3].contains(#""number":1"#) && lines[3].contains(#""type":"OrderShipped""#))
        #expect(lines[4] == lines[2])
    }

    @Test func binaryDataIsBase64InJSONAndHexInShow() async throws {
        let json = try await Self.esdb(["--mem", "--json", "-c", "append blobs-1 Blob hello --binary", "-c", "read blobs-1"])
        #expect(json.lines.last?.contains(#""dataBase64":"aGVsbG8=""#) == true)
        let human = try await Self.esdb(["--mem", "--no-color", "-c", "append blobs-1 Blob hello --binary", "-c", "show blobs-1 last"])
        #expect(human.stdout.contains("68 65 6c 6c 6f"))
    }

    @Test func failuresAreOneLineAndExitOne() async throws {
        let run = try await Self.esdb(["--mem", "-c", "append s-1 T '{}'", "-c", "append s-1 T '{}' --expected 5", "-c", "read s-1 --count 1"])
        #expect(run.status == 1)
        #expect(run.stderr == "append: wrong expected version: stream s-1 is at 0, expected 5\n")
        #expect(run.stdout.contains("s-1#0"))
    }

    @Test func usageErrorsExitTwo() async throws {
        let run = try await Self.esdb(["--mem", "--nonsense"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("Unknown option '--nonsense'"))
    }

    @Test func unreachableServerExitsThree() async throws {
        let run = try await Self.esdb(["--connect", "ConnectTo=tcp://127.0.0.1:1; MaxReconnections=0", "-c", "status"])
        #expect(run.status == 3)
        #expect(run.stderr.hasPrefix("esdb: could not connect"))
    }

    @Test func scriptsOnStdinWithCommentsAndTailLimit() async throws {
        let script = """
            # set up
            append cart-1 ItemAdded '{"sku": "a"}'
            append cart-1 ItemAdded '{"sku": "b"}'
            append cart-2 ItemAdded '{"sku": "c"}'
            tail cart-1 --from start --limit 2
            streams
            categories
            """
        let run = try await Self.esdb(["--mem", "--json"], stdin: script)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.lines
        #expect(lines.count == 3 + 2 + 2)
        #expect(lines[3].contains(#""sku":"a""#) && lines[4].contains(#""sku":"b""#))
        #expect(lines[5] == #"{"streams":["cart-2","cart-1"]}"#)
        #expect(lines[6] == #"{"categories":["cart"]}"#)
    }

    @Test func destructiveCommandsNeedYesAndReadonlyRefusesWrites() async throws {
        let refused = try await Self.esdb(["--mem", "-c", "append d-1 T '{}'", "-c", "delete d-1"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "delete: refusing without --yes (this is destructive)\n")
        let deleted = try await Self.esdb(["--mem", "-c", "append d-1 T '{}'", "-c", "delete d-1 --yes", "-c", "read d-1"])
        #expect(deleted.stderr.contains("read: stream d-1 not found"))
        let readonly = try await Self.esdb(["--mem", "--readonly", "-c", "append d-1 T '{}'"])
        #expect(readonly.status == 1 && readonly.stderr == "append: refused: esdb runs with --readonly\n")
    }

    /// Persistent subscription groups from a script: create, consume with acknowledgements (a second
    /// consume gets only what the first left), refusals as one line, delete needs --yes.
    @Test func groupsAndConsumersInAScript() async throws {
        let run = try await Self.esdb(["--mem", "--json",
                                       "-c", "append jobs-1 Job '{\"n\":0}'", "-c", "append jobs-1 Job '{\"n\":1}'",
                                       "-c", "append jobs-1 Job '{\"n\":2}'",
                                       "-c", "group create jobs-1 workers --from start",
                                       "-c", "consume jobs-1 workers --limit 2",
                                       "-c", "consume jobs-1 workers --limit 1",
                                       "-c", "group delete jobs-1 workers --yes"])
        #expect(run.status == 0, "\(run.stderr)")
        let objects = run.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.contains { $0["created"] as? String == "workers" && $0["startFrom"] as? Int == 0 })
        let consumed = objects.filter { $0["type"] as? String == "Job" }.compactMap { $0["number"] as? Int }
        #expect(consumed == [0, 1, 2], "each event once: the second consumer starts after the acknowledged ones")
        #expect(objects.last?["deleted"] as? String == "workers")

        let refused = try await Self.esdb(["--mem", "-c", "group create s g", "-c", "group create s g"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("group: persistent subscription g on s exists already"), "\(refused.stderr)")
        let unconfirmed = try await Self.esdb(["--mem", "-c", "group create s g", "-c", "group delete s g"])
        #expect(unconfirmed.status == 1 && unconfirmed.stderr.contains("group: refusing without --yes"), "\(unconfirmed.stderr)")
        let missing = try await Self.esdb(["--mem", "-c", "consume s nope --limit 1"])
        #expect(missing.status == 1 && missing.stderr.contains("consume: persistent subscription s::nope does not exist"),
                "\(missing.stderr)")
    }

    @Test func metadataShowAndSet() async throws {
        let run = try await Self.esdb(["--mem", "--json", "-c", "append m-1 T '{}'", "-c", #"meta m-1 --set '{"$maxCount": 5, "owner": "x"}' --yes"#,
                                 "-c", "meta m-1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.last == #"{"stream":"m-1","metadata":{"$maxCount":5,"owner":"x"},"version":0}"#)
    }

    @Test func persistentDataSurvivesRestartsOfTheEmbeddedNode() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-home-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let first = try await Self.esdb(["-c", "append keep-1 T '{\"n\":1}'"], environment: ["XDG_DATA_HOME": home])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try await Self.esdb(["--json", "-c", "read keep-1"], environment: ["XDG_DATA_HOME": home])
        #expect(second.lines.count == 1 && second.lines[0].contains(#""data":{"n":1}"#))
    }
}
