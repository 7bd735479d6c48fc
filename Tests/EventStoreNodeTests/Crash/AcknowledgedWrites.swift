import EventStoreTesting
import EventStoreWire
import Foundation
import Synchronization

/// One write the node acknowledged with `Success`: what was sent and what the reply promised.
struct AcknowledgedWrite: Sendable {
    /// The stream written to.
    var stream: String
    /// Event ids in write order.
    var ids: [UUID]
    /// Event bodies in write order.
    var bodies: [Data]
    /// The reply's first and last event numbers.
    var firstNumber: Int64
    var lastNumber: Int64
    /// The reply's position (that of the write's last event).
    var commitPosition: Int64
    var preparePosition: Int64
}

/// Every acknowledged write of a load run, shared by the writer tasks.
final class AcknowledgedWrites: Sendable {
    private struct State {
        var writes: [AcknowledgedWrite] = []
        var eventCount = 0
        var rejections: [String] = []
    }

    private let state = Mutex(State())

    /// Records an acknowledged write.
    func record(_ write: AcknowledgedWrite) {
        state.withLock {
            $0.writes.append(write)
            $0.eventCount += write.ids.count
        }
    }

    /// Records a reply other than `Success` (which the test treats as a failure).
    func reject(_ reason: String) {
        state.withLock { $0.rejections.append(reason) }
    }

    /// Acknowledged writes so far.
    var writes: [AcknowledgedWrite] { state.withLock { $0.writes } }
    /// Acknowledged events so far.
    var eventCount: Int { state.withLock { $0.eventCount } }
    /// Replies other than `Success`.
    var rejections: [String] { state.withLock { $0.rejections } }
}

/// Concurrent writers against one node: `connections` × `tasksPerConnection` tasks, each appending
/// 1–5 events at a time to random streams until its connection fails.
struct CrashLoad {
    var connections = 32
    var tasksPerConnection = 4
    var streams: [String]
    var trial: Int

    /// Runs until every writer's connection has failed (the node was killed); acknowledged writes go
    /// to `ledger`.
    func run(against endpoint: (host: String, port: Int), into ledger: AcknowledgedWrites) async throws {
        var clients: [TCPTestClient] = []
        for _ in 0..<connections {
            clients.append(try await TCPTestClient.connect(host: endpoint.host, port: endpoint.port))
        }
        await withTaskGroup(of: Void.self) { group in
            for (connection, client) in clients.enumerated() {
                for task in 0..<tasksPerConnection {
                    let writer = connection * tasksPerConnection + task
                    group.addTask { await self.write(client: client, writer: writer, into: ledger) }
                }
            }
        }
        for client in clients { await client.close() }
    }

    private func write(client: TCPTestClient, writer: Int, into ledger: AcknowledgedWrites) async {
        var sequence = 0
        while !Task.isCancelled {
            let stream = streams.randomElement()!
            let count = Int.random(in: 0..<3) == 0 ? Int.random(in: 2...5) : 1
            var ids: [UUID] = []
            var bodies: [Data] = []
            var events: [ESNewEvent] = []
            for index in 0..<count {
                let id = UUID()
                let json = "{\"trial\":\(trial),\"writer\":\(writer),\"seq\":\(sequence),\"i\":\(index),\"pad\":\"\(id.uuidString)\"}"
                ids.append(id)
                bodies.append(Data(json.utf8))
                events.append(TCPTestClient.newEvent("CrashTested", json: json, id: id))
            }
            sequence += 1
            let reply: ESWriteEventsCompleted
            do {
                reply = try await client.write(stream, events: events)
            } catch {
                return  // The node is gone (or the reply never came): not acknowledged.
            }
            guard reply.result == .success else {
                ledger.reject("\(stream): \(reply.result) \(reply.message)")
                return
            }
            ledger.record(AcknowledgedWrite(stream: stream, ids: ids, bodies: bodies, firstNumber: reply.firstEventNumber,
                                            lastNumber: reply.lastEventNumber, commitPosition: reply.commitPosition,
                                            preparePosition: reply.preparePosition))
        }
    }
}
