import Foundation

/// A throw-away PKI for TLS tests, made with the `openssl` command line in a temporary directory:
/// a CA, a server certificate for `DNS:localhost, IP:127.0.0.1`, one for `DNS:localhost` only (to
/// test host name checks: an IP name matches the connected address whatever the expected host
/// name), and a self-signed `localhost` certificate. Certificates are valid for one day.
///
/// ```swift
/// let pki = try await TestPKI.make()
/// defer { pki.remove() }
/// configuration.tls = NodeConfiguration.TLS(certificateChainPath: pki.serverCertificate, privateKeyPath: pki.serverKey)
/// ```
public struct TestPKI: Sendable {
    /// The directory holding every file below.
    public let directory: URL
    /// The CA certificate (PEM), to trust.
    public let caCertificate: String
    /// Server certificate with `DNS:localhost, IP:127.0.0.1`, signed by the CA.
    public let serverCertificate: String
    /// The key of both CA-signed server certificates.
    public let serverKey: String
    /// Server certificate with `DNS:localhost` only, signed by the CA.
    public let dnsOnlyCertificate: String
    /// A self-signed `DNS:localhost` certificate.
    public let selfSignedCertificate: String
    /// The key of the self-signed certificate.
    public let selfSignedKey: String

    /// Makes a CA and the server certificates; `name` is the CA's common name. The `openssl` runs
    /// happen on a dedicated thread, not on the cooperative pool.
    public static func make(name: String = "esdb test CA") async throws -> TestPKI {
        try await runOnDedicatedThread { try makeBlocking(name: name) }
    }

    private static func makeBlocking(name: String) throws -> TestPKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = { (file: String) in directory.appendingPathComponent(file).path }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-days", "1", "-subj", "/CN=\(name)", "-keyout", path("ca.key"), "-out", path("ca.pem"),
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try openssl(["req"] + ec + ["-subj", "/CN=localhost", "-keyout", path("server.key"), "-out", path("server.csr")])
        for (certificate, names) in [("server.pem", "DNS:localhost,IP:127.0.0.1"), ("server-dns.pem", "DNS:localhost")] {
            let extensions = path(certificate + ".cnf")
            try Data("""
                basicConstraints=critical,CA:FALSE
                keyUsage=critical,digitalSignature
                extendedKeyUsage=serverAuth
                subjectAltName=\(names)

                """.utf8).write(to: URL(fileURLWithPath: extensions))
            try openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                         "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "1", "-extfile", extensions,
                         "-out", path(certificate)])
        }
        try openssl(["req", "-x509"] + ec + ["-days", "1", "-subj", "/CN=localhost", "-keyout", path("self.key"),
                     "-out", path("self.pem"), "-addext", "subjectAltName=DNS:localhost"])
        return TestPKI(directory: directory, caCertificate: path("ca.pem"), serverCertificate: path("server.pem"),
                       serverKey: path("server.key"), dnsOnlyCertificate: path("server-dns.pem"),
                       selfSignedCertificate: path("self.pem"), selfSignedKey: path("self.key"))
    }

    /// Deletes the directory.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PKIError(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed "
                           + "(\(process.terminationStatus)): \(String(decoding: output, as: UTF8.self))")
        }
    }
}

/// `openssl` is missing or failed.
public struct PKIError: Error, CustomStringConvertible {
    /// What failed, with openssl's own message.
    public let description: String
}
