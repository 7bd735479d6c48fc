import EventStoreClient
import EventStoreNode
import EventStoreTesting
import Foundation
import Synchronization
import Testing

/// The client over TLS against the embedded node serving TLS (docs/protocol.md §1.1, §5.4).
@Suite struct ClientTLSTests {
    @Test func trustedCAAppendsAndReadsBackOverTLS() async throws {
        try await withTLSNode { node, pki in
            let client = EventStoreClient(configuration: .tls(to: node, TLSSettings(trustedCAFile: pki.caCertificate)))
            let phases = PhaseRecorder(client)
            let written = try await client.append(to: "tls-1", events: [EventData(type: "Secured", json: #"{"n":1}"#)],
                                                  expectedVersion: .noStream)
            #expect(written.nextExpectedVersion == 0)
            let read = try await client.readEvent(stream: "tls-1", number: 0)
            await client.close()
            guard case .success(let event) = read else {
                Issue.record("event 0 not found: \(read)")
                return
            }
            #expect(event.event?.type == "Secured")
            #expect(event.event?.dataText == #"{"n":1}"#)
            let all = await phases.untilClosed()
            let names = all.map(\.name)
            #expect(names.prefix(while: { $0 != "closed" }).suffix(4) == ["tls", "authenticating", "identifying", "connected"])
            #expect(all.contains(.tlsHandshake(Endpoint(host: "127.0.0.1", port: node.tcpEndpoint.port))))
        }
    }

    @Test func untrustedCAIsRefusedWithAClearReasonInBoundedTime() async throws {
        let otherPKI = try await TestPKI.make(name: "some other CA")
        defer { otherPKI.remove() }
        try await withTLSNode { node, _ in
            var configuration = ClientConfiguration.tls(to: node, TLSSettings(trustedCAFile: otherPKI.caCertificate))
            configuration.maxReconnections = 1
            configuration.reconnectionDelay = .milliseconds(20)
            let client = EventStoreClient(configuration: configuration)
            let phases = PhaseRecorder(client)
            let started = ContinuousClock.now
            let expected = "TLS handshake with 127.0.0.1:\(node.tcpEndpoint.port) failed: certificate verify failed "
                + "(trusted CAs: \(otherPKI.caCertificate))"
            do {
                try await client.append(to: "tls-2", events: [EventData(type: "Never", json: "{}")])
                Issue.record("append should have failed")
            } catch let error as EventStoreClientError {
                #expect(error.code == .connectionClosed)
                #expect(error.message.contains(expected), "\(error.message)")
            }
            #expect(ContinuousClock.now - started < .seconds(30), "bounded, not hung")
            #expect(await client.isClosed)
            let all = await phases.untilClosed()
            let dropped = all.compactMap { phase -> String? in
                if case .dropped(_, let reason) = phase { return reason } else { return nil }
            }
            #expect(dropped == [expected, expected])
            guard case .closed(let reason)? = all.last else {
                Issue.record("last phase is \(String(describing: all.last))")
                return
            }
            #expect(reason == "gave up after 1 reconnection attempts (last: \(expected))")
        }
    }

    @Test func hostNameIsCheckedAgainstTargetHost() async throws {
        try await withTLSNode(certificate: \.dnsOnlyCertificate) { node, pki in
            // DNS:localhost only: verified as localhost, refused as 127.0.0.1 or another name.
            let good = EventStoreClient(configuration: .tls(to: node, TLSSettings(trustedCAFile: pki.caCertificate,
                                                                                  targetHost: "localhost")))
            try await good.waitUntilConnected()
            await good.close()
            for targetHost in [nil, "other.example"] {
                let name = targetHost ?? "127.0.0.1"
                let reason = try await refusalReason(.tls(to: node, TLSSettings(trustedCAFile: pki.caCertificate,
                                                                               targetHost: targetHost)))
                #expect(reason.contains("TLS handshake with 127.0.0.1:\(node.tcpEndpoint.port) failed: certificate verify "
                                        + "failed: the server's certificate is not valid for \(name)"), "\(reason)")
            }
        }
    }

    @Test func certificateIPNameMatchesWhateverTheTargetHost() async throws {
        // NIOSSL accepts a certificate when any of its names matches: an IP name that equals the
        // connected address passes even when targetHost names another host.
        try await withTLSNode { node, pki in
            let client = EventStoreClient(configuration: .tls(to: node, TLSSettings(trustedCAFile: pki.caCertificate,
                                                                                    targetHost: "other.example")))
            try await client.waitUntilConnected()
            await client.close()
        }
    }

    @Test func validateServerFalseAcceptsASelfSignedNode() async throws {
        try await withTLSNode(certificate: \.selfSignedCertificate, key: \.selfSignedKey) { node, _ in
            let client = EventStoreClient(configuration: .tls(to: node, TLSSettings(validateServer: false)))
            try await client.append(to: "tls-3", events: [EventData(type: "Anyway", json: "{}")])
            #expect(try await client.readEvent(stream: "tls-3", number: 0) != .noStream)
            await client.close()
            // Validated against the system store, the same node is refused.
            let reason = try await refusalReason(.tls(to: node, TLSSettings()))
            #expect(reason.contains("failed: certificate verify failed (trusted CAs: the system store)"), "\(reason)")
        }
    }

