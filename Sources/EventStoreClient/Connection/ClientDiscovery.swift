import Foundation
import Logging
import NIOCore
import NIOSSL
import NIOTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the discovery function the driver calls before every connection attempt.
enum ClientDiscovery {
    static func make(for configuration: ClientConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger)
        -> ConnectionDriver.Discover {
        // One discoverer for the client's lifetime: it remembers the last gossip for the next round.
        let discoverer = configuration.makeNodeDiscoverer(eventLoopGroup: eventLoopGroup)
        return { failed in
            do {
                return try await discoverer.discover(failedEndpoint: failed).endpoint
            } catch {
                throw EventStoreClientError(.cannotConnect, "\(error)")
            }
        }
    }
}

/// TLS in front of the framing handlers, when configured (docs/protocol.md §1.1: TLS starts right after
/// the TCP connect, with no upgrade command; the framing inside is unchanged).
enum ClientTLS {
    /// Nothing for plain TCP. With TLS: a `NIOSSLClientHandler` first, then a ``TLSHandshakeObserver``.
    ///
    /// The `NIOSSLContext` (trust roots, verification mode) is built once here and shared by every
    /// connection of the client. When it cannot be built (say the CA file is unreadable), each
    /// connection attempt fails with that reason.
    static func channelSetup(for configuration: ClientConfiguration) -> ConnectionDriver.ChannelSetup {
        guard let settings = configuration.tls else { return { _, _ in } }
        let context: NIOSSLContext
        do {
            context = try makeContext(settings)
        } catch {
            let failure = error
            return { _, _ in throw failure }
        }
        let trustedCAs = settings.trustedCAFile ?? "the system store"
        return { channel, endpoint in
            // SNI and the name to verify; an IP address is checked against the certificate's IP
            // names instead (NIOSSL also accepts any IP name that matches the connected address).
            let name = settings.targetHost ?? endpoint.host
            let serverHostname = isIPAddress(name) ? nil : name
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverHostname))
            try pipeline.addHandler(TLSHandshakeObserver(
                endpoint: endpoint, expectedName: name, trustedCAs: trustedCAs, promise: channel.eventLoop.makePromise()))
        }
    }

    /// Completes when the TLS handshake on `channel` has finished; `nil` when the channel has no TLS
    /// (or the handshake already finished). A failure also closes the channel with a clear reason.
    static func handshakeCompleted(on channel: any Channel) -> EventLoopFuture<Void>? {
        (try? channel.pipeline.syncOperations.handler(type: TLSHandshakeObserver.self))?.completed
    }

    static func makeContext(_ settings: TLSSettings) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !settings.validateServer {
            tls.certificateVerification = .none
        } else if let file = settings.trustedCAFile {
            tls.trustRoots = .certificates(try loadCertificates(file))
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw EventStoreClientError(.invalidConfiguration, "cannot set up TLS: \(error)")
        }
    }

    private static func loadCertificates(_ path: String) throws -> [NIOSSLCertificate] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw EventStoreClientError(.invalidConfiguration, "cannot read the trusted CA file \(path): \(reason)")
        }
        close(descriptor)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EventStoreClientError(.invalidConfiguration, "cannot read the trusted CA file \(path): not a readable file")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(data))
        } catch {
            throw EventStoreClientError(.invalidConfiguration, "cannot parse the trusted CA file \(path): \(error)")
        }
        guard !certificates.isEmpty else {
            throw EventStoreClientError(.invalidConfiguration, "the trusted CA file \(path) holds no PEM certificate")
        }
        return certificates
    }

    /// Whether `host` is an IPv4 or IPv6 literal (never sent as SNI).
    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

/// A failed TLS handshake, said in one line: `TLS handshake with 127.0.0.1:1113 failed: certificate verify failed …`.
struct TLSHandshakeFailure: Error, CustomStringConvertible {
    let description: String
}

/// Sits right after the TLS handler until the handshake ends: completes ``completed`` and turns a
/// handshake failure into a ``TLSHandshakeFailure`` for the handlers behind it; then leaves the pipeline.
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// Succeeds after the handshake; fails with a ``TLSHandshakeFailure``.
    let completed: EventLoopFuture<Void>
    private var promise: EventLoopPromise<Void>?
    private var failed = false
    private let endpoint: Endpoint
    private let expectedName: String
    private let trustedCAs: String

    init(endpoint: Endpoint, expectedName: String, trustedCAs: String, promise: EventLoopPromise<Void>) {
        self.endpoint = endpoint
        self.expectedName = expectedName
        self.trustedCAs = trustedCAs
        self.promise = promise
        self.completed = promise.futureResult
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent, let promise else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.promise = nil
        context.fireUserInboundEventTriggered(event)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        promise.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let promise else {
            // After a failed handshake the TLS handler may report follow-up errors; the first one says why.
            if !failed { context.fireErrorCaught(error) }
            return
        }
        self.promise = nil
        failed = true
        let failure = TLSHandshakeFailure(description: "TLS handshake with \(endpoint) failed: \(reason(for: error))")
        promise.fail(failure)
        context.fireErrorCaught(failure)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("the connection closed")
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail("the connection closed")
    }

    private func fail(_ reason: String) {
        guard let promise else { return }
        self.promise = nil
        failed = true
        promise.fail(TLSHandshakeFailure(description: "TLS handshake with \(endpoint) failed: \(reason)"))
    }

    /// BoringSSL's reason in words (`CERTIFICATE_VERIFY_FAILED` → `certificate verify failed`), with a hint.
    private func reason(for error: any Error) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "certificate verify failed: the server's certificate is not valid for \(expectedName)"
        }
        guard let sslError = error as? NIOSSLError, case .handshakeFailed(let boringError) = sslError else {
            return "\(error)"
        }
        guard case .sslError(let stack) = boringError, !stack.isEmpty else { return "\(boringError)" }
        return stack.map { internalError -> String in
            if internalError == .eofDuringHandshake {
                return "the server closed the connection (does it serve TLS on this port?)"
            }
            let reason = Self.reasonText(internalError.description)
            if reason == "certificate verify failed" { return "\(reason) (trusted CAs: \(trustedCAs))" }
            if reason == "wrong version number" { return "\(reason) (does the server serve TLS on this port?)" }
            return reason
        }.joined(separator: "; ")
    }

    /// `Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …` →
    /// `certificate verify failed`; anything else is returned unchanged.
    static func reasonText(_ description: String) -> String {
        guard let start = description.range(of: "error:") else { return description }
        let fields = description[start.upperBound...].split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4 else { return description }
        let code = fields[3].range(of: " at ").map { fields[3][..<$0.lowerBound] } ?? fields[3]
        return code.lowercased().replacingOccurrences(of: "_", with: " ")
    }
}
