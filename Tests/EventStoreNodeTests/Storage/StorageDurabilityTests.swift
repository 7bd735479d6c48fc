import EventStoreNode
import Foundation
import Testing

@Suite("Storage: files, durability, lifecycle")
struct StorageDurabilityTests {
    @Test func fileModeIsWALWithSynchronousFull() async throws {
        let harness = try StorageHarness.make()
        defer { harness.close() }
        let (synchronous, journal) = try await harness.writer.submit { _, batch in
            (try batch.log.connection.pragmaInteger("synchronous"),
             try batch.log.connection.setPragma("journal_mode", "WAL"))
        }
        #expect(synchronous == 2)
        #expect(journal == "wal")
        #expect(!harness.storage.isInMemory)
    }

    @Test func reopeningContinuesPositionsAndNumbers() async throws {
        let directory = StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        let path = directory + "/nested/dirs/events.sqlite"
        let first = try StorageHarness.make(storage: NodeStorage.open(path: path), directory: nil)
        _ = try await first.writer.appendNext("a", count: 3)
        _ = try await first.writer.appendNext("b", count: 2, transaction: true)
        first.close()
        #expect(FileManager.default.fileExists(atPath: path))

        let second = try StorageHarness.make(storage: NodeStorage.open(path: path), directory: nil)
        defer { second.close() }
        #expect(try second.reader.lastPosition() == 5)
        let next = try await second.writer.appendNext("a")
        #expect(next.map(\.number) == [3])
        #expect(next.map(\.position) == [LogPosition(commit: 6, prepare: 6)])
        #expect(try second.reader.readStreamForward(stream: "a", from: 0, maxCount: 10).map(\.number) == [0, 1, 2, 3])
        #expect(try second.reader.readStreamForward(stream: "b", from: 0, maxCount: 10).map(\.position.commit) == [5, 5])
    }

    @Test func inMemoryUsesNoFsyncAndIsDeletedOnClose() async throws {
        let harness = try StorageHarness.make(inMemory: true)
        let path = harness.storage.path
        #expect(harness.storage.isInMemory)
        // Unlinked from the start: the files are reachable only through the open connections.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(path + suffix) exists")
        }
        let open = Set(StorageFixtures.openFiles(under: path))
        #expect(open == [path + " (deleted)", path + "-wal (deleted)", path + "-shm (deleted)"])
        let synchronous = try await harness.writer.submit { _, batch in
            try batch.log.connection.pragmaInteger("synchronous")
        }
        #expect(synchronous == 0)
        _ = try await harness.writer.appendNext("a", count: 2)
        #expect(try harness.reader.readStreamBackward(stream: "a", from: .max, maxCount: 5).map(\.number) == [1, 0])
        harness.close()
        #expect(StorageFixtures.openFiles(under: path) == [], "closing leaves files open, so their memory is not freed")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
    }

    @Test func oneWriterPerStorage() throws {
        let harness = try StorageHarness.make(inMemory: true)
        defer { harness.close() }
        #expect(throws: StorageError.writerAlreadyCreated) {
            try harness.storage.makeWriter(state: 0, reload: { _, _ in }, didCommit: { _, _ in })
        }
    }

    @Test func closedStorageRefusesReadsAndWrites() async throws {
        let harness = try StorageHarness.make(inMemory: true)
        _ = try await harness.writer.appendNext("a")
        harness.close()
        #expect(throws: StorageError.closed) { try harness.reader.eventCount() }
        await #expect(throws: StorageError.writerShutDown) { try await harness.writer.appendNext("a") }
    }

    @Test func unknownSchemaVersionIsRefused() throws {
        let directory = StorageFixtures.makeDirectory()
        defer { StorageFixtures.removeDirectory(directory) }
        let path = directory + "/events.sqlite"
        try NodeStorage.open(path: path).close()
        let connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try connection.execute("PRAGMA user_version = 99")
        connection.close()
        #expect(throws: StorageError.unsupportedSchemaVersion(99)) { try NodeStorage.open(path: path) }
    }
}
