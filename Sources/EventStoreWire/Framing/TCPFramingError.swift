/// Why bytes could not be read as a frame or a package (docs/protocol.md §1.2–§1.6).
///
/// Every case is a framing error: the peer's byte stream cannot be trusted after it, so a
/// server answers with BadRequest (zero id) and closes, and a client drops the connection.
public enum TCPFramingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The length prefix is 0, negative as a signed value, or larger than 64 MiB.
    case invalidLength(UInt32)
    /// The package is shorter than the 18-byte header.
    case packageTooShort(length: Int)
    /// The auth block's declared lengths run past the end of the package.
    case authBlockOverrun(needed: Int, available: Int)
    /// The auth block's text is not valid UTF-8.
    case invalidCredentialsEncoding
    /// A token longer than the protocol allows (32 765 bytes).
    case invalidTokenLength(Int)
    /// The stream ended in the middle of a frame.
    case truncatedFrame(expected: Int, available: Int)

    public var description: String {
        switch self {
        case .invalidLength(let length):
            return "invalid frame length \(length) (must be 1...\(TCPPackage.maxLength))"
        case .packageTooShort(let length):
            return "package of \(length) bytes is shorter than the \(TCPPackage.headerLength)-byte header"
        case .authBlockOverrun(let needed, let available):
            return "auth block needs \(needed) bytes but only \(available) remain in the package"
        case .invalidCredentialsEncoding:
            return "auth block is not valid UTF-8"
        case .invalidTokenLength(let length):
            return "token of \(length) bytes exceeds the \(TCPCredentials.maxTokenLength)-byte limit"
        case .truncatedFrame(let expected, let available):
            return "truncated frame: length says \(expected) bytes, only \(available) present"
        }
    }
}

/// Why a package could not be encoded.
public enum TCPEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A login or password longer than 255 UTF-8 bytes.
    case credentialTooLong(field: String, length: Int)
    /// A token longer than 32 765 UTF-8 bytes.
    case tokenTooLong(length: Int)
    /// The package would exceed 64 MiB.
    case packageTooLarge(length: Int)
    /// A login starting with a non-ASCII byte (or an empty login before a password of 128+ bytes)
    /// would be read as a token by the server.
    case ambiguousCredentials

    public var description: String {
        switch self {
        case .credentialTooLong(let field, let length):
            return "\(field) is \(length) bytes; the auth block allows at most \(TCPCredentials.maxFieldLength)"
        case .tokenTooLong(let length):
            return "token is \(length) bytes; the auth block allows at most \(TCPCredentials.maxTokenLength)"
        case .packageTooLarge(let length):
            return "package of \(length) bytes exceeds the \(TCPPackage.maxLength)-byte limit"
        case .ambiguousCredentials:
            return "credentials would be misread as a token: the login must start with an ASCII character"
        }
    }
}
