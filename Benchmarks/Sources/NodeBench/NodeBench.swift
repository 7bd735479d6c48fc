import Foundation

/// `NodeBench [--json] [--seconds S] [--warmup S] [--repetitions N] [--writers N] [--read-events N] [--dir PATH]
/// [--only append1|append64|batch|read]`
///
/// Measures a durable in-process node over loopback TCP: acknowledged appends/s with one writer,
/// with many concurrent writers, with 100-event batches, and events/s reading a long stream back;
/// each the median of several repetitions on a fresh database.
@main
struct NodeBench {
    static func main() async {
        do {
            let (settings, json, only) = try parse(Array(CommandLine.arguments.dropFirst()))
            let report = try await run(settings: settings, only: only, progress: !json)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileHandle.standardOutput.write(try encoder.encode(report))
                FileHandle.standardOutput.write(Data("\n".utf8))
            } else {
                print(report.table())
            }
        } catch {
            FileHandle.standardError.write(Data("NodeBench: \(error)\n".utf8))
            exit(1)
        }
    }

    static let usage = """
        usage: NodeBench [--json] [--seconds S] [--warmup S] [--repetitions N] [--writers N] [--read-events N] \
        [--dir PATH] [--only append1|append64|batch|read]...
        """

    /// Parses the command line.
    static func parse(_ arguments: [String]) throws -> (BenchSettings, json: Bool, only: Set<String>) {
        var settings = BenchSettings()
        var json = false
        var only = Set<String>()
        var remaining = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = remaining.popFirst() else { throw BenchError(description: "\(flag) needs a value\n\(usage)") }
            return next
        }
        func number<T: LosslessStringConvertible>(_ flag: String, _ type: T.Type) throws -> T {
            let text = try value(flag)
            guard let parsed = T(text) else { throw BenchError(description: "\(flag): '\(text)' is not a number") }
            return parsed
        }
        while let flag = remaining.popFirst() {
            switch flag {
            case "--json": json = true
            case "--seconds": settings.seconds = try number(flag, Double.self)
            case "--warmup": settings.warmupSeconds = try number(flag, Double.self)
            case "--repetitions": settings.repetitions = max(1, try number(flag, Int.self))
            case "--writers": settings.concurrentWriters = max(1, try number(flag, Int.self))
            case "--read-events": settings.readEvents = max(1, try number(flag, Int.self))
            case "--dir": settings.directory = try value(flag)
            case "--only": only.insert(try value(flag))
            case "-h", "--help":
                print(usage)
                exit(0)
            default: throw BenchError(description: "unknown argument '\(flag)'\n\(usage)")
            }
        }
        return (settings, json, only)
    }

    /// Runs the selected scenarios (all when `only` is empty).
    static func run(settings: BenchSettings, only: Set<String>, progress: Bool) async throws -> BenchReport {
        func note(_ text: String) {
            if progress { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        }
        func wanted(_ name: String) -> Bool { only.isEmpty || only.contains(name) }
        var report = BenchReport(settings: settings, cores: ProcessInfo.processInfo.activeProcessorCount)
        let appendScenarios: [(key: String, name: String, writers: Int, batch: Int)] = [
            ("append1", "append, 1 writer, 1 event/write", 1, 1),
            ("append64", "append, \(settings.concurrentWriters) writers, 1 event/write", settings.concurrentWriters, 1),
            ("batch", "append, 1 writer, \(settings.batchSize) events/write", 1, settings.batchSize),
        ]
        for scenario in appendScenarios where wanted(scenario.key) {
            var runs: [RunResult] = []
            for repetition in 1...settings.repetitions {
                let result = try await Scenarios.appends(writers: scenario.writers, batchSize: scenario.batch, settings: settings)
                note("\(scenario.name) #\(repetition): \(Int(result.eventsPerSecond)) events/s, "
                     + "\(String(format: "%.1f", result.eventsPerCommit)) events/commit")
                runs.append(result)
            }
            report.scenarios.append(ScenarioReport(key: scenario.key, name: scenario.name, unit: "acknowledged events/s", runs: runs))
        }
        if wanted("read") {
            note("filling a \(settings.readEvents)-event stream…")
            let (passes, fillRate) = try await Scenarios.reads(settings: settings)
            for (index, pass) in passes.enumerated() {
                note("read pass #\(index + 1): \(Int(pass.eventsPerSecond)) events/s")
            }
            report.readFillEventsPerSecond = fillRate
            report.scenarios.append(ScenarioReport(key: "read", name: "read forward, pages of \(settings.readPage)",
                                                   unit: "events/s", runs: passes))
        }
        return report
    }
}
