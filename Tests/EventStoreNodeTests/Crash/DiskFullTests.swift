import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// A durable `esdb node` process whose database is on a small tmpfs: it fills the disk, must refuse
/// writes with a clear reply while serving reads, accept writes again once space is freed, and keep
/// every acknowledged event across a SIGKILL.
@Suite struct DiskFullTests {
    /// Whether a tmpfs can be mounted here (root, in a container that permits mounts).
    static let canMount: Bool = {
        guard let mount = try? TmpfsMount(size: "1m") else { return false }
        mount.unmount()
        return true
    }()

    /// Streams the writes go round.
    static let streams = (0..<8).map { "full-\($0)" }

    @Test(.enabled(if: canMount, "mounting a tmpfs is not permitted here (needs root and a container that allows mounts)"),
          .timeLimit(.minutes(3)))
    func aFullDiskRefusesWritesKeepsReadingAndRecovers() async throws {
        let disk = try TmpfsMount(size: "16m")
        defer { disk.unmount() }
        let database = disk.directory.appendingPathComponent("db")
        let node = try await NodeProcess.start(database: database, logDirectory: disk.logs)
        defer { node.forceKill() }
        let client = try await TCPTestClient.connect(host: node.tcp.host, port: node.tcp.port)

        // Leave about 1.5 MiB free, so the log fills it after some 70 writes of 10 × 2 KiB.
        let filler = disk.directory.appendingPathComponent("filler")
        try Self.fill(filler, leaving: 1_536 * 1024, on: disk.directory.path)
        var acknowledged: [AcknowledgedWrite] = []
        var refused: (reply: ESWriteEventsCompleted, ids: [UUID])?
        for round in 0..<2_000 where refused == nil {
            let (stream, ids, bodies, events) = Self.newWrite(round)
            let reply = try await client.write(stream, events: events)
            if reply.result == .success {
                acknowledged.append(AcknowledgedWrite(
                    stream: stream, ids: ids, bodies: bodies, firstNumber: reply.firstEventNumber,
                    lastNumber: reply.lastEventNumber, commitPosition: reply.commitPosition,
                    preparePosition: reply.preparePosition))
            } else {
                refused = (reply, ids)
            }
        }
        let refusal = try #require(refused, "2,000 writes of 20 KiB never filled a 16 MiB disk")
        #expect(refusal.reply.result == .commitTimeout)
        #expect(refusal.reply.message.contains("the disk is full, the write was not stored"), "refusal: \(refusal.reply.message)")
        #expect(acknowledged.count > 10, "only \(acknowledged.count) writes before the disk was full")
        try #require(node.isRunning, "the node died when the disk filled; stderr: \(node.stderrText)")

        // Still full: reads go on and return every acknowledged event.
        try await Self.verify(acknowledged, absent: refusal.ids, client: client)
        try #require(node.isRunning, "the node died; stderr: \(node.stderrText)")

        // Space freed: writes are accepted again.
        try FileManager.default.removeItem(at: filler)
        var round = 10_000
        let accepted = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
            let (stream, ids, bodies, events) = Self.newWrite(round)
            round += 1
            let reply = try await client.write(stream, events: events)
            guard reply.result == .success else { return false }
            acknowledged.append(AcknowledgedWrite(
                stream: stream, ids: ids, bodies: bodies, firstNumber: reply.firstEventNumber,
                lastNumber: reply.lastEventNumber, commitPosition: reply.commitPosition,
                preparePosition: reply.preparePosition))
            return true
        }
        try #require(accepted, "writes still refused 20 s after space was freed")
        #expect(round == 10_001, "\(round - 10_000) attempts until a write was accepted again")
        for _ in 0..<20 {
            let (stream, ids, bodies, events) = Self.newWrite(round)
            round += 1
            let reply = try await client.write(stream, events: events)
            try #require(reply.result == .success, "after freeing space: \(reply.result) \(reply.message)")
            acknowledged.append(AcknowledgedWrite(
                stream: stream, ids: ids, bodies: bodies, firstNumber: reply.firstEventNumber,
                lastNumber: reply.lastEventNumber, commitPosition: reply.commitPosition,
                preparePosition: reply.preparePosition))
        }
        await client.close()

