extension ClientConfiguration {
    /// Reads a .NET TCP-client connection string (docs/protocol.md §5.3), ignoring unknown keys.
    ///
    /// ```swift
    /// let configuration = try ClientConfiguration(connectionString:
    ///     "ConnectTo=tcp://admin:changeit@localhost:1113; HeartbeatTimeout=500")
    /// ```
    ///
    /// Use ``parse(connectionString:)`` to also learn about ignored keys.
    ///
    /// - Parameter connectionString: `key=value` pairs separated by `;`, or a bare `tcp://` / `discover://` URI.
    /// - Throws: ``ConnectionStringError`` naming the key and value at fault.
    public init(connectionString: String) throws(ConnectionStringError) {
        self = try Self.parse(connectionString: connectionString).configuration
    }

    /// Reads a connection string and reports what was ignored.
    ///
    /// Grammar: `key=value` pairs separated by `;`; keys are matched ignoring case and spaces (`Max Retries`,
    /// `maxretries`); values may be quoted with `"` or `'` (a doubled quote stands for one) and are trimmed.
    /// Time spans are whole milliseconds. Exactly one of `ConnectTo` and `GossipSeeds` must be given.
    ///
    /// The string may also start with a bare URI, optionally followed by `;` and more pairs
    /// (`tcp://admin:changeit@localhost:1113; HeartbeatTimeout=500`):
    /// - `tcp://[user:password@]host[:port]`: one node. Without a port this client uses **1113**, the TCP port;
    ///   the .NET client would substitute 2113 (its HTTP port), which is never what is meant.
    /// - `discover://[user:password@]host[:port]`: resolve `host` in DNS and ask each address's gossip port
    ///   (the URI's port, else `GossipPort`, else 2113).
    ///
    /// In URIs the user and password are percent-decoded (`p%40ss` is `p@ss`; a bare URI ends at the first `;`,
    /// so write `;` as `%3B`) and IPv6 hosts are bracketed.
    ///
    /// - Parameter connectionString: The text to read.
    /// - Returns: The configuration and warnings (unknown keys, repeated keys, settings without effect).
    /// - Throws: ``ConnectionStringError`` naming the key and value at fault.
    ///
    /// ```swift
    /// let parsed = try ClientConfiguration.parse(connectionString: "ConnectTo=tcp://admin:changeit@localhost:1113; MaxRetries=3; Colour=red")
    /// parsed.configuration.maxRetries          // 3
    /// parsed.warnings.first?.key              // "Colour" (unknown key, ignored)
    /// ```
    public static func parse(connectionString: String) throws(ConnectionStringError) -> ParsedConnectionString {
        let text = ConnectionStringLexer.trimmed(connectionString)
        var reader = ConnectionStringReader()
        var rest = Substring(text)
        if let separator = text.range(of: "://"), !text[..<separator.lowerBound].contains(where: { $0 == "=" || $0 == ";" }) {
            let uriEnd = text.firstIndex(of: ";") ?? text.endIndex
            reader.add(ConnectionStringPair(key: "ConnectTo", value: ConnectionStringLexer.trimmed(text[..<uriEnd])))
            rest = uriEnd < text.endIndex ? text[text.index(after: uriEnd)...] : ""
        }
        for pair in try ConnectionStringLexer.pairs(in: String(rest)) { reader.add(pair) }
        return try reader.build()
    }
}

/// Collects pairs (last one wins) and turns them into a configuration.
private struct ConnectionStringReader {
    private var entries: [(key: ConnectionStringKey, name: String, value: String)] = []
    private var warnings: [ConnectionStringWarning] = []

