/// Credentials carried in a package's auth block (docs/protocol.md §1.6).
public enum TCPCredentials: Hashable, Sendable, CustomStringConvertible {
    /// Login and password, each written with a one-byte length.
    case password(login: String, password: String)
    /// A bearer (JWT) token, written after a negative 16-bit little-endian length (20.x+).
    case token(String)

    /// The longest login or password the one-byte length can carry.
    public static let maxFieldLength = 255
    /// The longest token the negative 16-bit length can carry.
    public static let maxTokenLength = 32_765

    /// The login, if these are login/password credentials.
    public var login: String? {
        if case .password(let login, _) = self { return login }
        return nil
    }

    /// Masks the secret: `admin:***` or `token(***)`.
    public var description: String {
        switch self {
        case .password(let login, _): return "\(login):***"
        case .token: return "token(***)"
        }
    }

    /// The number of bytes the auth block takes on the wire.
    public var encodedLength: Int {
        switch self {
        case .password(let login, let password): return 2 + login.utf8.count + password.utf8.count
        case .token(let token): return 2 + token.utf8.count
        }
    }
}
