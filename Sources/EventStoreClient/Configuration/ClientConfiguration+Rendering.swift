import Foundation

extension ClientConfiguration: CustomStringConvertible {
    /// The configuration as a connection string with the password masked, for display.
    public var description: String { connectionString }

    /// The configuration as a connection string, password masked (`****`); only settings that differ from the
    /// defaults are listed.
    public var connectionString: String { connectionString(revealingPassword: false) }

    /// The configuration as a connection string that ``init(connectionString:)`` reads back.
    ///
    /// Only settings that differ from the defaults are listed; the connection name only when it is not the
    /// generated `ES-<uuid>`. Token credentials have no connection-string form and are left out, as is a
    /// password containing `:` when the credentials must go in `DefaultUserCredentials` (gossip seeds).
    ///
    /// - Parameter revealingPassword: Write the password itself instead of `****`.
    /// - Returns: `key=value` pairs separated by `; `.
    ///
    /// ```swift
    /// let configuration = try ClientConfiguration(connectionString: "tcp://admin:changeit@db:1113")
    /// print(configuration.connectionString(revealingPassword: false))  // ConnectTo=tcp://admin:****@db:1113
    /// ```
    public func connectionString(revealingPassword: Bool) -> String {
        var pairs: [(String, String)] = []
        let password = { (password: String) in revealingPassword ? password : "****" }
        var uriUserInfo = ""
        if case .password(let login, let secret)? = defaultCredentials {
            let encoded = revealingPassword ? PercentEncoding.encode(secret) : "****"
            uriUserInfo = PercentEncoding.encode(login) + ":" + encoded + "@"
        }
        switch discovery {
        case .singleNode(let endpoint): pairs.append(("ConnectTo", "tcp://\(uriUserInfo)\(endpoint)"))
        case .clusterDNS(let name, let port):
            pairs.append(("ConnectTo", "discover://\(uriUserInfo)\(Endpoint(host: name, port: port))"))
        case .gossipSeeds(let seeds):
            pairs.append(("GossipSeeds", seeds.map(\.description).joined(separator: ",")))
            if case .password(let login, let secret)? = defaultCredentials, !login.contains(":"), !secret.contains(":") {
                pairs.append(("DefaultUserCredentials", "\(login):\(password(secret))"))
            }
        }
        pairs += settingPairs()
        return pairs.map { "\($0.0)=\(Self.quotedIfNeeded($0.1))" }.joined(separator: "; ")
    }

    private func settingPairs() -> [(String, String)] {
        let defaults = ClientConfiguration(discovery: discovery)
        var pairs: [(String, String)] = []
        func add<Value: Equatable>(_ name: String, _ value: Value, _ standard: Value, _ text: (Value) -> String) {
            if value != standard { pairs.append((name, text(value))) }
        }
        let ms = { (duration: Duration) in String(Self.milliseconds(duration)) }
        let int = { (value: Int) in String(value) }
        let bool = { (value: Bool) in value ? "true" : "false" }
        if case .clusterDNS = discovery {} else { add("GossipPort", gossipPort, defaults.gossipPort, int) }
        add("NodePreference", nodePreference, defaults.nodePreference, \.rawValue)
        add("RequireLeader", requireLeader, defaults.requireLeader, bool)
        add("HeartbeatInterval", heartbeatInterval, defaults.heartbeatInterval, ms)
        add("HeartbeatTimeout", heartbeatTimeout, defaults.heartbeatTimeout, ms)
        add("OperationTimeout", operationTimeout, defaults.operationTimeout, ms)
        add("OperationTimeoutCheckPeriod", operationTimeoutCheckPeriod, defaults.operationTimeoutCheckPeriod, ms)
        add("QueueTimeout", queueTimeout, defaults.queueTimeout, ms)
        add("MaxRetries", maxRetries, defaults.maxRetries, int)
        add("MaxReconnections", maxReconnections, defaults.maxReconnections, int)
        add("ReconnectionDelay", reconnectionDelay, defaults.reconnectionDelay, ms)
        add("ClientConnectionTimeout", connectTimeout, defaults.connectTimeout, ms)
        add("MaxQueueSize", maxQueueSize, defaults.maxQueueSize, int)
        add("MaxConcurrentItems", maxConcurrentItems, defaults.maxConcurrentItems, int)
        add("FailOnNoServerResponse", failOnNoServerResponse, defaults.failOnNoServerResponse, bool)
        add("MaxDiscoverAttempts", maxDiscoverAttempts, defaults.maxDiscoverAttempts, int)
        add("GossipTimeout", gossipTimeout, defaults.gossipTimeout, ms)
        if let tls {
            pairs.append(("UseSslConnection", "true"))
            if !tls.validateServer { pairs.append(("ValidateServer", "false")) }
            if let host = tls.targetHost { pairs.append(("TargetHost", host)) }
            if let file = tls.trustedCAFile { pairs.append(("TrustedCA", file)) }
        }
        if !Self.isGeneratedName(connectionName) { pairs.append(("ConnectionName", connectionName)) }
        return pairs
    }

    /// Whole milliseconds (sub-millisecond parts are dropped).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// `ES-<uuid>`, the name ``init(discovery:)`` makes up.
    static func isGeneratedName(_ name: String) -> Bool {
        name.hasPrefix("ES-") && UUID(uuidString: String(name.dropFirst(3))) != nil
    }

    /// Quotes a value that would not survive the grammar as is (a `;`, a leading quote, outer spaces, empty).
    static func quotedIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains(";") || value.first == "\"" || value.first == "'"
            || value.first?.isWhitespace == true || value.last?.isWhitespace == true
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
