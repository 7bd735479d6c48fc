import EventStoreClient
import EventStoreNode

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EventStoreNodeServer {
    /// The client TCP endpoint as the client library spells it.
    var clientTCP: Endpoint { Endpoint(host: tcpEndpoint.host, port: tcpEndpoint.port) }
    /// The `/gossip` endpoint as a plain-HTTP seed.
    var gossipSeed: GossipSeed { GossipSeed(endpoint: Endpoint(host: httpEndpoint.host, port: httpEndpoint.port)) }
}

/// A loopback socket that listens but never accepts or answers: connections succeed, requests time out.
final class SilentListener: Sendable {
    let port: Int
    private let descriptor: Int32

    init() {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = descriptor
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                precondition(bind(fd, socketAddress, length) == 0, "bind failed")
                precondition(listen(fd, 16) == 0, "listen failed")
                precondition(getsockname(fd, socketAddress, &length) == 0, "getsockname failed")
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    var seed: GossipSeed { GossipSeed(endpoint: Endpoint(host: "127.0.0.1", port: port)) }

    func close() {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }

    /// A loopback port nothing listens on (connections are refused).
    static func closedPort() -> Int {
        let listener = SilentListener()
        listener.close()
        return listener.port
    }
}

/// A resolver that always fails, for DNS error reporting.
struct FailingResolver: ClusterDNSResolver {
    func resolve(_ name: String) async throws(DNSResolutionError) -> [String] {
        throw DNSResolutionError("NXDOMAIN")
    }
}

/// A resolver with fixed answers.
struct FixedResolver: ClusterDNSResolver {
    var addresses: [String]
    func resolve(_ name: String) async throws(DNSResolutionError) -> [String] { addresses }
}

extension GossipNodeDiscoverer.Settings {
    /// Fast settings for tests.
    static func quick(attempts: Int = 2, timeout: Duration = .seconds(5), preference: NodePreference = .leader) -> Self {
        var settings = GossipNodeDiscoverer.Settings()
        settings.maxDiscoverAttempts = attempts
        settings.gossipTimeout = timeout
        settings.pauseBetweenRounds = .milliseconds(10)
        settings.nodePreference = preference
        return settings
    }
}
