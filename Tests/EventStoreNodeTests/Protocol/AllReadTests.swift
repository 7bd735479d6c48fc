import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// `$all` reads, positions and filters.
@Suite struct AllReadTests {
    @Test func forwardPagingVisitsEveryRecordOnceInOrder() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            for stream in ["a-1", "b-1", "a-2"] { try await client.fill(stream, count: 7) }
            var position = (commit: Int64(0), prepare: Int64(0))
            var records: [ESResolvedEvent] = []
            while true {
                let page = try await client.readAll(commit: position.commit, prepare: position.prepare, count: 5)
                #expect(page.result == .success)
                if page.events.isEmpty {
                    #expect(page.nextCommitPosition == position.commit)
                    break
                }
                records += page.events
                position = (page.nextCommitPosition, page.nextPreparePosition)
            }
            let positions = records.map { ($0.commitPosition, $0.preparePosition) }
            #expect(zip(positions, positions.dropFirst()).allSatisfy { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) })
            let mine = records.filter { !$0.event.eventStreamID.hasPrefix("$") }
            #expect(mine.count == 21)
            #expect(mine.map(\.event.eventStreamID) == Array(repeating: "a-1", count: 7) + Array(repeating: "b-1", count: 7)
                    + Array(repeating: "a-2", count: 7))
            // Without projections (the server's default), only the events themselves, after what a
            // fresh database holds.
            #expect(records.count == freshDatabaseRecords + 21)
        }
    }

    @Test func backwardFromEndMirrorsForward() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("x-1", count: 5)
            let forward = try await client.readAll(commit: 0, prepare: 0, count: 100)
            var position = (commit: Int64(-1), prepare: Int64(-1))
            var backward: [ESResolvedEvent] = []
            while true {
                let page = try await client.readAll(commit: position.commit, prepare: position.prepare, count: 3, forward: false)
                if page.events.isEmpty { break }
                backward += page.events
                position = (page.nextCommitPosition, page.nextPreparePosition)
            }
            #expect(backward.map(\.commitPosition) == forward.events.map(\.commitPosition).reversed())
        }
    }

    @Test func allNeedsAnAdminByDefault() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            #expect(try await client.readAll(commit: 0, prepare: 0, count: 10, credentials: nil).result == .accessDenied)
            let ops = TCPCredentials.password(login: "ops", password: "changeit")
            #expect(try await client.readAll(commit: 0, prepare: 0, count: 10, credentials: ops).result == .accessDenied)
            #expect(try await client.readAll(commit: 0, prepare: 0, count: 10, credentials: admin).result == .success)
        }
    }

    @Test func filteredReadsByTypeAndStream() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            _ = try await client.write("shop-1", events: [TCPTestClient.newEvent("OrderPlaced"), TCPTestClient.newEvent("OrderShipped"),
                                                         TCPTestClient.newEvent("Ping")])
            _ = try await client.write("user-1", events: [TCPTestClient.newEvent("OrderPlaced")])
            func filtered(_ context: ESFilter.FilterContext, _ type: ESFilter.FilterType, _ data: [String], count: Int32 = 100,
                          window: Int32? = nil) async throws -> ESFilteredReadAllEventsCompleted {
                var filter = ESFilter()
                filter.context = context
                filter.type = type
                filter.data = data
                var request = ESFilteredReadAllEvents()
                request.commitPosition = 0
                request.preparePosition = 0
                request.maxCount = count
                if let window { request.maxSearchWindow = window }
                request.resolveLinkTos = false
                request.requireLeader = false
                request.filter = filter
                return try await client.request(.filteredReadAllEventsForward, message: request, credentials: admin,
                                                as: ESFilteredReadAllEventsCompleted.self)
            }
            let byPrefix = try await filtered(.eventType, .prefix, ["Order"])
            #expect(byPrefix.events.map(\.event.eventStreamID) == ["shop-1", "shop-1", "user-1"])
            #expect(byPrefix.isEndOfStream)
            let byRegex = try await filtered(.streamID, .regex, ["^user-"])
            #expect(byRegex.events.map(\.event.eventType) == ["OrderPlaced"])
            let noSystem = try await filtered(.eventType, .regex, ["^[^\\$].*"])
            #expect(noSystem.events.count == 4)
            // The window counts every record inspected: the fresh database's system events first.
            let windowed = try await filtered(.eventType, .prefix, ["Order"], window: Int32(freshDatabaseRecords) + 2)
            #expect(windowed.events.count == 2 && !windowed.isEndOfStream)
            // As the server: the request cannot be unwrapped, so it is a BadRequest (here saying why).
            await #expect(throws: UnexpectedReply.self) { try await filtered(.eventType, .regex, ["(unclosed"]) }
        }
    }
}

/// Records a new database starts with (users admin and ops, `$scavenges` metadata): docs/node-fidelity.md.
let freshDatabaseRecords = 7
