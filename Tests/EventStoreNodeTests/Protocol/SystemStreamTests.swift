import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// The standard projections' `$streams`, `$ce-`, `$et-` and `$category-` links (off unless asked
/// for, as on EventStoreDB), and link resolution.
@Suite struct SystemStreamTests {
    static func projecting(_ configuration: inout NodeConfiguration) { configuration.enableStandardProjections() }

    /// Reads `stream` until it holds `count` events: projections write their links after the
    /// source's commit, as the server's do.
    static func readWhenLinked(_ client: TCPTestClient, _ stream: String, count: Int, resolve: Bool = false)
        async throws -> ESReadStreamEventsCompleted {
        var read = try await client.readStream(stream, from: 0, count: 100, resolve: resolve, credentials: admin)
        _ = try await eventually {
            read = try await client.readStream(stream, from: 0, count: 100, resolve: resolve, credentials: admin)
            return read.events.count >= count
        }
        return read
    }

    @Test func projectionsAreOffByDefault() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("order-1", count: 2)
            // A later write is committed after any projection work the first could have caused.
            try await client.fill("order-2", count: 1)
            for stream in ["$streams", "$ce-order", "$et-Numbered", "$category-order"] {
                #expect(try await client.readStream(stream, from: 0, count: 10, credentials: admin).result == .noStream)
            }
        }
    }

    @Test func streamsAndCategoriesAreLinked() async throws {
        try await withInMemoryNode(configure: Self.projecting) { node in
            let client = try await node.connect()
            try await client.fill("order-1", count: 2)
            try await client.fill("order-2", count: 1)
            try await client.fill("order-1", count: 1)
            try await client.fill("nodash", count: 1)
            let streams = try await Self.readWhenLinked(client, "$streams", count: 3)
            #expect(streams.events.map(\.event.json) == ["0@order-1", "0@order-2", "0@nodash"])
            #expect(streams.events.allSatisfy { $0.event.eventType == "$>" })
            let resolved = try await client.readStream("$streams", from: 0, count: 10, resolve: true, credentials: admin)
            #expect(resolved.events.map(\.event.eventStreamID) == ["order-1", "order-2", "nodash"])
            #expect(resolved.events.map(\.link.eventStreamID) == ["$streams", "$streams", "$streams"])
            let category = try await Self.readWhenLinked(client, "$ce-order", count: 4, resolve: true)
            #expect(category.events.map { "\($0.event.eventStreamID)/\($0.event.eventNumber)" }
                    == ["order-1/0", "order-1/1", "order-2/0", "order-1/2"])
            #expect(category.events.map(\.link.eventNumber) == [0, 1, 2, 3])
            #expect(try await client.readStream("$ce-nodash", from: 0, count: 10, credentials: admin).result == .noStream)
            let byType = try await Self.readWhenLinked(client, "$et-Numbered", count: 5)
            #expect(byType.events.count == 5)
            let streamsOfCategory = try await Self.readWhenLinked(client, "$category-order", count: 2)
            #expect(streamsOfCategory.events.map(\.event.eventType) == ["$@", "$@"])
            #expect(streamsOfCategory.events.map(\.event.json) == ["order-1", "order-2"])
        }
    }

    @Test func linksComeInTheirOwnLaterCommitWithTheServersMetadata() async throws {
        try await withInMemoryNode(configure: Self.projecting) { node in
            let client = try await node.connect()
            let id = UUID()
            let written = try await client.write("ship-1", events: [TCPTestClient.newEvent("Shipped", id: id)])
            let link = try await Self.readWhenLinked(client, "$ce-ship", count: 1).events[0].event
            let all = try await client.readAll(commit: -1, prepare: -1, count: 50, forward: false)
            let linkPosition = try #require(all.events.first { $0.event.eventStreamID == "$ce-ship" }?.commitPosition)
            #expect(linkPosition > written.commitPosition, "a later commit")
            let metadata = try JSONValue(parsing: Array(link.metadata))
            #expect(metadata["$c"] == .int(written.commitPosition))
            #expect(metadata["$o"] == .string("ship-1"))
            #expect(metadata["$causedBy"] == .string(id.uuidString.lowercased()))
            // Emitted streams are readable by everyone (their metadata says so).
            #expect(try await client.readStream("$ce-ship", from: 0, count: 10).result == .success)
            #expect(try await client.readEvent("$$$ce-ship", -1, credentials: admin).event.event.json
                == #"{"$acl":{"$r":"$all","$mr":"$all"}}"#)
        }
    }

    @Test func aRestartNeitherLosesNorRepeatsLinks() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-projections-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = NodeConfiguration.durable(in: directory)
        // Written with projections off: turning them on later projects the whole log once.
        let first = try await EventStoreNodeServer.start(configuration)
        try await first.connect().fill("late-1", count: 3)
        await first.shutdown()
        configuration.enableStandardProjections()
        let second = try await EventStoreNodeServer.start(configuration)
        let client = try await second.connect()
        #expect(try await Self.readWhenLinked(client, "$ce-late", count: 3).events.count == 3)
        try await client.fill("late-2", count: 2)
        _ = try await Self.readWhenLinked(client, "$ce-late", count: 5)
        await second.shutdown()
        let third = try await EventStoreNodeServer.start(configuration)
        let again = try await third.connect()
        try await again.fill("late-3", count: 1)
        let links = try await Self.readWhenLinked(again, "$ce-late", count: 6)
        #expect(links.events.map(\.event.json) == ["0@late-1", "1@late-1", "2@late-1", "0@late-2", "1@late-2", "0@late-3"])
        await third.shutdown()
    }

    @Test func brokenLinkResolvesToTheLinkAlone() async throws {
        try await withInMemoryNode(configure: Self.projecting) { node in
            let client = try await node.connect()
            try await client.fill("gone-1", count: 1)
            _ = try await Self.readWhenLinked(client, "$ce-gone", count: 1)
            _ = try await client.delete("gone-1", hard: true)
            let read = try await client.readStream("$ce-gone", from: 0, count: 10, resolve: true, credentials: admin)
            #expect(read.events.count == 1)
            #expect(!read.events[0].hasEvent && read.events[0].hasLink)
            let event = try await client.readEvent("$ce-gone", 0, resolve: true, credentials: admin)
            #expect(event.result == .success && !event.event.hasEvent && event.event.link.eventType == "$>")
        }
    }
}
