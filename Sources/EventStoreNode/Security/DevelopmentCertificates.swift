import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificates of `esdb node --dev`: a throw-away certificate authority and a server
/// certificate it signed for `localhost` and `127.0.0.1`, as PEM files in one directory, so that a
/// developer can run the node with TLS at once and point a client at `ca.crt` to trust it
/// (KurrentDB's `--dev` makes a self-signed certificate the same way).
///
/// Files that exist and are still valid for a day are reused, so a durable node keeps its
/// certificate across restarts and clients keep trusting it.
public struct DevelopmentCertificates: Sendable {
    /// The certificate authority to trust (PEM).
    public let caCertificatePath: String
    /// The server certificate chain (PEM): the server certificate, then the CA.
    public let certificateChainPath: String
    /// The server certificate's private key (PEM, unencrypted).
    public let privateKeyPath: String

    /// How long new certificates are valid.
    static let validity: TimeInterval = 365 * 24 * 3600

    /// The files in `directory`, made (with the directory) when missing or expiring within a day.
    public static func prepare(in directory: String, now: Date = Date()) throws -> DevelopmentCertificates {
        let files = DevelopmentCertificates(
            caCertificatePath: directory + "/ca.crt", certificateChainPath: directory + "/node.crt",
            privateKeyPath: directory + "/node.key")
        if files.areValid(at: now.addingTimeInterval(24 * 3600)) { return files }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try files.write(now: now)
        return files
    }

    /// The node's TLS settings for these files.
    public var tls: NodeConfiguration.TLS {
        NodeConfiguration.TLS(certificateChainPath: certificateChainPath, privateKeyPath: privateKeyPath)
    }

    private func areValid(at date: Date) -> Bool {
        guard FileManager.default.fileExists(atPath: privateKeyPath),
              let text = try? String(contentsOfFile: certificateChainPath, encoding: .utf8),
              let first = try? PEMDocument.parseMultiple(pemString: text).first,
              let leaf = try? Certificate(pemDocument: first)
        else { return false }
        return leaf.notValidAfter > date
    }

    private func write(now: Date) throws {
        let caKey = P256.Signing.PrivateKey()
        let serverKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("esdb")
            CommonName("esdb development CA")
        }
        let serverName = try DistinguishedName { CommonName("localhost") }
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(Self.validity)
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: serverName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(caKey))
        let caPEM = try ca.serializeAsPEM().pemString
        try Self.write(caPEM + "\n", to: caCertificatePath, private: false)
        try Self.write(try server.serializeAsPEM().pemString + "\n" + caPEM + "\n", to: certificateChainPath, private: false)
        try Self.write(serverKey.pemRepresentation + "\n", to: privateKeyPath, private: true)
    }

    private static func write(_ text: String, to path: String, private isPrivate: Bool) throws {
        let url = URL(fileURLWithPath: path)
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: isPrivate ? 0o600 : 0o644], ofItemAtPath: path)
    }
}
