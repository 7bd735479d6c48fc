import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import Testing

/// `Streams.Read` with a count, of streams and of `$all` (docs/grpc.md §2.3).
@Suite struct StreamsReadTests {
    @Test func streamReadsInBothDirectionsFromAnyRevision() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("read-1", count: 10)
                let forward = try await streams.events(.stream("read-1", count: 4))
                #expect(forward.map(\.event.streamRevision) == [0, 1, 2, 3])
                let fromRevision = try await streams.events(.stream("read-1", from: .revision(7)))
                #expect(fromRevision.map(\.event.streamRevision) == [7, 8, 9])
                let backward = try await streams.events(.stream("read-1", from: .end(.init()), forward: false, count: 3))
                #expect(backward.map(\.event.streamRevision) == [9, 8, 7])
                let backwardFrom = try await streams.events(.stream("read-1", from: .revision(1), forward: false))
                #expect(backwardFrom.map(\.event.streamRevision) == [1, 0])
                let none = try await streams.readAll(.stream("read-1", count: 0))
                #expect(none.isEmpty)
                let strings = try await streams.events(.stream("read-1", count: 1, uuidAsString: true))
                guard case .string(let text)? = strings.first?.event.id.value else { Issue.record("no string id"); return }
                #expect(UUID(uuidString: text) != nil)
                #expect(text == text.lowercased())
            }
        }
    }

    @Test func largeReadsPageThroughTheWholeStream() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                for batch in 0..<5 { try await streams.fill("big-read", count: 100, from: batch * 100) }
                let events = try await streams.events(.stream("big-read", count: 10_000))
                #expect(events.map(\.event.streamRevision) == Array(0..<500))
                #expect(events.map(\.event.json) == (0..<500).map { "{\"n\":\($0)}" })
                let backward = try await streams.events(.stream("big-read", from: .end(.init()), forward: false, count: 77))
                #expect(backward.map(\.event.streamRevision) == Array((423..<500).reversed()))
            }
        }
    }

    @Test func missingDeletedAndDeniedStreams() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                let missing = try await streams.readAll(.stream("nobody-here"))
                #expect(missing.count == 1)
                #expect(missing.first?.streamNotFound.streamIdentifier == EventStore_Client_StreamIdentifier("nobody-here"))
                try await streams.fill("read-dead", count: 1)
                _ = try await streams.tombstone(StreamsBatchAppendTests.tombstone("read-dead"), metadata: .admin)
                let deleted = await #expect(throws: RPCError.self) { _ = try await streams.readAll(.stream("read-dead")) }
                #expect(deleted?.code == .failedPrecondition)
                #expect(deleted?.exception == "stream-deleted")
                let denied = await #expect(throws: RPCError.self) { _ = try await streams.readAll(.all(), metadata: [:]) }
                #expect(denied?.code == .permissionDenied)
                #expect(denied?.exception == "access-denied")
                let bad = await #expect(throws: RPCError.self) {
                    _ = try await streams.readAll(.stream("read-1"), metadata: .basic("admin", "nope"))
                }
                #expect(bad?.code == .unauthenticated)
            }
        }
    }

    @Test func badRequestsAreInvalidArguments() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                var noUUIDOption = ReadReq.stream("r")
                noUUIDOption.options.clearUuidOption()
                var backwardsSubscription = ReadReq.stream("r", count: nil)
                backwardsSubscription.options.readDirection = .backwards
                var filteredStream = ReadReq.stream("r")
                filteredStream.options.filter = .streamPrefix(["r"])
                var nonUTF8 = ReadReq.stream("r")
                nonUTF8.options.stream.streamIdentifier.streamName = Data([0xC3, 0x28])
                var noCount = ReadReq.stream("r")
                noCount.options.countOption = nil
                var badRegex = ReadReq.all(filter: .eventTypeRegex("(unclosed"))
                badRegex.options.filter.checkpointIntervalMultiplier = 1
                for request in [ReadReq(), noUUIDOption, backwardsSubscription, filteredStream, nonUTF8, noCount, badRegex] {
                    let error = await #expect(throws: RPCError.self) { _ = try await streams.readAll(request) }
                    #expect(error?.code == .invalidArgument, "\(request)")
                }
            }
        }
    }

    @Test func compatibilityAddsFirstAndLastStreamPositions() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("compat-1", count: 5)
                let plain = try await streams.readAll(.stream("compat-1"))
                #expect(plain.count == 5)
                let last = try await streams.readAll(.stream("compat-1", compatibility: 1))
                #expect(last.count == 6)
                #expect(last.last?.content == .lastStreamPosition(4))
                // Events below $tb are gone: a read from 0 learns where the stream now starts.
                try await streams.append("$$compat-1", events: [.event("$metadata", json: #"{"$tb":3}"#)])
                let truncated = try await streams.readAll(.stream("compat-1", count: 1, compatibility: 1))
                #expect(truncated.first?.content == .firstStreamPosition(3))
            }
        }
    }

    @Test func linksResolveOnRequest() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("target-1", count: 2)
                try await streams.append("links-1", events: [
                    .event("$>", json: "1@target-1", contentType: "application/octet-stream"),
                    .event("$>", json: "0@nowhere", contentType: "application/octet-stream"),
                ])
                let raw = try await streams.events(.stream("links-1"))
                #expect(raw.map(\.event.type) == ["$>", "$>"])
                #expect(raw.allSatisfy { !$0.hasLink })
                let resolved = try await streams.events(.stream("links-1", resolveLinks: true))
                #expect(resolved.count == 2)
                #expect(resolved[0].event.streamName == "target-1")
                #expect(resolved[0].event.streamRevision == 1)
                #expect(resolved[0].link.streamName == "links-1")
                #expect(resolved[0].commitPosition == resolved[0].link.commitPosition)
                #expect(!resolved[1].hasEvent)
                #expect(resolved[1].link.streamRevision == 1)
            }
        }
    }

    @Test func allReadsForwardsBackwardsAndFromAPosition() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("all-a", count: 3)
                try await streams.fill("all-b", count: 3)
                let forward = try await streams.events(.all(count: 10_000))
                let mine = forward.filter { $0.event.streamName.hasPrefix("all-") }
                #expect(mine.map(\.event.streamName) == ["all-a", "all-a", "all-a", "all-b", "all-b", "all-b"])
                let positions = forward.map(\.event.commitPosition)
                #expect(positions == positions.sorted())
                let backward = try await streams.events(.all(from: .end(.init()), forward: false, count: 2))
                #expect(backward.map(\.event.streamName) == ["all-b", "all-b"])
                #expect(backward.map(\.event.streamRevision) == [2, 1])
                let third = mine[2].event
                let from = try await streams.events(.all(from: .at(third.commitPosition, third.preparePosition), count: 2))
                #expect(from.map(\.event.streamRevision) == [2, 0])
                let end = try await streams.events(.all(from: .end(.init()), count: 10))
                #expect(end.isEmpty)
            }
        }
    }

    @Test func filteredAllReads() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("flt-a", count: 40)
                try await streams.append("other-1", events: (0..<40).map { _ in .event("Other") })
                try await streams.fill("flt-b", count: 2)
                let prefixed = try await streams.events(.all(count: 1000, filter: .streamPrefix(["flt-"])))
                #expect(prefixed.count == 42)
                #expect(prefixed.allSatisfy { $0.event.streamName.hasPrefix("flt-") })
                let typed = try await streams.events(.all(count: 1000, filter: .eventTypeRegex("^Oth")))
                #expect(typed.count == 40)
                let windowed = try await streams.events(.all(count: 1000, filter: .streamPrefix(["flt-b"], max: 5)))
                #expect(windowed.map(\.event.streamRevision) == [0, 1])
                let limited = try await streams.events(.all(count: 3, filter: .streamPrefix(["flt-"])))
                #expect(limited.count == 3)
                let backward = try await streams.events(.all(from: .end(.init()), forward: false, count: 3,
                                                             filter: .streamPrefix(["flt-a"])))
                #expect(backward.map(\.event.streamRevision) == [39, 38, 37])
                // kurrentdbclient's default: everything but system, PersistentConfig and Result events.
                let excluding = try await streams.events(.all(count: 10_000, filter: .eventTypeRegex(
                    #"^(?!(\$.+$|PersistentConfig\d+$|Result$))"#, max: 30, multiplier: 5)))
                #expect(excluding.count { $0.event.streamName.hasPrefix("flt-") || $0.event.streamName.hasPrefix("other-") } == 82)
                #expect(excluding.allSatisfy { !$0.event.type.hasPrefix("$") })
                let none = try await streams.readAll(.all(count: 10, filter: .streamPrefix(["flt-"])))
                #expect(none.allSatisfy { if case .event = $0.content { true } else { false } })
            }
        }
    }
}
