import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// SIGKILL of a real `esdb node` process under concurrent write load, then a restart on the same
/// database: every acknowledged write must have survived, with its numbers, ids and positions.
@Suite struct KillNineTests {
    /// Streams the writers spread over.
    static let streams = (0..<64).map { "crash-\($0)" }

    @Test(.timeLimit(.minutes(2)))
    func acknowledgedWritesSurviveKillNine() async throws {
        // Three trials with different kill moments: early, middle and late in the load.
        let delays = [Int.random(in: 300..<600), Int.random(in: 600..<1000), Int.random(in: 1000...1500)]
        for (trial, delay) in delays.enumerated() {
            try await runTrial(trial, killAfter: .milliseconds(delay))
        }
    }

    /// Starts a node on a fresh directory, loads it, kills it after `delay`, restarts it and verifies.
    private func runTrial(_ trial: Int, killAfter delay: Duration) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-kill9-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        let node = try await NodeProcess.start(database: directory)
        defer { node.forceKill() }
        let ledger = AcknowledgedWrites()
        let load = CrashLoad(streams: Self.streams, trial: trial)
        let endpoint = (host: node.tcp.host, port: node.tcp.port)
        let started = ContinuousClock.now
        let loadTask = Task { try await load.run(against: endpoint, into: ledger) }
        defer { loadTask.cancel() }

        // Kill at the randomized moment, provided the load is really running by then.
        try await Task.sleep(until: started + delay)
        let loaded = await eventually(timeout: .seconds(30), every: .milliseconds(5)) { ledger.eventCount >= 50 || !node.isRunning }
        try #require(loaded, "trial \(trial): the load produced no acknowledgements; stderr: \(node.stderrText)")
        try #require(node.isRunning, "trial \(trial): the node died on its own; stderr: \(node.stderrText)")
        let killedAt = ContinuousClock.now - started
        try await node.killNine()
        try await loadTask.value  // Every writer stops once its connection drops.
        #expect(ledger.rejections.isEmpty, "writes rejected before the kill: \(ledger.rejections.prefix(5))")
        let acknowledged = ledger.writes
        try #require(!acknowledged.isEmpty)

        let restarted = try await NodeProcess.start(database: directory)
        defer { restarted.forceKill() }
        let client = try await TCPTestClient.connect(host: restarted.tcp.host, port: restarted.tcp.port)
        let report = try await verify(acknowledged, client: client)
        await client.close()
        try await restarted.terminate()

