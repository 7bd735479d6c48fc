import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The node serving TLS on its TCP port: same framing inside TLS, no upgrade command (docs/protocol.md §1.1).
@Suite struct NodeTLSTests {
    @Test func tlsClientIdentifiesWritesAndReads() async throws {
        try await withTLSNode { node, pki in
            try await withTLSConnection(port: node.tcpEndpoint.port, trusting: pki.caCertificate) { connection in
                try await connection.identify()
                let written = try await connection.expectReply(to: TCPPackage(
                    command: .writeEvents, correlationID: UUID(), message: writeRequest("tls-1", json: #"{"n":1}"#)))
                #expect(try written.decodeMessage(as: ESWriteEventsCompleted.self).result == .success)
                let read = try await connection.expectReply(to: TCPPackage(
                    command: .readStreamEventsForward, correlationID: UUID(), message: readRequest("tls-1")))
                #expect(try read.decodeMessage(as: ESReadStreamEventsCompleted.self).events.map(\.event.json) == [#"{"n":1}"#])
            }
        }
    }

    @Test func plainClientIsClosedAndTheNodeKeepsServing() async throws {
        try await withTLSNode { node, pki in
            let plain = try await node.connect()
            try await plain.send(TCPPackage(command: .ping, correlationID: UUID()))
            try await plain.waitForClose(timeout: .seconds(5))
            try await withTLSConnection(port: node.tcpEndpoint.port, trusting: pki.caCertificate) { connection in
                try await connection.identify()
            }
        }
    }

    @Test func startRejectsUnusableTLSFilesWithAClearReason() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let missing = pki.directory.appendingPathComponent("missing.pem").path
        let notPEM = pki.directory.appendingPathComponent("not.pem").path
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: notPEM))
        let cases: [(NodeConfiguration.TLS, String)] = [
            (.init(certificateChainPath: missing, privateKeyPath: pki.serverKey),
             "cannot read the TLS certificate chain \(missing): No such file or directory"),
            (.init(certificateChainPath: pki.serverCertificate, privateKeyPath: missing),
             "cannot read the TLS private key \(missing): No such file or directory"),
            (.init(certificateChainPath: notPEM, privateKeyPath: pki.serverKey),
             "cannot parse the TLS certificate chain \(notPEM) (expected PEM certificates)"),
            (.init(certificateChainPath: pki.serverCertificate, privateKeyPath: notPEM),
             "cannot parse the TLS private key \(notPEM) (expected an unencrypted PEM key)"),
            (.init(certificateChainPath: pki.serverCertificate, privateKeyPath: pki.selfSignedKey),
             "the TLS private key \(pki.selfSignedKey) does not fit the certificate in \(pki.serverCertificate)"),
        ]
        for (tls, expected) in cases {
            var configuration = NodeConfiguration.onFreePorts(.memory)
            configuration.tls = tls
            do {
                let node = try await EventStoreNodeServer.start(configuration)
                await node.shutdown()
                Issue.record("started with \(tls)")
            } catch let error as NodeTLSError {
                #expect(error.description.hasPrefix(expected), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func esdbNodeServesTLSAndSaysSoOnTheReadyLine() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let database = pki.directory.appendingPathComponent("db").path
        let node = try ESDBRun(["node", "--db", database, "--tcp-port", "0", "--http-port", "0",
                                "--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey], in: pki.directory)
        defer { node.signal(SIGKILL) }
        let line = try await node.firstLine(timeout: .seconds(20))
        #expect(line.hasPrefix("esdb node ready tcp=127.0.0.1:"))
        #expect(line.hasSuffix(" db=\(database)/events.sqlite tls=on"), "\(line)")
        let endpoints = try #require(NodeProcess.parseReadyLine(line))
        try await withTLSConnection(port: endpoints.0.port, trusting: pki.caCertificate) { connection in
            try await connection.identify()
        }
        node.signal(SIGTERM)
        #expect(try await node.exitStatus(timeout: .seconds(10)) == 0)
    }

    @Test func esdbNodeWantsBothTLSOptions() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        for (arguments, message) in [(["--tls-cert", pki.serverCertificate], "--tls-cert needs --tls-key"),
                                     (["--tls-key", pki.serverKey], "--tls-key needs --tls-cert")] {
            let database = pki.directory.appendingPathComponent("db").path
            let run = try ESDBRun(["node", "--db", database, "--tcp-port", "0", "--http-port", "0"] + arguments, in: pki.directory)
            let status = try await run.exitStatus(timeout: .seconds(20))
            #expect(status != 0 && status != 1, "a usage error, not a start failure: \(status)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
        }
    }

    @Test func esdbNodeReportsAnUnreadableCertificateInOneLine() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let missing = pki.directory.appendingPathComponent("missing.pem").path
        let database = pki.directory.appendingPathComponent("db").path
        let run = try ESDBRun(["node", "--db", database, "--tcp-port", "0", "--http-port", "0",
                               "--tls-cert", missing, "--tls-key", pki.serverKey], in: pki.directory)
        #expect(try await run.exitStatus(timeout: .seconds(20)) == 1)
        #expect(run.stderr == "esdb node: could not start: cannot read the TLS certificate chain \(missing): "
                + "No such file or directory\n")
        #expect(run.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: database), "the storage is not opened when TLS cannot be set up")
    }
}

// MARK: - Helpers

/// Starts an in-memory node serving TLS with a fresh PKI's `localhost`/`127.0.0.1` certificate.
private func withTLSNode(_ body: (EventStoreNodeServer, TestPKI) async throws -> Void) async throws {
    let pki = try await TestPKI.make()
    defer { pki.remove() }
    try await withInMemoryNode(configure: {
        $0.tls = NodeConfiguration.TLS(certificateChainPath: pki.serverCertificate, privateKeyPath: pki.serverKey)
    }) { node in
        try await body(node, pki)
    }
}

private func writeRequest(_ stream: String, json: String) -> ESWriteEvents {
    var request = ESWriteEvents()
    request.eventStreamID = stream
    request.expectedVersion = -2
    request.events = [TCPTestClient.newEvent("Secured", json: json)]
    request.requireLeader = false
    return request
}

private func readRequest(_ stream: String) -> ESReadStreamEvents {
    var request = ESReadStreamEvents()
    request.eventStreamID = stream
    request.fromEventNumber = 0
    request.maxCount = 10
    request.requireLeader = false
    return request
}
