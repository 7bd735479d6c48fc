/// A `tcp://` or `discover://` URI from `ConnectTo` (or a bare connection string).
struct ConnectionURI: Sendable, Hashable {
    enum Scheme: String, Sendable {
        case tcp
        case discover
    }

    var scheme: Scheme
    var credentials: UserCredentials?
    var host: String
    var port: Int?

    /// Parses `scheme://[user:password@]host[:port][/]`; user and password are percent-decoded, IPv6 hosts
    /// are written in brackets.
    init(parsing text: String, key: String) throws(ConnectionStringError) {
        guard let separator = text.range(of: "://") else {
            throw ConnectionStringValues.invalid(text, key: key, "is not a URI (expected tcp://host:port or discover://host:port)")
        }
        let schemeText = String(text[..<separator.lowerBound])
        guard let scheme = Scheme(rawValue: schemeText.lowercased()) else {
            throw ConnectionStringError(key: key, message: "unsupported scheme \(ConnectionStringLexer.quoted(schemeText)) "
                                            + "(expected tcp:// or discover://)")
        }
        var rest = text[separator.upperBound...]
        if let at = rest.lastIndex(of: "@") {
            credentials = try Self.userInfo(String(rest[..<at]), key: key)
            rest = rest[rest.index(after: at)...]
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let tail = String(rest[authorityEnd...])
        guard tail.isEmpty || tail == "/" else {
            throw ConnectionStringError(key: key, message: "unexpected \(ConnectionStringLexer.quoted(tail)) after the host and port")
        }
        let (host, port) = try HostPort.parse(String(rest[..<authorityEnd]), key: key, in: text)
        self.host = host
        self.port = port
        self.scheme = scheme
    }

    private static func userInfo(_ text: String, key: String) throws(ConnectionStringError) -> UserCredentials {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw ConnectionStringError(key: key, message: "expected user:password before \"@\"")
        }
        guard let login = PercentEncoding.decode(String(parts[0])), let password = PercentEncoding.decode(String(parts[1])) else {
            throw ConnectionStringError(key: key, message: "invalid percent-encoding in the user:password part")
        }
        return .password(login: login, password: password)
    }
}

/// `host[:port]` with bracketed IPv6 literals.
enum HostPort {
    /// Splits `text` into host and optional port; `whole` is quoted in messages.
    static func parse(_ text: String, key: String, in whole: String) throws(ConnectionStringError) -> (String, Int?) {
        let host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConnectionStringValues.invalid(whole, key: key, "has an IPv6 address without the closing \"]\"")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw ConnectionStringValues.invalid(whole, key: key, "has unexpected text after the IPv6 address")
                }
                portText = after.dropFirst()
            }
        } else {
            let colons = text.filter { $0 == ":" }.count
            guard colons <= 1 else {
                throw ConnectionStringValues.invalid(whole, key: key, "has an IPv6 address that is not in brackets (write [::1]:1113)")
            }
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text[...]
            }
        }
        guard !host.isEmpty else { throw ConnectionStringValues.invalid(whole, key: key, "has no host") }
        guard !host.contains(where: { $0.isWhitespace }) else {
            throw ConnectionStringValues.invalid(whole, key: key, "has a host with spaces")
        }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), portText.allSatisfy(\.isASCII) else {
            throw ConnectionStringValues.invalid(whole, key: key, "has port \(ConnectionStringLexer.quoted(String(portText))), which is not a number")
        }
        guard (1...65535).contains(port) else {
            throw ConnectionStringValues.invalid(whole, key: key, "has port \(port), which is out of range (1...65535)")
        }
        return (String(host), port)
    }

    /// The comma-separated `GossipSeeds` list: `host:port`, each optionally `http://` or `https://`.
    static func gossipSeeds(_ value: String, key: String) throws(ConnectionStringError) -> [GossipSeed] {
        var seeds: [GossipSeed] = []
        for item in value.split(separator: ",") {
            let written = ConnectionStringLexer.trimmed(item)
            guard !written.isEmpty else { continue }
            var rest = Substring(written)
            var secure = false
            if let separator = written.range(of: "://") {
                let scheme = written[..<separator.lowerBound].lowercased()
                guard scheme == "http" || scheme == "https" else {
                    throw ConnectionStringError(key: key, message: "unsupported scheme \(ConnectionStringLexer.quoted(scheme)) "
                                                    + "in \(ConnectionStringLexer.quoted(written)) (use http:// or https://)")
                }
                secure = scheme == "https"
                rest = written[separator.upperBound...]
                if rest.hasSuffix("/") { rest = rest.dropLast() }
            }
            let (host, port) = try parse(String(rest), key: key, in: written)
            guard let port else { throw ConnectionStringValues.invalid(written, key: key, "has no port (expected host:port)") }
            seeds.append(GossipSeed(endpoint: Endpoint(host: host, port: port), secure: secure))
        }
        guard !seeds.isEmpty else { throw ConnectionStringError(key: key, message: "no seeds given (expected host:port,…)") }
        return seeds
    }
}

/// RFC 3986 percent-encoding for the user-info part of URIs.
enum PercentEncoding {
    /// Decodes `%XX` escapes; `nil` for a malformed escape or invalid UTF-8.
    static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Escapes everything but unreserved characters (`A-Z a-z 0-9 - . _ ~`).
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