        let ackedEvents = acknowledged.reduce(0) { $0 + $1.ids.count }
        print("""
            KillNine trial \(trial): SIGKILL after \(Self.milliseconds(killedAt)) ms \
            (planned \(Self.milliseconds(delay)) ms); \(acknowledged.count) writes / \(ackedEvents) events acknowledged; \
            \(report.storedEvents) events stored after restart (\(report.storedEvents - ackedEvents) unacknowledged \
            but committed); $all records \(report.allRecords); new writes at C:\(report.newPosition)
            """)
    }

    /// What ``verify(_:client:)`` saw.
    private struct Report {
        var storedEvents = 0
        var allRecords = 0
        var newPosition: Int64 = 0
    }

    /// Checks the restarted node against the acknowledged writes; records issues (at most 20 in detail).
    private func verify(_ acknowledged: [AcknowledgedWrite], client: TCPTestClient) async throws -> Report {
        var problems: [String] = []
        var report = Report()

        // 1. Every stream reads back with contiguous numbers 0..<n; index the events by id.
        var stored: [UUID: (stream: String, number: Int64, record: ESEventRecord)] = [:]
        var heads: [String: Int64] = [:]
        for stream in Self.streams {
            let events = try await readWholeStream(stream, client: client)
            for (index, event) in events.enumerated() {
                if event.eventNumber != Int64(index) {
                    problems.append("\(stream): event at index \(index) has number \(event.eventNumber)")
                }
                guard let id = UUID(dotNetBytes: event.eventID) else {
                    problems.append("\(stream)/\(event.eventNumber): bad event id")
                    continue
                }
                if stored.updateValue((stream, event.eventNumber, event), forKey: id) != nil {
                    problems.append("event id \(id) is stored twice")
                }
            }
            heads[stream] = Int64(events.count) - 1
            report.storedEvents += events.count
        }

        // 2. `$all` is strictly ordered and holds each stored event once; index positions by id.
        let all = try await readWholeAll(client: client)
        report.allRecords = all.count
        var positions: [UUID: (commit: Int64, prepare: Int64)] = [:]
        var previous: (commit: Int64, prepare: Int64)?
        for record in all {
            let position = (commit: record.commitPosition, prepare: record.preparePosition)
            if let previous, !(previous < position) {
                problems.append("$all out of order: \(previous) then \(position)")
            }
            previous = position
            guard record.event.eventStreamID.hasPrefix("crash-"), let id = UUID(dotNetBytes: record.event.eventID) else { continue }
            if positions.updateValue(position, forKey: id) != nil { problems.append("event \(id) twice in $all") }
        }
        if positions.count != stored.count {
            problems.append("$all has \(positions.count) test events, the streams \(stored.count)")
        }

        // 3. Every acknowledged event is there with its stream, number, id, data and position.
        for write in acknowledged {
            if write.lastNumber - write.firstNumber + 1 != Int64(write.ids.count) {
                problems.append("\(write.stream): reply numbers \(write.firstNumber)...\(write.lastNumber) for \(write.ids.count) events")
            }
            for (offset, id) in write.ids.enumerated() {
                guard let found = stored[id] else {
                    problems.append("acknowledged event \(id) (\(write.stream)/\(write.firstNumber + Int64(offset))) is missing")
                    continue
                }
                let expectedNumber = write.firstNumber + Int64(offset)
                if found.stream != write.stream || found.number != expectedNumber {
                    problems.append("event \(id): acknowledged as \(write.stream)/\(expectedNumber), stored as \(found.stream)/\(found.number)")
                }
                if found.record.data != write.bodies[offset] || found.record.eventType != "CrashTested" {
                    problems.append("event \(id): data or type differs")
                }
            }
            if let last = write.ids.last, let position = positions[last],
               position != (write.commitPosition, write.preparePosition) {
                problems.append("\(write.stream)/\(write.lastNumber): acknowledged at C:\(write.commitPosition)/P:\(write.preparePosition), "
                                + "$all has C:\(position.commit)/P:\(position.prepare)")
            }
        }

        // 4. New writes continue each stream's numbering, after every acknowledged position.
        let highestAcknowledged = acknowledged.map(\.commitPosition).max() ?? 0
        let highestStored = all.map(\.commitPosition).max() ?? 0
        var newPositions: [UUID: Int64] = [:]
        for stream in Self.streams {
            let head = heads[stream] ?? -1
            let id = UUID()
            let reply = try await client.write(stream, expected: head, events: [TCPTestClient.newEvent("AfterRestart", id: id)])
            guard reply.result == .success else {
                problems.append("\(stream): write after restart at expected \(head) got \(reply.result) \(reply.message)")
                continue
            }
            if reply.firstEventNumber != head + 1 {
                problems.append("\(stream): write after restart got number \(reply.firstEventNumber), not \(head + 1)")
            }
            if reply.commitPosition <= highestAcknowledged || reply.commitPosition <= highestStored {
                problems.append("\(stream): write after restart at C:\(reply.commitPosition), not after C:\(max(highestAcknowledged, highestStored))")
            }
            newPositions[id] = reply.commitPosition
            report.newPosition = max(report.newPosition, reply.commitPosition)
        }

        // 5. `$all` still reads, backward from the end too, and ends with the new writes.
        let tail = try await client.readAll(commit: -1, prepare: -1, count: 4096, forward: false)
        #expect(tail.result == .success)
        let tailIDs = Set(tail.events.filter { $0.event.eventStreamID.hasPrefix("crash-") }.compactMap { UUID(dotNetBytes: $0.event.eventID) })
        if !Set(newPositions.keys).isSubset(of: tailIDs) {
            problems.append("$all backward from the end lacks \(Set(newPositions.keys).subtracting(tailIDs).count) of the new writes")
        }

        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(20).joined(separator: "\n"))")
        return report
    }

    private func readWholeStream(_ stream: String, client: TCPTestClient) async throws -> [ESEventRecord] {
        var events: [ESEventRecord] = []
        var from: Int64 = 0
        while true {
            let page = try await client.readStream(stream, from: from, count: 4096)
            if page.result == .noStream { return events }
            try #require(page.result == .success, "\(stream): \(page.result) \(page.error)")
            events += page.events.map(\.event)
            if page.isEndOfStream || page.events.isEmpty { return events }
            from = page.nextEventNumber
        }
    }

    private func readWholeAll(client: TCPTestClient) async throws -> [ESResolvedEvent] {
        var records: [ESResolvedEvent] = []
        var position = (commit: Int64(0), prepare: Int64(0))
        while true {
            let page = try await client.readAll(commit: position.commit, prepare: position.prepare, count: 4096)
            try #require(page.result == .success, "$all: \(page.result) \(page.error)")
            if page.events.isEmpty { return records }
            records += page.events
            position = (page.nextCommitPosition, page.nextPreparePosition)
        }
    }

    /// Whole milliseconds in `duration`.
    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

}
