import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// The HTTP port serves HTTP/1.1 and gRPC on one socket, in cleartext and under TLS (ALPN).
@Suite struct HTTPPortTests {
    @Test func cleartextPortServesGossipOverHTTP1AndGRPC() async throws {
        try await withInMemoryNode { node in
            let gossip = try await ClusterAndRestartTests.httpGet(node.httpEndpoint, "/gossip")
            #expect(gossip.status == 200)
            #expect(gossip.body.contains("\"members\""))
            let info = try await node.withGRPCClient { client in
                try await EventStore_Client_Gossip_Gossip.Client(wrapping: client).read(EventStore_Client_Empty())
            }
            #expect(info.members.count == 1)
            #expect(info.members.first?.state == .leader)
            #expect(info.members.first?.isAlive == true)
            #expect(info.members.first?.httpEndPoint.port == UInt32(node.httpEndpoint.port))
        }
    }

    @Test func tlsPortChoosesHTTP2ByALPN() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        try await withInMemoryNode(configure: {
            $0.tls = NodeConfiguration.TLS(certificateChainPath: pki.serverCertificate, privateKeyPath: pki.serverKey)
        }) { node in
            let info = try await node.withGRPCClient(trustedCA: pki.caCertificate) { client in
                try await EventStore_Client_Gossip_Gossip.Client(wrapping: client).read(EventStore_Client_Empty())
            }
            #expect(info.members.count == 1)
        }
    }

    @Test func serverFeaturesListOnlyServedMethods() async throws {
        try await withInMemoryNode { node in
            let supported = try await node.withGRPCClient { client in
                try await EventStore_Client_ServerFeatures_ServerFeatures.Client(wrapping: client)
                    .getSupportedMethods(EventStore_Client_Empty())
            }
            let names = Set(supported.methods.map { "\($0.serviceName)/\($0.methodName)" })
            #expect(names.contains("event_store.client.gossip.gossip/read"))
            #expect(!names.contains { $0.hasPrefix("event_store.client.operations") })
            #expect(supported.eventStoreServerVersion.split(separator: ".").count == 3)
        }
    }

    @Test func unknownServiceIsUnimplemented() async throws {
        try await withInMemoryNode { node in
            let error = await #expect(throws: RPCError.self) {
                try await node.withGRPCClient { client in
                    try await EventStore_Client_Operations_Operations.Client(wrapping: client)
                        .mergeIndexes(EventStore_Client_Empty())
                }
            }
            #expect(error?.code == .unimplemented)
        }
    }
}
