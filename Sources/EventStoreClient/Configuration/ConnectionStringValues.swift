/// Parsers for the value types a connection string uses; each error names the key and quotes the value.
enum ConnectionStringValues {
    static func integer(_ value: String, key: String) throws(ConnectionStringError) -> Int {
        guard let number = Int(value) else { throw invalid(value, key: key, "is not an integer") }
        return number
    }

    /// An integer that is at least `minimum`; `meaning` explains the allowed range in the message.
    static func integer(_ value: String, key: String, atLeast minimum: Int,
                        meaning: String) throws(ConnectionStringError) -> Int {
        let number = try integer(value, key: key)
        guard number >= minimum else { throw invalid(value, key: key, "is out of range (\(meaning))") }
        return number
    }

    static func port(_ value: String, key: String) throws(ConnectionStringError) -> Int {
        let number = try integer(value, key: key)
        guard (1...65535).contains(number) else { throw invalid(value, key: key, "is not a port number (1...65535)") }
        return number
    }

    /// `true` or `false`, in any case.
    static func boolean(_ value: String, key: String) throws(ConnectionStringError) -> Bool {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw invalid(value, key: key, "is not a boolean (true or false)")
        }
    }

    /// A .NET TimeSpan setting: a whole, non-negative number of milliseconds.
    static func milliseconds(_ value: String, key: String) throws(ConnectionStringError) -> Duration {
        guard let number = Int(value) else { throw invalid(value, key: key, "is not a whole number of milliseconds") }
        guard number >= 0 else { throw invalid(value, key: key, "is negative (expected milliseconds ≥ 0)") }
        return .milliseconds(number)
    }

    /// `user:password` with exactly one colon and a non-empty user.
    static func credentials(_ value: String, key: String) throws(ConnectionStringError) -> UserCredentials {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ConnectionStringError(key: key, message: "expected user:password") }
        guard !parts[0].isEmpty else {
            throw ConnectionStringError(key: key, message: "expected user:password (the user is empty)")
        }
        return .password(login: String(parts[0]), password: String(parts[1]))
    }

    /// leader/follower/random/readonlyreplica, plus the 5.x names master and slave.
    static func nodePreference(_ value: String, key: String) throws(ConnectionStringError) -> NodePreference {
        switch value.lowercased().filter({ !$0.isWhitespace && $0 != "_" && $0 != "-" }) {
        case "leader", "master": return .leader
        case "follower", "slave": return .follower
        case "random": return .random
        case "readonlyreplica": return .readOnlyReplica
        default: throw invalid(value, key: key, "is not one of leader, follower, random, readonlyreplica")
        }
    }

    static func nonEmpty(_ value: String, key: String) throws(ConnectionStringError) -> String {
        guard !value.isEmpty else { throw ConnectionStringError(key: key, message: "the value is empty") }
        return value
    }

    static func invalid(_ value: String, key: String, _ problem: String) -> ConnectionStringError {
        ConnectionStringError(key: key, message: "\(ConnectionStringLexer.quoted(value)) \(problem)")
    }
}
