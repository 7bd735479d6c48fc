import Crypto
import Foundation
import _CryptoExtras

/// Passwords as EventStoreDB's internal authentication stores them in `$user-<login>`:
/// PBKDF2 with HMAC-SHA1, 1,000 rounds, a 16-byte random salt and a 20-byte hash, both base64
/// (the server's `Rfc2898PasswordHashAlgorithm`). SHA-1 and the round count are the server's
/// choice, kept so that stored accounts mean the same thing to both.
public struct PasswordHash: Sendable, Hashable {
    /// The derived key, base64.
    public var hash: String
    /// The salt, base64.
    public var salt: String

    static let rounds = 1_000
    static let hashSize = 20
    static let saltSize = 16

    /// A stored hash and salt (base64), as `$UserCreated` events carry them.
    public init(hash: String, salt: String) {
        self.hash = hash
        self.salt = salt
    }

    /// Hashes `password` with a fresh random salt.
    public init(password: String) {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltSize).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.init(password: password, salt: salt)
    }

    /// Hashes `password` with `salt` (for tests and verification).
    public init(password: String, salt: [UInt8]) {
        self.salt = Data(salt).base64EncodedString()
        hash = Self.derive(password, salt: salt).base64EncodedString()
    }

    /// Whether `password` is the one hashed.
    public func verifies(_ password: String) -> Bool {
        guard let salt = Data(base64Encoded: salt) else { return false }
        return Self.derive(password, salt: Array(salt)).base64EncodedString() == hash
    }

    private static func derive(_ password: String, salt: [UInt8]) -> Data {
        // PBKDF2 cannot fail for these parameters (a non-zero output size, a known hash function).
        let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .insecureSHA1, outputByteCount: hashSize,
            unsafeUncheckedRounds: rounds)
        return key.map { $0.withUnsafeBytes { Data($0) } } ?? Data()
    }
}
