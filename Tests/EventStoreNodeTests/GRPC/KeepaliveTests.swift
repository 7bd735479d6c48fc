import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// KurrentDB's clients ping every 10 s, calls open or not; the node must keep such a connection
/// (grpc-swift's server default would answer with GOAWAY after a few pings without calls).
@Suite struct KeepaliveTests {
    @Test func aClientPingingEveryTenSecondsKeepsAnIdleConnectionForAMinute() async throws {
        try await withInMemoryNode { node in
            var config = HTTP2ClientTransport.Posix.Config.defaults
            config.connection.maxIdleTime = nil
            config.connection.keepalive = HTTP2ClientTransport.Config.Keepalive(
                time: .seconds(10), timeout: .seconds(10), allowWithoutCalls: true)
            let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: node.httpEndpoint.host, port: node.httpEndpoint.port),
                transportSecurity: .plaintext, config: config)
            try await withGRPCClient(transport: transport) { client in
                let gossip = EventStore_Client_Gossip_Gossip.Client(wrapping: client)
                _ = try await gossip.read(EventStore_Client_Empty())
                #expect(node.acceptedHTTPConnections == 1)
                // The subject of the test is a minute of idleness (six client pings); nothing to poll.
                try await Task.sleep(for: .seconds(65))
                _ = try await gossip.read(EventStore_Client_Empty())
                #expect(node.acceptedHTTPConnections == 1, "the node closed the idle connection and the client reconnected")
            }
        }
    }
}
