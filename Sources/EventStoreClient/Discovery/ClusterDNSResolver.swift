import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a cluster DNS name into IP addresses (A and AAAA records).
public protocol ClusterDNSResolver: Sendable {
    /// The addresses of `name`, as text (`10.0.0.1`, `fd00::1`), without duplicates.
    ///
    /// - Throws: ``DNSResolutionError`` when the name does not resolve.
    func resolve(_ name: String) async throws(DNSResolutionError) -> [String]
}

/// Why a DNS name did not resolve.
///
/// ```swift
/// do { _ = try await SystemDNSResolver().resolve("no-such-host.invalid") } catch { print(error.message) }
/// ```
public struct DNSResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The resolver's explanation (`Name or service not known`).
    public var message: String

    /// An error with this message.
    public init(_ message: String) { self.message = message }

    /// A readable one-line form, for logs and error messages.
    public var description: String { message }
}

/// Resolves with the system's `getaddrinfo`, on NIO's shared thread pool so no event loop or task thread blocks.
///
/// ```swift
/// let addresses = try await SystemDNSResolver().resolve("esdb.example.com")   // ["10.0.0.1", "10.0.0.2"]
/// ```
public struct SystemDNSResolver: ClusterDNSResolver {
    /// A resolver using `NIOThreadPool.singleton`.
    public init() {}

    /// The A and AAAA addresses of `name`, without duplicates.
    public func resolve(_ name: String) async throws(DNSResolutionError) -> [String] {
        let outcome: Result<[String], DNSResolutionError>
        do {
            outcome = try await NIOThreadPool.singleton.runIfActive { Self.lookUp(name) }
        } catch {
            throw DNSResolutionError("\(error)")
        }
        return try outcome.get()
    }

    /// Blocking `getaddrinfo` for stream sockets of any family.
    static func lookUp(_ name: String) -> Result<[String], DNSResolutionError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0 else { return .failure(DNSResolutionError(String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var cursor = list
        while let info = cursor?.pointee {
            cursor = info.ai_next
            guard let pointer = info.ai_addr else { continue }
            let address: SocketAddress
            switch info.ai_family {
            case AF_INET: address = SocketAddress(pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }, host: name)
            case AF_INET6: address = SocketAddress(pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }, host: name)
            default: continue
            }
            if let text = address.ipAddress, !addresses.contains(text) { addresses.append(text) }
        }
        guard !addresses.isEmpty else { return .failure(DNSResolutionError("no A or AAAA records")) }
        return .success(addresses)
    }
}
