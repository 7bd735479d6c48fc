import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// `$streams`, `$ce-<category>` and link resolution.
@Suite struct SystemStreamTests {
    @Test func streamsAndCategoriesAreLinked() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("order-1", count: 2)
            try await client.fill("order-2", count: 1)
            try await client.fill("order-1", count: 1)
            try await client.fill("nodash", count: 1)
            let streams = try await client.readStream("$streams", from: 0, count: 10, credentials: admin)
            #expect(streams.events.map(\.event.json) == ["0@order-1", "0@order-2", "0@nodash"])
            #expect(streams.events.allSatisfy { $0.event.eventType == "$>" })
            let resolved = try await client.readStream("$streams", from: 0, count: 10, resolve: true, credentials: admin)
            #expect(resolved.events.map(\.event.eventStreamID) == ["order-1", "order-2", "nodash"])
            #expect(resolved.events.map(\.link.eventStreamID) == ["$streams", "$streams", "$streams"])
            let category = try await client.readStream("$ce-order", from: 0, count: 10, resolve: true, credentials: admin)
            #expect(category.events.map { "\($0.event.eventStreamID)/\($0.event.eventNumber)" }
                    == ["order-1/0", "order-1/1", "order-2/0", "order-1/2"])
            #expect(category.events.map(\.link.eventNumber) == [0, 1, 2, 3])
            #expect(try await client.readStream("$ce-nodash", from: 0, count: 10, credentials: admin).result == .noStream)
        }
    }

    @Test func brokenLinkResolvesToTheLinkAlone() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("gone-1", count: 1)
            _ = try await client.delete("gone-1", hard: true)
            let read = try await client.readStream("$ce-gone", from: 0, count: 10, resolve: true, credentials: admin)
            #expect(read.events.count == 1)
            #expect(!read.events[0].hasEvent && read.events[0].hasLink)
            let event = try await client.readEvent("$ce-gone", 0, resolve: true, credentials: admin)
            #expect(event.result == .success && !event.event.hasEvent && event.event.link.eventType == "$>")
        }
    }
}