        // SIGKILL and restart on the same disk: every acknowledged event is there.
        try await node.killNine()
        let restarted = try await NodeProcess.start(database: database, logDirectory: disk.logs)
        defer { restarted.forceKill() }
        let again = try await TCPTestClient.connect(host: restarted.tcp.host, port: restarted.tcp.port)
        try await Self.verify(acknowledged, absent: refusal.ids, client: again)
        await again.close()
        try await restarted.terminate()
        print("""
            DiskFull: \(acknowledged.count) writes acknowledged, the disk was full after \(acknowledged.count - 21); \
            refusal: \(refusal.reply.message)
            """)
    }

    /// Ten events of about 2 KiB for one of the streams.
    private static func newWrite(_ round: Int) -> (String, [UUID], [Data], [ESNewEvent]) {
        let ids = (0..<10).map { _ in UUID() }
        let bodies = ids.map { Data("{\"round\":\(round),\"pad\":\"\(String(repeating: $0.uuidString, count: 55))\"}".utf8) }
        let events = zip(ids, bodies).map { id, body in
            TCPTestClient.newEvent("Filled", json: String(decoding: body, as: UTF8.self), id: id)
        }
        return (streams[round % streams.count], ids, bodies, events)
    }

    /// Checks that every stream reads back as exactly the acknowledged events in order, and that
    /// none of `absent` (a refused write) was stored.
    private static func verify(_ acknowledged: [AcknowledgedWrite], absent: [UUID], client: TCPTestClient) async throws {
        for stream in streams {
            let expected = acknowledged.filter { $0.stream == stream }
            var stored: [ESEventRecord] = []
            while true {
                let page = try await client.readStream(stream, from: Int64(stored.count), count: 500)
                if page.result == .noStream { break }
                try #require(page.result == .success, "\(stream): \(page.result) \(page.error)")
                stored += page.events.map(\.event)
                if page.isEndOfStream { break }
            }
            let storedIDs = stored.compactMap { UUID(dotNetBytes: $0.eventID) }
            #expect(storedIDs == expected.flatMap(\.ids), "\(stream): stored events differ from the acknowledged ones")
            #expect(stored.map(\.data) == expected.flatMap(\.bodies), "\(stream): stored data differs")
            #expect(stored.map(\.eventNumber) == Array(0..<Int64(stored.count)))
            #expect(Set(storedIDs).isDisjoint(with: absent), "\(stream): the refused write was stored")
        }
    }

    /// Creates `path` and writes zeros to it until at most `leaving` bytes are free on its file system.
    private static func fill(_ url: URL, leaving: UInt64, on directory: String) throws {
        var stats = statvfs()
        try #require(statvfs(directory, &stats) == 0)
        let free = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
        try #require(free > leaving, "only \(free) bytes free on the tmpfs before filling")
        let chunk = Data(count: 64 * 1024)
        try #require(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var remaining = free - leaving
        while remaining > 0 {
            let part = chunk.prefix(Int(min(remaining, UInt64(chunk.count))))
            try handle.write(contentsOf: part)
            remaining -= UInt64(part.count)
        }
    }
}

/// A tmpfs mounted on a fresh directory under the temporary directory, with a sibling directory for
/// logs (outside the tmpfs).
struct TmpfsMount {
    /// The mount point.
    let directory: URL
    /// A directory on the ordinary file system, for logs.
    let logs: URL
    private let base: URL

    /// Mounts a tmpfs of `size` (`mount -o size=…`); throws if `mount` fails.
    init(size: String) throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-tmpfs-\(UUID().uuidString)")
        directory = base.appendingPathComponent("fs")
        logs = base.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let status = Self.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory.path])
        guard status == 0 else {
            try? FileManager.default.removeItem(at: base)
            throw NodeProcessError(description: "mount -t tmpfs exited with \(status)")
        }
    }

    /// Unmounts (lazily if a process still has files open there) and removes the directories.
    func unmount() {
        if Self.run("/usr/bin/umount", [directory.path]) != 0 {
            _ = Self.run("/usr/bin/umount", ["-l", directory.path])
        }
        try? FileManager.default.removeItem(at: base)
    }

    /// Runs a command to completion; its exit status, or -1 if it could not start.
    private static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
