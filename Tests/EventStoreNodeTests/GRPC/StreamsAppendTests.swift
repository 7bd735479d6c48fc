import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import Testing

/// `Streams.Append` over real loopback HTTP/2 (docs/grpc.md §2.1).
@Suite struct StreamsAppendTests {
    @Test func appendedEventsReadBackWithTheirIdTypeDataAndMetadata() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                let id = UUID()
                let first = try await streams.append("orders-1", .noStream, events: [
                    .event("OrderPlaced", json: #"{"total":3}"#, id: id, metadata: Data(#"{"by":"me"}"#.utf8)),
                ])
                #expect(first.currentRevision == 0)
                guard case .position(let position)? = first.positionOption else { Issue.record("no position"); return }
                let second = try await streams.append("orders-1", .revision(0), events: [
                    .event("Binary", id: UUID(), contentType: "application/octet-stream", data: Data([1, 2, 3])),
                ])
                #expect(second.currentRevision == 1)
                let events = try await streams.events(.stream("orders-1"))
                #expect(events.count == 2)
                let event = events[0].event
                #expect(event.id.uuid == id)
                #expect(event.id.structured.mostSignificantBits != 0)
                #expect(event.type == "OrderPlaced")
                #expect(event.metadata["content-type"] == "application/json")
                #expect(Int64(event.metadata["created"] ?? "") ?? 0 > 0)
                #expect(event.json == #"{"total":3}"#)
                #expect(String(decoding: event.customMetadata, as: UTF8.self) == #"{"by":"me"}"#)
                #expect(event.streamRevision == 0)
                #expect(event.commitPosition == position.commitPosition)
                #expect(events[0].commitPosition == position.commitPosition)
                #expect(events[1].event.metadata["content-type"] == "application/octet-stream")
                #expect(events[1].event.data == Data([1, 2, 3]))
            }
        }
    }

    @Test func emptyAppendToANewStreamReportsNoStream() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                let success = try await streams.append("empty-1", .any, events: [])
                #expect(success.noStream == EventStore_Client_Empty())
                #expect(success.noPosition == EventStore_Client_Empty())
            }
        }
    }

    @Test func wrongExpectedVersionIsAnAnswerWithBothFieldSets() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("wev-1", count: 1)
                let wrong = try await streams.append([.options("wev-1", .revision(5)), .event()])
                guard case .wrongExpectedVersion(let body)? = wrong.result else { Issue.record("\(wrong)"); return }
                #expect(body.currentRevision == 0)
                #expect(body.currentRevision2060 == 0)
                #expect(body.expectedRevision == 5)
                #expect(body.expectedRevision2060 == 5)

                let noStream = try await streams.append([.options("wev-1", .noStream), .event()])
                #expect(noStream.wrongExpectedVersion.expectedNoStream == EventStore_Client_Empty())
                #expect(noStream.wrongExpectedVersion.expectedRevision2060 == UInt64.max)

                let exists = try await streams.append([.options("wev-missing", .streamExists), .event()])
                #expect(exists.wrongExpectedVersion.currentNoStream == EventStore_Client_Empty())
                #expect(exists.wrongExpectedVersion.noStream2060 == EventStore_Client_Empty())
                #expect(exists.wrongExpectedVersion.expectedStreamExists == EventStore_Client_Empty())
            }
        }
    }

    @Test func requiredMetadataIsChecked() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                var noType = AppendReq.event()
                noType.proposedMessage.metadata["type"] = nil
                let error = await #expect(throws: RPCError.self) {
                    _ = try await streams.append([.options("meta-1"), noType])
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.exception == "missing-required-metadata-property")
                let noContentType = await #expect(throws: RPCError.self) {
                    _ = try await streams.append([.options("meta-1"), .event(contentType: nil)])
                }
                #expect(noContentType?.exception == "missing-required-metadata-property")
                #expect(noContentType?.message.contains("content-type") == true)
            }
        }
    }

    @Test func badRequestStreamsAreInvalidArguments() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                // No options at all, events first, options twice, an empty message.
                for requests: [AppendReq] in [
                    [], [.event()], [.options("bad-1"), .options("bad-1")], [AppendReq()], [.options("bad-1"), AppendReq()],
                ] {
                    let error = await #expect(throws: RPCError.self) { _ = try await streams.append(requests) }
                    #expect(error?.code == .invalidArgument, "\(requests)")
                }
                var nonUTF8 = AppendReq.options("x")
                nonUTF8.options.streamIdentifier.streamName = Data([0xFF, 0xFE, 0x41])
                let error = await #expect(throws: RPCError.self) { _ = try await streams.append([nonUTF8, .event()]) }
                #expect(error?.code == .invalidArgument)
                var noExpectation = AppendReq.options("bad-2")
                noExpectation.options.expectedStreamRevision = nil
                let missing = await #expect(throws: RPCError.self) { _ = try await streams.append([noExpectation, .event()]) }
                #expect(missing?.code == .invalidArgument)
                var zeroID = AppendReq.event()
                zeroID.proposedMessage.id = EventStore_Client_UUID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), asString: false)
                let empty = await #expect(throws: RPCError.self) { _ = try await streams.append([.options("bad-3"), zeroID]) }
                #expect(empty?.code == .invalidArgument)
            }
        }
    }

    @Test func accessDeniedAndBadCredentials() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                let denied = await #expect(throws: RPCError.self) {
                    _ = try await streams.append([.options("$system-only"), .event()], metadata: [:])
                }
                #expect(denied?.code == .permissionDenied)
                #expect(denied?.exception == "access-denied")
                let unauthenticated = await #expect(throws: RPCError.self) {
                    _ = try await streams.append([.options("s-1"), .event()], metadata: .basic("admin", "wrong"))
                }
                #expect(unauthenticated?.code == .unauthenticated)
            }
        }
    }

    @Test func appendToATombstonedStreamIsStreamDeleted() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("gone-1", count: 1)
                var tombstone = EventStore_Client_Streams_TombstoneReq()
                tombstone.options.streamIdentifier = EventStore_Client_StreamIdentifier("gone-1")
                tombstone.options.any = EventStore_Client_Empty()
                _ = try await streams.tombstone(tombstone, metadata: .admin)
                let error = await #expect(throws: RPCError.self) { _ = try await streams.append([.options("gone-1"), .event()]) }
                #expect(error?.code == .failedPrecondition)
                #expect(error?.exception == "stream-deleted")
                #expect(error?.trailer("stream-name") == "gone-1")
            }
        }
    }

    @Test func sizeLimitsPerEventAndPerAppend() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                // One event above the per-event limit, in a message the transport still takes.
                let large = Data(repeating: 0x61, count: 16 * 1024 * 1024 - 9_000)
                let event = await #expect(throws: RPCError.self) {
                    _ = try await streams.append([.options("big-1"), .event(contentType: "application/octet-stream", data: large)])
                }
                #expect(event?.code == .invalidArgument)
                #expect(event?.exception == "maximum-append-event-size-exceeded")
                // Two events within the per-event limit that together pass the append limit.
                let half = Data(repeating: 0x62, count: 9 * 1024 * 1024)
                let append = await #expect(throws: RPCError.self) {
                    _ = try await streams.append([.options("big-2"), .event(data: half).withOctetStream(),
                                                  .event(data: half).withOctetStream()])
                }
                #expect(append?.code == .invalidArgument)
                #expect(append?.exception == "maximum-append-size-exceeded")
                let events = try await streams.readAll(.stream("big-2"))
                #expect(events.map(\.isStreamNotFound) == [true])
            }
        }
    }
}
