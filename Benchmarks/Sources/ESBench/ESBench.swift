import Foundation

/// `ESBench SUBCOMMAND [--option value]...`: one measurement of the issue-6 suite per call, printed
/// as one JSON object on stdout (progress on stderr). `Benchmarks/run` drives it.
@main
struct ESBench {
    static let subcommands: [String: @Sendable (Args) async throws -> Void] = [
        "decode": DecodeBench.run,
        "loopback": LoopbackBench.run,
        "load": LoadStream.run,
        "append": AppendBench.run,
        "read": ReadBench.run,
        "catchup": CatchUpBench.run,
        "latency": LatencyBench.run,
        "fsync": FsyncBench.run,
        "terminal-load": TerminalLoad.run,
        "node": NodeRunner.run,
    ]

    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let subcommand = subcommands[name] else {
            FileHandle.standardError.write(Data("usage: ESBench \(subcommands.keys.sorted().joined(separator: "|")) [--option value]...\n".utf8))
            exit(2)
        }
        do {
            try await subcommand(try Args(arguments.dropFirst()))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("ESBench \(name): \(error)\n".utf8))
            exit(1)
        }
    }
}
