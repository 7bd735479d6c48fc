import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Follower mode, gossip, and restarts of a durable node.
@Suite struct ClusterAndRestartTests {
    /// GET over a plain socket (HTTP/1.0, connection close) and the body.
    static func httpGet(_ endpoint: NodeConfiguration.Endpoint, _ path: String) async throws -> (status: Int, body: String) {
        let client = try await TCPTestClient.rawHTTP(host: endpoint.host, port: endpoint.port,
                                                     request: "GET \(path) HTTP/1.0\r\nHost: x\r\n\r\n")
        let text = String(decoding: client, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }

    @Test func leaderGossipAndPing() async throws {
        try await withInMemoryNode { node in
            let gossip = try await Self.httpGet(node.httpEndpoint, "/gossip?format=json")
            #expect(gossip.status == 200)
            let json = try JSONValue(parsing: gossip.body)
            guard case .array(let members)? = json["members"] else {
                Issue.record("no members in \(gossip.body)")
                return
            }
            #expect(members.count == 1)
            #expect(members[0]["state"] == .string("Leader"))
            #expect(members[0]["isAlive"] == .bool(true))
            #expect(members[0]["externalTcpPort"] == .int(Int64(node.tcpEndpoint.port)))
            #expect(members[0]["httpEndPointPort"] == .int(Int64(node.httpEndpoint.port)))
            #expect(try await Self.httpGet(node.httpEndpoint, "/ping").status == 200)
            #expect(try await Self.httpGet(node.httpEndpoint, "/nothing").status == 404)
        }
    }

    @Test func followerRedirectsLeaderRequests() async throws {
        try await withInMemoryNode { leader in
            try await withInMemoryNode(configure: {
                $0.followerOf = leader.tcpEndpoint
                $0.leaderHTTPPort = leader.httpEndpoint.port
            }) { follower in
                let client = try await follower.connect()
                var write = ESWriteEvents()
                write.eventStreamID = "redirected-1"
                write.expectedVersion = -2
                write.events = [TCPTestClient.newEvent()]
                write.requireLeader = true
                let reply = try await client.request(TCPPackage(command: .writeEvents, correlationID: UUID(), message: write))
                #expect(reply.command == .notHandled)
                let notHandled = try reply.decodeMessage(as: ESNotHandled.self)
                #expect(notHandled.reason == .notLeader)
                let info = try ESNotHandled.LeaderInfo(serializedBytes: notHandled.additionalInfo)
                #expect(info.externalTcpAddress == leader.tcpEndpoint.host)
                #expect(Int(info.externalTcpPort) == leader.tcpEndpoint.port)
                #expect(Int(info.httpPort) == leader.httpEndpoint.port)
                // Without require_leader the follower serves the request itself.
                write.requireLeader = false
                #expect(try await client.request(.writeEvents, message: write, as: ESWriteEventsCompleted.self).result == .success)
                let gossip = try JSONValue(parsing: try await Self.httpGet(follower.httpEndpoint, "/gossip").body)
                guard case .array(let members)? = gossip["members"] else {
                    Issue.record("no members")
                    return
                }
                #expect(members.compactMap { $0["state"] } == [.string("Follower"), .string("Leader")])
                #expect(members[1]["externalTcpPort"] == .int(Int64(leader.tcpEndpoint.port)))
            }
        }
    }

    @Test func restartKeepsEventsNumbersAndPositions() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-restart-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let first = try await EventStoreNodeServer.start(configuration)
        let client = try await first.connect()
        let written = try await client.fill("durable-1", count: 5)
        _ = try await client.setMetadata("durable-1", json: "{\"$maxCount\":4}")
        await client.close()
        await first.shutdown()

        let second = try await EventStoreNodeServer.start(configuration)
        let again = try await second.connect()
        let read = try await again.readStream("durable-1", from: 0, count: 10)
        #expect(read.numbers == [1, 2, 3, 4])
        let more = try await again.fill("durable-1", count: 1)
        #expect(more.firstEventNumber == 5)
        #expect(more.commitPosition > written.commitPosition)
        #expect(try await again.readStream("$streams", from: 0, count: 10, credentials: admin).result == .noStream,
                "no projections unless asked for")
        await second.shutdown()
    }
}

extension TCPTestClient {
    /// Sends a raw HTTP request and returns everything the server wrote until it closed.
    static func rawHTTP(host: String, port: Int, request: String) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var bytes: [UInt8] = []
            for try await chunk in inbound { bytes += chunk.readableBytesView }
            return bytes
        }
    }
}