    @Test func plainClientAgainstTLSNodeFailsCleanlyAndTheNodeServesOthers() async throws {
        try await withTLSNode { node, pki in
            var plain = ClientConfiguration.tls(to: node, nil)
            plain.maxReconnections = 1
            plain.reconnectionDelay = .milliseconds(20)
            let client = EventStoreClient(configuration: plain)
            let started = ContinuousClock.now
            await #expect(throws: EventStoreClientError.self) {
                try await client.append(to: "plain-1", events: [EventData(type: "Plain", json: "{}")])
            }
            #expect(ContinuousClock.now - started < .seconds(30), "bounded, not hung")
            #expect(await client.isClosed)

            let secure = EventStoreClient(configuration: .tls(to: node, TLSSettings(trustedCAFile: pki.caCertificate)))
            try await secure.append(to: "tls-4", events: [EventData(type: "StillServing", json: "{}")])
            await secure.close()
        }
    }

    @Test func tlsClientAgainstPlainNodeFailsInBoundedTime() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let nodeConfiguration = NodeConfiguration.onFreePorts(.memory)
        let node = try await EventStoreNodeServer.start(nodeConfiguration)
        var configuration = ClientConfiguration.tls(to: node, TLSSettings(trustedCAFile: pki.caCertificate))
        configuration.operationTimeout = .seconds(1)
        let reason = try await refusalReason(configuration)
        await node.shutdown()
        #expect(reason.contains("TLS handshake with 127.0.0.1:\(node.tcpEndpoint.port) "), "\(reason)")
    }

    @Test func silentServerTimesTheHandshakeOut() async throws {
        let listener = SilentListener()   // Discovery/DiscoveryTestSupport.swift: accepts nothing, answers nothing
        defer { listener.close() }
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "127.0.0.1", port: listener.port)))
        configuration.tls = TLSSettings()
        configuration.operationTimeout = .milliseconds(300)
        let reason = try await refusalReason(configuration)
        #expect(reason.contains("TLS handshake with 127.0.0.1:\(listener.port) did not finish within 0.3 seconds"), "\(reason)")
    }

    @Test func unreadableCAFileIsReported() async throws {
        try await withTLSNode { node, pki in
            let missing = pki.directory.appendingPathComponent("missing.pem").path
            let reason = try await refusalReason(.tls(to: node, TLSSettings(trustedCAFile: missing)))
            #expect(reason.contains("cannot read the trusted CA file \(missing): No such file or directory"), "\(reason)")
        }
    }
}

/// Starts an in-memory node serving TLS with one of a fresh PKI's certificates.
private func withTLSNode(
    certificate: KeyPath<TestPKI, String> = \.serverCertificate, key: KeyPath<TestPKI, String> = \.serverKey,
    _ body: (EventStoreNodeServer, TestPKI) async throws -> Void
) async throws {
    let pki = try await TestPKI.make()
    defer { pki.remove() }
    var configuration = NodeConfiguration.onFreePorts(.memory)
    configuration.tls = NodeConfiguration.TLS(certificateChainPath: pki[keyPath: certificate], privateKeyPath: pki[keyPath: key])
    let node = try await EventStoreNodeServer.start(configuration)
    do {
        try await body(node, pki)
        await node.shutdown()
    } catch {
        await node.shutdown()
        throw error
    }
}

/// Connects with `configuration` (no reconnections) and returns why the client closed.
private func refusalReason(_ configuration: ClientConfiguration) async throws -> String {
    var configuration = configuration
    configuration.maxReconnections = 0
    let client = EventStoreClient(configuration: configuration)
    let started = ContinuousClock.now
    do {
        try await client.waitUntilConnected()
        await client.close()
        Issue.record("connected, but should have been refused")
        return ""
    } catch let error as EventStoreClientError {
        #expect(ContinuousClock.now - started < .seconds(30), "bounded, not hung")
        return error.message
    }
}

extension ClientConfiguration {
    /// A configuration for `node` at `127.0.0.1` with `tls`, admin credentials and quick reconnects.
    fileprivate static func tls(to node: EventStoreNodeServer, _ tls: TLSSettings?) -> ClientConfiguration {
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "127.0.0.1", port: node.tcpEndpoint.port)))
        configuration.defaultCredentials = .password(login: "admin", password: "changeit")
        configuration.tls = tls
        configuration.reconnectionDelay = .milliseconds(20)
        return configuration
    }
}

/// Collects a client's phases from creation on.
private final class PhaseRecorder: Sendable {
    private let seen = PhaseLog()
    private let task: Task<Void, Never>

    init(_ client: EventStoreClient) {
        let stream = client.events
        let seen = self.seen
        task = Task {
            for await event in stream {
                if case .phaseChanged(let phase, _) = event { seen.append(phase) }
            }
        }
    }

    /// Every phase, once the client has closed (its event stream ends).
    func untilClosed() async -> [ConnectionPhase] {
        await task.value
        return seen.phases
    }
}

private final class PhaseLog: Sendable {
    private let storage = Mutex<[ConnectionPhase]>([])

    func append(_ phase: ConnectionPhase) { storage.withLock { $0.append(phase) } }
    var phases: [ConnectionPhase] { storage.withLock { $0 } }
}

