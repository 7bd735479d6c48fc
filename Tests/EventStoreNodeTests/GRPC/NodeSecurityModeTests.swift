import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import Testing

/// `esdb node --dev` (TLS with a certificate made at start) and `--insecure` (no authentication,
/// no access control), run as a user runs them.
@Suite struct NodeSecurityModeTests {
    @Test func devModeServesTLSOnBothPortsWithItsOwnCertificate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-dev-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("db").path
        let node = try ESDBRun(["node", "--db", database, "--tcp-port", "0", "--http-port", "0", "--dev"], in: directory)
        defer { node.signal(SIGKILL) }
        let line = try await node.firstLine(timeout: .seconds(30))
        let fields = Self.fields(of: line)
        let ca = "\(database)/dev-certs/ca.crt"
        #expect(fields["tls"] == "on")
        #expect(fields["ca"] == ca)
        let http = try #require(fields["http"].flatMap(NodeConfiguration.Endpoint.init(_:)))
        let tcp = try #require(fields["tcp"].flatMap(NodeConfiguration.Endpoint.init(_:)))
        #expect(fields["grpc"] == "esdb://localhost:\(http.port)?tlsCaFile=\(ca)")
        try await withTLSConnection(port: tcp.port, trusting: ca) { connection in try await connection.identify() }
        let info = try await EventStoreNodeServer.withGRPCClient(to: http, trustedCA: ca) { client in
            try await EventStore_Client_Gossip_Gossip.Client(wrapping: client).read(EventStore_Client_Empty())
        }
        #expect(info.members.count == 1)
        node.signal(SIGTERM)
        #expect(try await node.exitStatus(timeout: .seconds(10)) == 0)
    }

    @Test func developmentCertificatesAreKeptWhileValidAndRemadeWhenExpiring() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-dev-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try DevelopmentCertificates.prepare(in: directory)
        let original = try String(contentsOfFile: first.certificateChainPath, encoding: .utf8)
        _ = try DevelopmentCertificates.prepare(in: directory)
        #expect(try String(contentsOfFile: first.certificateChainPath, encoding: .utf8) == original)
        // A year later the certificate is about to expire: a new one is made.
        _ = try DevelopmentCertificates.prepare(in: directory, now: Date().addingTimeInterval(365 * 24 * 3600))
        #expect(try String(contentsOfFile: first.certificateChainPath, encoding: .utf8) != original)
        let permissions = try FileManager.default.attributesOfItem(atPath: first.privateKeyPath)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }

    @Test func insecureModeLetsEveryoneDoEverything() async throws {
        try await withInMemoryNode(configure: { $0.insecure = true }) { node in
            let client = try await node.connect()
            // Wrong credentials, a system stream: accepted, as on a KurrentDB run with --insecure.
            let wrong = TCPCredentials.password(login: "nobody", password: "wrong")
            let written = try await client.write("$secret", events: [TCPTestClient.newEvent()], credentials: wrong)
            #expect(written.result == .success)
            let read = try await client.readStream("$secret", from: 0, count: 10)
            #expect(read.result == .success)
            #expect(read.events.count == 1)
        }
    }

    @Test func defaultModeAuthenticatesInCleartext() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let denied = try await client.write("$secret", events: [TCPTestClient.newEvent()])
            #expect(denied.result == .accessDenied)
            let written = try await client.write("$secret", events: [TCPTestClient.newEvent()], credentials: admin)
            #expect(written.result == .success)
        }
    }

    @Test func insecureExcludesTLS() async throws {
        let directory = FileManager.default.temporaryDirectory
        let run = try ESDBRun(["node", "--mem", "--tcp-port", "0", "--http-port", "0", "--insecure", "--dev"], in: directory)
        let status = try await run.exitStatus(timeout: .seconds(20))
        #expect(status != 0 && status != 1, "a usage error: \(status)")
        #expect(run.stderr.contains("--insecure serves no TLS"), "\(run.stderr)")
    }

    /// The `key=value` fields of a ready line.
    static func fields(of line: String) -> [String: String] {
        var fields: [String: String] = [:]
        for part in line.split(separator: " ") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        return fields
    }
}
