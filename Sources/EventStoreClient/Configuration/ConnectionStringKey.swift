/// The settings a connection string can name.
enum ConnectionStringKey: Sendable, Hashable, CaseIterable {
    case connectTo, gossipSeeds, clusterDns, gossipPort
    case heartbeatInterval, heartbeatTimeout
    case maxRetries, maxReconnections, reconnectionDelay
    case operationTimeout, operationTimeoutCheckPeriod, queueTimeout, clientConnectionTimeout
    case maxQueueSize, maxConcurrentItems, maxDiscoverAttempts, gossipTimeout
    case requireLeader, useSslConnection, validateServer, targetHost, trustedCA
    case nodePreference, defaultUserCredentials, connectionName, failOnNoServerResponse, verboseLogging
    /// .NET client settings this client accepts but does not implement.
    case compatibilityMode, customHttpMessageHandler, skipCertificateValidation, retryAuthenticationOnTimeout

    /// Every accepted spelling, as the .NET field name; matching ignores case and spaces.
    static let spellings: [(name: String, key: ConnectionStringKey)] = [
        ("ConnectTo", .connectTo), ("GossipSeeds", .gossipSeeds), ("ClusterDns", .clusterDns),
        ("GossipPort", .gossipPort), ("ExternalGossipPort", .gossipPort),
        ("HeartbeatInterval", .heartbeatInterval), ("HeartbeatTimeout", .heartbeatTimeout),
        ("MaxRetries", .maxRetries), ("MaxReconnections", .maxReconnections), ("ReconnectionDelay", .reconnectionDelay),
        ("OperationTimeout", .operationTimeout), ("OperationTimeoutCheckPeriod", .operationTimeoutCheckPeriod),
        ("QueueTimeout", .queueTimeout), ("ClientConnectionTimeout", .clientConnectionTimeout),
        ("MaxQueueSize", .maxQueueSize), ("MaxConcurrentItems", .maxConcurrentItems),
        ("MaxDiscoverAttempts", .maxDiscoverAttempts), ("GossipTimeout", .gossipTimeout),
        ("RequireLeader", .requireLeader), ("RequireMaster", .requireLeader),
        ("UseSslConnection", .useSslConnection), ("ValidateServer", .validateServer), ("TargetHost", .targetHost),
        ("TrustedCA", .trustedCA), ("NodePreference", .nodePreference),
        ("DefaultUserCredentials", .defaultUserCredentials), ("ConnectionName", .connectionName),
        ("FailOnNoServerResponse", .failOnNoServerResponse), ("VerboseLogging", .verboseLogging),
        ("CompatibilityMode", .compatibilityMode), ("CustomHttpMessageHandler", .customHttpMessageHandler),
        ("SkipCertificateValidation", .skipCertificateValidation),
        ("RetryAuthenticationOnTimeout", .retryAuthenticationOnTimeout),
    ]

    private static let byNormalizedName: [String: (name: String, key: ConnectionStringKey)] = Dictionary(
        spellings.map { (normalize($0.name), $0) }, uniquingKeysWith: { first, _ in first })

    /// The key and its canonical spelling (`RequireMaster` stays `RequireMaster`) for a key as written.
    static func lookup(_ written: String) -> (name: String, key: ConnectionStringKey)? {
        byNormalizedName[normalize(written)]
    }

    /// The canonical spelling used in messages and renderings.
    var name: String { Self.spellings.first { $0.key == self }!.name }

    /// Lower case without spaces: `Max Retries` and `maxretries` both become `maxretries`.
    static func normalize(_ written: String) -> String {
        String(written.lowercased().filter { !$0.isWhitespace })
    }

    /// The closest known spelling to an unknown key, when it is a likely typo (edit distance ≤ 2).
    static func suggestion(for written: String) -> String? {
        let target = Array(normalize(written))
        var best: (name: String, distance: Int)?
        for spelling in spellings {
            let distance = editDistance(target, Array(normalize(spelling.name)))
            if distance <= 2, distance < (best?.distance ?? .max) { best = (spelling.name, distance) }
        }
        return best?.name
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
