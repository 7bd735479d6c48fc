import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

typealias BatchReq = EventStore_Client_Streams_BatchAppendReq
typealias BatchResp = EventStore_Client_Streams_BatchAppendResp

/// `Streams.BatchAppend` over real loopback HTTP/2 (docs/grpc.md §2.2).
@Suite struct StreamsBatchAppendTests {
    /// One chunk of a group: options when `stream` is given, events, `is_final`.
    static func chunk(
        _ id: UUID, stream: String? = nil, expected: Expected = .any, events: [AppendReq] = [], final: Bool,
        deadline: SwiftProtobuf.Google_Protobuf_Duration? = nil
    ) -> BatchReq {
        var request = BatchReq()
        request.correlationID = EventStore_Client_UUID(id, asString: false)
        if let stream {
            request.options.streamIdentifier = EventStore_Client_StreamIdentifier(stream)
            switch expected {
            case .any: request.options.any = Google_Protobuf_Empty()
            case .noStream: request.options.noStream = Google_Protobuf_Empty()
            case .streamExists: request.options.streamExists = Google_Protobuf_Empty()
            case .revision(let revision): request.options.streamPosition = revision
            }
            if let deadline { request.options.deadline = deadline }
        }
        request.proposedMessages = events.map { event in
            var message = BatchReq.ProposedMessage()
            message.id = event.proposedMessage.id
            message.metadata = event.proposedMessage.metadata
            message.customMetadata = event.proposedMessage.customMetadata
            message.data = event.proposedMessage.data
            return message
        }
        request.isFinal = final
        return request
    }

    /// Sends `requests` on one call and collects `expected` answers.
    static func batch(_ streams: StreamsClient, _ requests: [BatchReq], answers expected: Int, metadata: Metadata = .admin)
        async throws -> [BatchResp] {
        try await streams.batchAppend(metadata: metadata) { writer in
            try await writer.write(contentsOf: requests)
        } onResponse: { response in
            var answers: [BatchResp] = []
            for try await answer in response.messages {
                answers.append(answer)
                if answers.count == expected { break }
            }
            return answers
        }
    }

    @Test func interleavedGroupsAreWrittenWhenFinal() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                let (a, b) = (UUID(), UUID())
                let answers = try await Self.batch(streams, [
                    Self.chunk(a, stream: "batch-a", expected: .noStream, events: [.event("A0"), .event("A1")], final: false),
                    Self.chunk(b, stream: "batch-b", events: [.event("B0")], final: false),
                    Self.chunk(a, events: [.event("A2")], final: true),
                    Self.chunk(b, events: [.event("B1")], final: true),
                ], answers: 2)
                #expect(answers.map { $0.correlationID.uuid } == [a, b])
                #expect(answers[0].success.currentRevision == 2)
                #expect(answers[0].streamIdentifier == EventStore_Client_StreamIdentifier("batch-a"))
                #expect(answers[0].noStream == Google_Protobuf_Empty())
                #expect(answers[1].success.currentRevision == 1)
                #expect(answers[1].any == Google_Protobuf_Empty())
                guard case .position(let position)? = answers[1].success.positionOption else { Issue.record("no position"); return }
                let events = try await streams.events(.stream("batch-a"))
                #expect(events.map(\.event.type) == ["A0", "A1", "A2"])
                let b1 = try await streams.events(.stream("batch-b"))
                #expect(b1.last?.event.commitPosition == position.commitPosition)
            }
        }
    }

    @Test func failuresAreStatusesWithTheirDetails() async throws {
        try await withInMemoryNode { node in
            try await node.withStreams { streams in
                try await streams.fill("batch-x", count: 2)
                _ = try await streams.tombstone(Self.tombstone("batch-dead"), metadata: .admin)
                var noType = AppendReq.event()
                noType.proposedMessage.metadata["type"] = nil
                var past = Google_Protobuf_Duration()
                past.seconds = -1
                let ids = (0..<5).map { _ in UUID() }
                let answers = try await Self.batch(streams, [
                    Self.chunk(ids[0], stream: "batch-x", expected: .revision(7), events: [.event()], final: true),
                    Self.chunk(ids[1], stream: "batch-dead", events: [.event()], final: true),
                    Self.chunk(ids[2], stream: "$system-only", events: [.event()], final: true),
                    Self.chunk(ids[3], stream: "batch-y", events: [.event()], final: true, deadline: past),
                    Self.chunk(ids[4], stream: "batch-y", events: [noType], final: true),
                ], answers: 5, metadata: [:])
                #expect(answers.map { $0.correlationID.uuid } == ids)
                let wrong = answers[0].error
                #expect(wrong.code == .alreadyExists)
                let detail = try EventStore_Client_WrongExpectedVersion(unpackingAny: wrong.details)
                #expect(detail.currentStreamRevision == 1)
                #expect(detail.expectedStreamPosition == 7)
                #expect(answers[1].error.code == .notFound)
                #expect(try EventStore_Client_StreamDeleted(unpackingAny: answers[1].error.details).streamIdentifier
                    == EventStore_Client_StreamIdentifier("batch-dead"))
                #expect(answers[2].error.code == .permissionDenied)
                #expect(answers[2].error.details.isA(EventStore_Client_AccessDenied.self))
                #expect(answers[3].error.code == .deadlineExceeded)
                #expect(answers[3].error.details.isA(EventStore_Client_Timeout.self))
                #expect(answers[4].error.code == .invalidArgument)
                #expect(try EventStore_Client_BadRequest(unpackingAny: answers[4].error.details).message.contains("type"))
                let y = try await streams.readAll(.stream("batch-y"))
                #expect(y.map(\.isStreamNotFound) == [true])
            }
        }
    }

    static func tombstone(_ stream: String) -> EventStore_Client_Streams_TombstoneReq {
        var request = EventStore_Client_Streams_TombstoneReq()
        request.options.streamIdentifier = EventStore_Client_StreamIdentifier(stream)
        request.options.any = EventStore_Client_Empty()
        return request
    }
}
