import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// One engine behind both doors: what one door writes, the other reads the same.
@Suite struct StreamsCrossDoorTests {
    @Test func writtenOverTCPReadOverGRPC() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            let id = UUID()
            let written = try await tcp.write("cross-tcp", expected: -1, events: [
                TCPTestClient.newEvent("FromTCP", json: #"{"door":"tcp"}"#, id: id, metadata: #"{"m":1}"#),
            ])
            #expect(written.result == .success)
            let tcpRead = try await tcp.readStream("cross-tcp", from: 0, count: 10)
            let tcpEvent = try #require(tcpRead.events.first?.event)
            let tcpAll = try await tcp.readAll(commit: 0, prepare: 0, count: 4096)
            let tcpPosition = try #require(tcpAll.events.first { $0.event.eventStreamID == "cross-tcp" })
            try await node.withStreams { streams in
                let events = try await streams.events(.stream("cross-tcp"))
                let event = try #require(events.first).event
                #expect(event.id.uuid == id)
                #expect(event.type == "FromTCP")
                #expect(event.json == #"{"door":"tcp"}"#)
                #expect(event.customMetadata == Data(#"{"m":1}"#.utf8))
                #expect(event.metadata["content-type"] == "application/json")
                #expect(event.streamRevision == UInt64(tcpEvent.eventNumber))
                #expect(event.metadata["created"] == String(tcpEvent.createdEpoch * 10_000))
                #expect(event.commitPosition == UInt64(tcpPosition.commitPosition))
                #expect(event.preparePosition == UInt64(tcpPosition.preparePosition))
                #expect(UInt64(written.commitPosition) == event.commitPosition)
            }
            await tcp.close()
        }
    }

    @Test func writtenOverGRPCReadOverTCP() async throws {
        try await withInMemoryNode { node in
            let id = UUID()
            let success = try await node.withStreams { streams in
                try await streams.append("cross-grpc", .noStream, events: [
                    .event("FromGRPC", json: #"{"door":"grpc"}"#, id: id, metadata: Data("meta".utf8)),
                    .event("Binary", contentType: "application/octet-stream", data: Data([0, 1, 2])),
                ])
            }
            let tcp = try await node.connect()
            let read = try await tcp.readStream("cross-grpc", from: 0, count: 10)
            #expect(read.events.count == 2)
            let first = read.events[0].event
            #expect(UUID(dotNetBytes: Array(first.eventID)) == id)
            #expect(first.eventType == "FromGRPC")
            #expect(first.dataContentType == 1)
            #expect(first.json == #"{"door":"grpc"}"#)
            #expect(first.metadata == Data("meta".utf8))
            #expect(first.eventNumber == 0)
            let second = read.events[1].event
            #expect(second.dataContentType == 0)
            #expect(second.data == Data([0, 1, 2]))
            let all = try await tcp.readAll(commit: 0, prepare: 0, count: 4096)
            let last = try #require(all.events.last { $0.event.eventStreamID == "cross-grpc" })
            #expect(UInt64(last.commitPosition) == success.position.commitPosition)
            #expect(UInt64(last.preparePosition) == success.position.preparePosition)
            #expect(success.currentRevision == 1)
            await tcp.close()
        }
    }

    @Test func aGRPCSubscriptionSeesTCPWrites() async throws {
        try await withInMemoryNode { node in
            let tcp = try await node.connect()
            try await tcp.fill("cross-sub", count: 2)
            try await node.withStreams { streams in
                try await streams.read(.stream("cross-sub", count: nil), metadata: .admin) { response in
                    var reader = SubscriptionReader(response)
                    let got1 = try await reader.events(2)
                    #expect(got1.map(\.event.streamRevision) == [0, 1])
                    try await tcp.fill("cross-sub", count: 1)
                    let got2 = try await reader.events(1)
                    #expect(got2.map(\.event.json) == [#"{"n":0}"#])
                }
            }
            await tcp.close()
        }
    }
}
