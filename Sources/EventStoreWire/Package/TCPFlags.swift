/// The flags byte of a package header.
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// An auth block follows the correlation id.
    public static let authenticated = TCPFlags(rawValue: 0x01)
    /// Server-internal forwarded write; a client interface rejects any package carrying it.
    public static let trustedWrite = TCPFlags(rawValue: 0x02)

    public var description: String {
        var names: [String] = []
        if contains(.authenticated) { names.append("Authenticated") }
        if contains(.trustedWrite) { names.append("TrustedWrite") }
        let unknown = rawValue & ~(TCPFlags.authenticated.rawValue | TCPFlags.trustedWrite.rawValue)
        if unknown != 0 { names.append("0x" + String(unknown, radix: 16)) }
        return names.isEmpty ? "None" : names.joined(separator: "|")
    }
}