    mutating func add(_ pair: ConnectionStringPair) {
        guard let (name, key) = ConnectionStringKey.lookup(pair.key) else {
            let hint = ConnectionStringKey.suggestion(for: pair.key).map { " (did you mean \($0)?)" } ?? ""
            warnings.append(ConnectionStringWarning(key: pair.key, message: "unknown key, ignored\(hint)"))
            return
        }
        if let earlier = entries.firstIndex(where: { $0.key == key }) {
            warnings.append(ConnectionStringWarning(
                key: name, message: "given more than once; the last value (\(ConnectionStringLexer.quoted(pair.value))) is used"))
            entries.remove(at: earlier)
        }
        entries.append((key, name, pair.value))
    }

    private func entry(_ key: ConnectionStringKey) -> (name: String, value: String)? {
        entries.first { $0.key == key }.map { ($0.name, $0.value) }
    }

    mutating func build() throws(ConnectionStringError) -> ParsedConnectionString {
        var configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "localhost", port: 1113)))
        var tls = TLSOptions()
        for (key, name, value) in entries {
            try apply(key, name: name, value: value, to: &configuration, tls: &tls)
        }
        try resolveDiscovery(&configuration)
        configuration.tls = tls.settings(warnings: &warnings)
        if configuration.nodePreference == .readOnlyReplica, configuration.requireLeader {
            warnings.append(ConnectionStringWarning(
                key: "NodePreference", message: "readonlyreplica with RequireLeader=true: requests will be redirected "
                    + "to the leader (set RequireLeader=false)"))
        }
        return ParsedConnectionString(configuration: configuration, warnings: warnings)
    }

    // MARK: - Settings

    private mutating func apply(_ key: ConnectionStringKey, name: String, value: String, to configuration: inout ClientConfiguration,
                                tls: inout TLSOptions) throws(ConnectionStringError) {
        typealias V = ConnectionStringValues
        switch key {
        case .connectTo, .gossipSeeds, .clusterDns, .defaultUserCredentials:
            _ = try V.nonEmpty(value, key: name)  // resolved together in resolveDiscovery
        case .gossipPort: configuration.gossipPort = try V.port(value, key: name)
        case .heartbeatInterval: configuration.heartbeatInterval = try V.milliseconds(value, key: name)
        case .heartbeatTimeout: configuration.heartbeatTimeout = try V.milliseconds(value, key: name)
        case .maxRetries:
            configuration.maxRetries = try V.integer(value, key: name, atLeast: -1, meaning: "-1 for forever, or 0 or more")
        case .maxReconnections:
            configuration.maxReconnections = try V.integer(value, key: name, atLeast: -1, meaning: "-1 for forever, or 0 or more")
        case .reconnectionDelay: configuration.reconnectionDelay = try V.milliseconds(value, key: name)
        case .operationTimeout: configuration.operationTimeout = try V.milliseconds(value, key: name)
        case .operationTimeoutCheckPeriod: configuration.operationTimeoutCheckPeriod = try V.milliseconds(value, key: name)
        case .queueTimeout: configuration.queueTimeout = try V.milliseconds(value, key: name)
        case .clientConnectionTimeout: configuration.connectTimeout = try V.milliseconds(value, key: name)
        case .maxQueueSize: configuration.maxQueueSize = try V.integer(value, key: name, atLeast: 1, meaning: "at least 1")
        case .maxConcurrentItems:
            configuration.maxConcurrentItems = try V.integer(value, key: name, atLeast: 1, meaning: "at least 1")
        case .maxDiscoverAttempts:
            configuration.maxDiscoverAttempts = try V.integer(value, key: name, atLeast: 1, meaning: "at least 1")
        case .gossipTimeout: configuration.gossipTimeout = try V.milliseconds(value, key: name)
        case .requireLeader: configuration.requireLeader = try V.boolean(value, key: name)
        case .useSslConnection: tls.use = try V.boolean(value, key: name)
        case .validateServer: tls.validateServer = try V.boolean(value, key: name)
        case .targetHost: tls.targetHost = try V.nonEmpty(value, key: name)
        case .trustedCA: tls.trustedCAFile = try V.nonEmpty(value, key: name)
        case .nodePreference: configuration.nodePreference = try V.nodePreference(value, key: name)
        case .connectionName: configuration.connectionName = value
        case .failOnNoServerResponse: configuration.failOnNoServerResponse = try V.boolean(value, key: name)
        case .verboseLogging: _ = try V.boolean(value, key: name)
        case .compatibilityMode, .customHttpMessageHandler, .skipCertificateValidation, .retryAuthenticationOnTimeout:
            warnings.append(ConnectionStringWarning(key: name, message: "a .NET client setting this client does not implement; ignored"))
        }
    }

    // MARK: - Discovery and credentials

    private mutating func resolveDiscovery(_ configuration: inout ClientConfiguration) throws(ConnectionStringError) {
        let clusterDNS = entry(.clusterDns)
        var uriCredentials: UserCredentials?
        switch (entry(.connectTo), entry(.gossipSeeds)) {
        case (.some(let connectTo), .some(let seeds)):
            throw ConnectionStringError(key: nil, message: "\(connectTo.name) and \(seeds.name) cannot both be given; use one")
        case (nil, nil):
            if let clusterDNS {
                throw ConnectionStringError(key: clusterDNS.name, message: "not enough on its own; write "
                                                + "ConnectTo=discover://\(clusterDNS.value):<gossip port> instead")
            }
            throw ConnectionStringError(key: nil, message: "no ConnectTo or GossipSeeds; give ConnectTo=tcp://host:port, "
                                            + "ConnectTo=discover://host:port or GossipSeeds=host:port,…")
        case (.some(let connectTo), nil):
            let uri = try ConnectionURI(parsing: connectTo.value, key: connectTo.name)
            uriCredentials = uri.credentials
            switch uri.scheme {
            case .tcp:
                configuration.discovery = .singleNode(Endpoint(host: uri.host, port: uri.port ?? 1113))
                if let clusterDNS { ignored(clusterDNS.name, because: "ConnectTo is a tcp:// URI") }
            case .discover:
                let port = uri.port ?? (entry(.gossipPort) == nil ? 2113 : configuration.gossipPort)
                configuration.gossipPort = port
                configuration.discovery = .clusterDNS(name: uri.host, gossipPort: port)
                if let clusterDNS, clusterDNS.value.lowercased() != uri.host.lowercased() {
                    ignored(clusterDNS.name, because: "ConnectTo=discover://\(uri.host) names the cluster")
                }
            }
        case (nil, .some(let seeds)):
            configuration.discovery = .gossipSeeds(try HostPort.gossipSeeds(seeds.value, key: seeds.name))
            if let clusterDNS { ignored(clusterDNS.name, because: "GossipSeeds are given") }
        }
        let keyCredentials = try entry(.defaultUserCredentials).map { (entry) throws(ConnectionStringError) in
            try ConnectionStringValues.credentials(entry.value, key: entry.name)
        }
        if uriCredentials != nil, keyCredentials != nil {
            ignored("DefaultUserCredentials", because: "ConnectTo has user:password")
        }
        configuration.defaultCredentials = uriCredentials ?? keyCredentials
    }

    private mutating func ignored(_ name: String, because reason: String) {
        warnings.append(ConnectionStringWarning(key: name, message: "ignored because \(reason)"))
    }
}

/// TLS keys, combined once all pairs are read.
private struct TLSOptions {
    var use: Bool?
    var validateServer: Bool?
    var targetHost: String?
    var trustedCAFile: String?

    func settings(warnings: inout [ConnectionStringWarning]) -> TLSSettings? {
        guard use == true else {
            let given = [("ValidateServer", validateServer != nil), ("TargetHost", targetHost != nil),
                         ("TrustedCA", trustedCAFile != nil)]
            for (name, isGiven) in given where isGiven {
                warnings.append(ConnectionStringWarning(key: name, message: "has no effect without UseSslConnection=true"))
            }
            return nil
        }
        return TLSSettings(validateServer: validateServer ?? true, trustedCAFile: trustedCAFile, targetHost: targetHost)
    }
}
