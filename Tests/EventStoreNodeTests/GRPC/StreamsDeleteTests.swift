import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import Testing

/// `Streams.Delete` and `Streams.Tombstone` over real loopback HTTP/2.
@Suite struct StreamsDeleteTests {
    static func delete(_ stream: String, _ expected: Expected = .any) -> EventStore_Client_Streams_DeleteReq {
        var request = EventStore_Client_Streams_DeleteReq()
        request.options.streamIdentifier = EventStore_Client_StreamIdentifier(stream)
        switch expected {
        case .any: request.options.any = EventStore_Client_Empty()
        case .noStream: request.options.noStream = EventStore_Client_Empty()
        case .streamExists: request.options.streamExists = EventStore_Client_Empty()
        case .revision(let revision): request.options.revision = revision
        }
        return request
    }

    @Test func softDeleteHidesTheStreamUntilItIsWrittenAgain() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("soft-1", count: 3)
                let deleted = try await streams.delete(Self.delete("soft-1", .revision(2)), metadata: .admin)
                guard case .position(let position)? = deleted.positionOption else { Issue.record("\(deleted)"); return }
                #expect(position.commitPosition > 0)
                #expect(try await streams.readAll(.stream("soft-1")).map(\.isStreamNotFound) == [true])
                let again = try await streams.append("soft-1", .any, events: [.event("Again")])
                #expect(again.currentRevision == 3)
                #expect(try await streams.events(.stream("soft-1")).map(\.event.streamRevision) == [3])
            }
        }
    }

    @Test func wrongExpectedVersionIsAnErrorWithTrailers() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("del-wev", count: 2)
                let error = await #expect(throws: RPCError.self) {
                    _ = try await streams.delete(Self.delete("del-wev", .revision(5)), metadata: .admin)
                }
                #expect(error?.code == .failedPrecondition)
                #expect(error?.exception == "wrong-expected-version")
                #expect(error?.trailer("stream-name") == "del-wev")
                #expect(error?.trailer("expected-version") == "5")
                #expect(error?.trailer("actual-version") == "1")
                let missing = await #expect(throws: RPCError.self) {
                    _ = try await streams.delete(Self.delete("del-never"), metadata: .admin)
                }
                #expect(missing?.exception == "wrong-expected-version")
                #expect(missing?.trailer("actual-version") == "-1")
            }
        }
    }

    @Test func tombstoneIsForever() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("hard-1", count: 1)
                let response = try await streams.tombstone(StreamsBatchAppendTests.tombstone("hard-1"), metadata: .admin)
                guard case .position? = response.positionOption else { Issue.record("\(response)"); return }
                let read = await #expect(throws: RPCError.self) { _ = try await streams.readAll(.stream("hard-1")) }
                #expect(read?.code == .failedPrecondition)
                #expect(read?.exception == "stream-deleted")
                let again = await #expect(throws: RPCError.self) {
                    _ = try await streams.tombstone(StreamsBatchAppendTests.tombstone("hard-1"), metadata: .admin)
                }
                #expect(again?.exception == "stream-deleted")
                let soft = await #expect(throws: RPCError.self) {
                    _ = try await streams.delete(Self.delete("hard-1"), metadata: .admin)
                }
                #expect(soft?.exception == "stream-deleted")
            }
        }
    }

    @Test func deleteNeedsPermissionAndAnExpectation() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("$del-system", count: 1)
                let denied = await #expect(throws: RPCError.self) {
                    _ = try await streams.delete(Self.delete("$del-system"), metadata: [:])
                }
                #expect(denied?.code == .permissionDenied)
                var noExpectation = Self.delete("del-x")
                noExpectation.options.expectedStreamRevision = nil
                let invalid = await #expect(throws: RPCError.self) {
                    _ = try await streams.delete(noExpectation, metadata: .admin)
                }
                #expect(invalid?.code == .invalidArgument)
                let empty = await #expect(throws: RPCError.self) {
                    _ = try await streams.tombstone(EventStore_Client_Streams_TombstoneReq(), metadata: .admin)
                }
                #expect(empty?.code == .invalidArgument)
            }
        }
    }
}
