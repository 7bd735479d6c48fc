import Foundation

/// The repetitions of one scenario and their median.
struct ScenarioReport: Sendable, Codable {
    /// Short name (`append1`, `append64`, `batch`, `read`).
    var key: String
    /// Human-readable description.
    var name: String
    /// What ``eventsPerSecond`` counts.
    var unit: String
    /// Every repetition, in order.
    var runs: [RunResult]

    /// The repetition with the median rate (the lower middle one for an even count).
    var median: RunResult {
        let sorted = runs.sorted { $0.eventsPerSecond < $1.eventsPerSecond }
        return sorted[(sorted.count - 1) / 2]
    }

    enum CodingKeys: String, CodingKey {
        case key, name, unit, runs, median
    }

    init(key: String, name: String, unit: String, runs: [RunResult]) {
        self.key = key
        self.name = name
        self.unit = unit
        self.runs = runs
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        name = try container.decode(String.self, forKey: .name)
        unit = try container.decode(String.self, forKey: .unit)
        runs = try container.decode([RunResult].self, forKey: .runs)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(runs, forKey: .runs)
        try container.encode(median, forKey: .median)
    }
}

/// Everything one NodeBench run measured.
struct BenchReport: Sendable, Codable {
    var settings: BenchSettings
    /// Processors the machine offers.
    var cores: Int
    var scenarios: [ScenarioReport] = []
    /// Events/s while filling the read stream (8 writers, 100-event batches).
    var readFillEventsPerSecond: Double?

    /// Median events/s of `append64` over `append1`, when both ran.
    var concurrencySpeedup: Double? {
        guard let single = scenario("append1")?.median.eventsPerSecond, single > 0,
              let many = scenario("append64")?.median.eventsPerSecond else { return nil }
        return many / single
    }

    enum CodingKeys: String, CodingKey {
        case settings, cores, scenarios, readFillEventsPerSecond, concurrencySpeedup
    }

    init(settings: BenchSettings, cores: Int) {
        self.settings = settings
        self.cores = cores
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        settings = try container.decode(BenchSettings.self, forKey: .settings)
        cores = try container.decode(Int.self, forKey: .cores)
        scenarios = try container.decode([ScenarioReport].self, forKey: .scenarios)
        readFillEventsPerSecond = try container.decodeIfPresent(Double.self, forKey: .readFillEventsPerSecond)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(settings, forKey: .settings)
        try container.encode(cores, forKey: .cores)
        try container.encode(scenarios, forKey: .scenarios)
        try container.encodeIfPresent(readFillEventsPerSecond, forKey: .readFillEventsPerSecond)
        try container.encodeIfPresent(concurrencySpeedup, forKey: .concurrencySpeedup)
    }

    func scenario(_ key: String) -> ScenarioReport? {
        scenarios.first { $0.key == key }
    }

    /// A plain-text table of the medians, with every repetition's rate.
    func table() -> String {
        let header = ["scenario", "median events/s", "runs (events/s)", "commits/s", "events/commit", "p50 ms", "p99 ms"]
        var rows = [header]
        for scenario in scenarios {
            let median = scenario.median
            let isRead = scenario.key == "read"
            rows.append([
                scenario.name,
                Self.grouped(median.eventsPerSecond),
                scenario.runs.map { Self.grouped($0.eventsPerSecond) }.joined(separator: " / "),
                isRead ? "–" : Self.grouped(median.commitsPerSecond),
                isRead ? "–" : String(format: "%.1f", median.eventsPerCommit),
                String(format: "%.2f", median.latencyP50Ms),
                String(format: "%.2f", median.latencyP99Ms),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        lines.insert(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "), at: 1)
        var text = lines.joined(separator: "\n")
        text += "\n\nfile database (SQLite WAL, synchronous=FULL) in \(settings.directory); \(cores) cores; "
            + "\(settings.seconds) s windows after \(settings.warmupSeconds) s run-in; median of \(settings.repetitions); "
            + "events of \(settings.dataBytes) B data + \(settings.metadataBytes) B metadata"
        if let fill = readFillEventsPerSecond {
            text += "\nread stream: \(settings.readEvents) events, filled at \(Self.grouped(fill)) events/s "
                + "(8 writers × \(settings.batchSize)-event batches)"
        }
        if let speedup = concurrencySpeedup {
            text += "\n\(settings.concurrentWriters) writers vs 1 writer: \(String(format: "%.1f", speedup))× (target ≥ 5×)"
        }
        return text
    }

    /// `12,345` style, rounded to whole numbers.
    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var out = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0, character != "-" { out.append(",") }
            out.append(character)
        }
        return String(out.reversed())
    }
}
