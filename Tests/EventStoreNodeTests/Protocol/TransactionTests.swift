import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Explicit transactions (docs/protocol.md §4.6).
@Suite struct TransactionTests {
    static func start(_ client: TCPTestClient, _ stream: String, expected: Int64) async throws -> ESTransactionStartCompleted {
        var request = ESTransactionStart()
        request.eventStreamID = stream
        request.expectedVersion = expected
        request.requireLeader = false
        return try await client.request(.transactionStart, message: request, as: ESTransactionStartCompleted.self)
    }

    static func write(_ client: TCPTestClient, _ id: Int64, count: Int) async throws -> ESTransactionWriteCompleted {
        var request = ESTransactionWrite()
        request.transactionID = id
        request.events = (0..<count).map { TCPTestClient.newEvent("InTx", json: "{\"i\":\($0)}") }
        request.requireLeader = false
        return try await client.request(.transactionWrite, message: request, as: ESTransactionWriteCompleted.self)
    }

    static func commit(_ client: TCPTestClient, _ id: Int64) async throws -> ESTransactionCommitCompleted {
        var request = ESTransactionCommit()
        request.transactionID = id
        request.requireLeader = false
        return try await client.request(.transactionCommit, message: request, as: ESTransactionCommitCompleted.self)
    }

    @Test func eventsAppearAtomicallyAtCommitWithSharedCommitPosition() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let started = try await Self.start(client, "tx-1", expected: -1)
            #expect(started.result == .success)
            #expect(try await Self.write(client, started.transactionID, count: 2).result == .success)
            #expect(try await Self.write(client, started.transactionID, count: 2).result == .success)
            #expect(try await client.readStream("tx-1", from: 0, count: 10).result == .noStream)
            let committed = try await Self.commit(client, started.transactionID)
            #expect(committed.result == .success)
            #expect(committed.firstEventNumber == 0 && committed.lastEventNumber == 3)
            let all = try await client.readAll(commit: 0, prepare: 0, count: 100)
            let mine = all.events.filter { $0.event.eventStreamID == "tx-1" }
            #expect(mine.count == 4)
            #expect(Set(mine.map(\.commitPosition)).count == 1)
            #expect(mine.map(\.preparePosition) == mine.map(\.preparePosition).sorted())
            #expect(mine.last!.preparePosition == mine.last!.commitPosition)
            #expect(mine.first!.preparePosition < mine.first!.commitPosition)
            // Paging $all one record at a time walks through the transaction too.
            var position = (Int64(0), Int64(0))
            var stepped: [Int64] = []
            for _ in 0..<20 {
                let page = try await client.readAll(commit: position.0, prepare: position.1, count: 1)
                guard let event = page.events.first else { break }
                if event.event.eventStreamID == "tx-1" { stepped.append(event.event.eventNumber) }
                position = (page.nextCommitPosition, page.nextPreparePosition)
            }
            #expect(stepped == [0, 1, 2, 3])
        }
    }

    @Test func expectedVersionIsCheckedAtCommit() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let started = try await Self.start(client, "tx-2", expected: -1)
            _ = try await Self.write(client, started.transactionID, count: 1)
            try await client.fill("tx-2", count: 1)
            let committed = try await Self.commit(client, started.transactionID)
            #expect(committed.result == .wrongExpectedVersion)
            #expect(try await client.readStream("tx-2", from: 0, count: 10).numbers == [0])
        }
    }

    @Test func unknownTransactionIsInvalid() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            // As the server answers an id that is not a transaction.
            #expect(try await Self.write(client, 987_654, count: 1).result == .accessDenied)
            #expect(try await Self.commit(client, 987_654).result == .accessDenied)
        }
    }
}
