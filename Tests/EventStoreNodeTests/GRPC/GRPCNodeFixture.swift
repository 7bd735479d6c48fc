import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// A gRPC client of a test node's HTTP port, as KurrentDB's clients use it: HTTP/2 with prior
/// knowledge in cleartext, or TLS trusting `trustedCA` (a PEM file) with ALPN `h2`.
typealias NodeGRPCClient = GRPCClient<HTTP2ClientTransport.Posix>

extension EventStoreNodeServer {
    /// Runs `body` with a gRPC client connected to this node's HTTP port; closes it afterwards.
    func withGRPCClient<T: Sendable>(
        trustedCA: String? = nil,
        _ body: (NodeGRPCClient) async throws -> T
    ) async throws -> T {
        try await Self.withGRPCClient(to: httpEndpoint, trustedCA: trustedCA, body)
    }

    /// Runs `body` with a gRPC client connected to `endpoint` (a node's HTTP port); closes it afterwards.
    static func withGRPCClient<T: Sendable>(
        to endpoint: NodeConfiguration.Endpoint, trustedCA: String? = nil,
        _ body: (NodeGRPCClient) async throws -> T
    ) async throws -> T {
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        if let trustedCA {
            security = .tls { config in
                config.trustRoots = .certificates([.file(path: trustedCA, format: .pem)])
            }
        } else {
            security = .plaintext
        }
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.connection.maxIdleTime = nil
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: endpoint.host, port: endpoint.port), transportSecurity: security, config: config)
        return try await GRPCCore.withGRPCClient(transport: transport) { client in try await body(client) }
    }
}

extension Metadata {
    /// `authorization: Basic …` for `login`/`password`.
    static func basic(_ login: String, _ password: String) -> Metadata {
        var metadata = Metadata()
        metadata.addString("Basic " + Data("\(login):\(password)".utf8).base64EncodedString(), forKey: "authorization")
        return metadata
    }

    /// The node's default administrator.
    static let admin = basic("admin", "changeit")
}

extension RPCError {
    /// The `exception` trailer KurrentDB sends with its errors.
    var exception: String? {
        metadata[stringValues: "exception"].first(where: { _ in true })
    }

    /// A trailer's value.
    func trailer(_ key: String) -> String? {
        metadata[stringValues: key].first(where: { _ in true })
    }
}

/// Bytes as they are: a serializer and deserializer for raw gRPC messages (bad-input tests).
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

/// Runs `body` with an in-memory leader and an in-memory follower of it, whose HTTP port refers
/// clients to the leader's; shuts both down afterwards.
func withLeaderAndFollower<T>(
    _ body: (_ leader: EventStoreNodeServer, _ follower: EventStoreNodeServer) async throws -> T
) async throws -> T {
    try await withInMemoryNode { leader in
        try await withInMemoryNode(configure: {
            $0.followerOf = leader.tcpEndpoint
            $0.leaderHTTPPort = leader.httpEndpoint.port
        }) { follower in
            try await body(leader, follower)
        }
    }
}
