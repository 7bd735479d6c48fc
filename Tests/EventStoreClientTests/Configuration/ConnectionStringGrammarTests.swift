import EventStoreClient
import Testing

/// Connection strings that parse: every key, aliases, quoting, case, spaces, URIs, IPv6.
@Suite struct ConnectionStringGrammarTests {
    static func parse(_ text: String) throws -> ParsedConnectionString {
        try ClientConfiguration.parse(connectionString: text)
    }

    @Test func minimalStringKeepsEveryDefault() throws {
        let parsed = try Self.parse("ConnectTo=tcp://localhost:1113")
        var expected = ClientConfiguration(discovery: .singleNode(Endpoint(host: "localhost", port: 1113)))
        expected.connectionName = parsed.configuration.connectionName
        #expect(parsed.configuration == expected)
        #expect(parsed.warnings.isEmpty)
        #expect(parsed.configuration.connectionName.hasPrefix("ES-"))
    }

    @Test func everyKey() throws {
        let text = """
            ConnectTo=tcp://localhost:1113; GossipPort=2114; HeartbeatInterval=100; HeartbeatTimeout=200; MaxRetries=3;
            MaxReconnections=-1; ReconnectionDelay=300; OperationTimeout=400; OperationTimeoutCheckPeriod=500;
            QueueTimeout=600; ClientConnectionTimeout=700; MaxQueueSize=10; MaxConcurrentItems=20; MaxDiscoverAttempts=4;
            GossipTimeout=800; RequireLeader=false; UseSslConnection=true; ValidateServer=false; TargetHost=node.example;
            TrustedCA=/etc/esdb/ca.pem; NodePreference=Follower; DefaultUserCredentials=ops:secret;
            ConnectionName=billing; FailOnNoServerResponse=true; VerboseLogging=true
            """
        let parsed = try Self.parse(text)
        let c = parsed.configuration
        #expect(parsed.warnings.isEmpty)
        #expect(c.discovery == .singleNode(Endpoint(host: "localhost", port: 1113)))
        #expect(c.gossipPort == 2114)
        #expect(c.heartbeatInterval == .milliseconds(100))
        #expect(c.heartbeatTimeout == .milliseconds(200))
        #expect(c.maxRetries == 3)
        #expect(c.maxReconnections == -1)
        #expect(c.reconnectionDelay == .milliseconds(300))
        #expect(c.operationTimeout == .milliseconds(400))
        #expect(c.operationTimeoutCheckPeriod == .milliseconds(500))
        #expect(c.queueTimeout == .milliseconds(600))
        #expect(c.connectTimeout == .milliseconds(700))
        #expect(c.maxQueueSize == 10)
        #expect(c.maxConcurrentItems == 20)
        #expect(c.maxDiscoverAttempts == 4)
        #expect(c.gossipTimeout == .milliseconds(800))
        #expect(c.requireLeader == false)
        #expect(c.tls == TLSSettings(validateServer: false, trustedCAFile: "/etc/esdb/ca.pem", targetHost: "node.example"))
        #expect(c.nodePreference == .follower)
        #expect(c.defaultCredentials == .password(login: "ops", password: "secret"))
        #expect(c.connectionName == "billing")
        #expect(c.failOnNoServerResponse)
    }

    @Test func keysIgnoreCaseAndSpaces() throws {
        let c = try Self.parse("connectto=tcp://h:1; Max Retries=5; HEART BEAT TIMEOUT=9; HeartBeatInterval=8; max queue size = 7")
            .configuration
        #expect(c.maxRetries == 5)
        #expect(c.heartbeatTimeout == .milliseconds(9))
        #expect(c.heartbeatInterval == .milliseconds(8))
        #expect(c.maxQueueSize == 7)
    }

    @Test func aliases() throws {
        let c = try Self.parse("ConnectTo=discover://cluster.local; RequireMaster=False; ExternalGossipPort=30778; NodePreference=slave")
            .configuration
        #expect(c.requireLeader == false)
        #expect(c.gossipPort == 30778)
        #expect(c.discovery == .clusterDNS(name: "cluster.local", gossipPort: 30778))
        #expect(c.nodePreference == .follower)
        #expect(try Self.parse("ConnectTo=tcp://h:1; NodePreference=MASTER").configuration.nodePreference == .leader)
        #expect(try Self.parse("ConnectTo=tcp://h:1; NodePreference=random").configuration.nodePreference == .random)
        #expect(try Self.parse("ConnectTo=tcp://h:1; NodePreference=leader").configuration.nodePreference == .leader)
    }

    @Test func quotedValuesAndWhitespace() throws {
        #expect(try Self.parse("ConnectTo=tcp://h:1; ConnectionName=\"a;b=c\"").configuration.connectionName == "a;b=c")
        #expect(try Self.parse("ConnectTo=tcp://h:1; ConnectionName='it''s'").configuration.connectionName == "it's")
        #expect(try Self.parse("ConnectTo=tcp://h:1; ConnectionName=\"say \"\"hi\"\"\"").configuration.connectionName == "say \"hi\"")
        #expect(try Self.parse("ConnectTo=tcp://h:1; ConnectionName=\"  padded  \"  ;").configuration.connectionName == "  padded  ")
        #expect(try Self.parse("  ConnectTo = tcp://h:1 ;;  ConnectionName =  spaced out  ; ").configuration.connectionName == "spaced out")
        #expect(try Self.parse("ConnectTo=\"tcp://admin:changeit@h:1\"").configuration.defaultCredentials
            == .password(login: "admin", password: "changeit"))
    }

    @Test func tcpURIs() throws {
        let full = try Self.parse("ConnectTo=tcp://admin:changeit@db.example:1113").configuration
        #expect(full.discovery == .singleNode(Endpoint(host: "db.example", port: 1113)))
        #expect(full.defaultCredentials == .password(login: "admin", password: "changeit"))
        // Without a port this client uses 1113 (the .NET client would use 2113).
        #expect(try Self.parse("ConnectTo=tcp://db.example").configuration.discovery == .singleNode(Endpoint(host: "db.example", port: 1113)))
        #expect(try Self.parse("ConnectTo=TCP://DB:1113/").configuration.discovery == .singleNode(Endpoint(host: "DB", port: 1113)))
        let encoded = try Self.parse("ConnectTo=tcp://us%3Aer:p%40ss%3Bw0rd@h:1").configuration
        #expect(encoded.defaultCredentials == .password(login: "us:er", password: "p@ss;w0rd"))
    }

    @Test func bareURIs() throws {
        let tcp = try Self.parse("tcp://admin:changeit@localhost:1113")
        #expect(tcp.configuration.discovery == .singleNode(Endpoint(host: "localhost", port: 1113)))
        #expect(tcp.configuration.defaultCredentials == .password(login: "admin", password: "changeit"))
        #expect(try Self.parse("  tcp://localhost  ").configuration.discovery == .singleNode(Endpoint(host: "localhost", port: 1113)))
        let discover = try Self.parse("discover://admin:changeit@cluster.example:2114").configuration
        #expect(discover.discovery == .clusterDNS(name: "cluster.example", gossipPort: 2114))
        #expect(discover.gossipPort == 2114)
        #expect(discover.defaultCredentials == .password(login: "admin", password: "changeit"))
        #expect(try Self.parse("discover://cluster.example").configuration.discovery == .clusterDNS(name: "cluster.example", gossipPort: 2113))
        let withPairs = try Self.parse("tcp://admin:pa%3Bss@localhost:1113 ; HeartbeatTimeout=500;MaxRetries=2")
        #expect(withPairs.configuration.discovery == .singleNode(Endpoint(host: "localhost", port: 1113)))
        #expect(withPairs.configuration.defaultCredentials == .password(login: "admin", password: "pa;ss"))
        #expect(withPairs.configuration.heartbeatTimeout == .milliseconds(500))
        #expect(withPairs.configuration.maxRetries == 2)
        let viaInit = try ClientConfiguration(connectionString: "tcp://127.0.0.1:1113")
        #expect(viaInit.discovery == .singleNode(Endpoint(host: "127.0.0.1", port: 1113)))
    }

    @Test func discoverURIPortWinsOverGossipPort() throws {
        #expect(try Self.parse("ConnectTo=discover://c:3000; GossipPort=4000").configuration.discovery
            == .clusterDNS(name: "c", gossipPort: 3000))
        #expect(try Self.parse("GossipPort=4000; ConnectTo=discover://c").configuration.discovery == .clusterDNS(name: "c", gossipPort: 4000))
    }

    @Test func ipv6Literals() throws {
        #expect(try Self.parse("ConnectTo=tcp://[::1]:1113").configuration.discovery == .singleNode(Endpoint(host: "::1", port: 1113)))
        let withCredentials = try Self.parse("tcp://admin:changeit@[2001:db8::7]").configuration
        #expect(withCredentials.discovery == .singleNode(Endpoint(host: "2001:db8::7", port: 1113)))
        #expect(withCredentials.defaultCredentials == .password(login: "admin", password: "changeit"))
        #expect(try Self.parse("discover://[::1]:2113").configuration.discovery == .clusterDNS(name: "::1", gossipPort: 2113))
        let seeds = try Self.parse("GossipSeeds=[fd00::1]:2113, http://[fd00::2]:2114").configuration.discovery
        #expect(seeds == .gossipSeeds([GossipSeed(endpoint: Endpoint(host: "fd00::1", port: 2113)),
                                       GossipSeed(endpoint: Endpoint(host: "fd00::2", port: 2114))]))
        #expect(Endpoint(host: "::1", port: 1113).description == "[::1]:1113")
    }

    @Test func gossipSeeds() throws {
        let parsed = try Self.parse("GossipSeeds=10.0.0.1:2113, http://10.0.0.2:2113 ,https://node3.example:2113/,;"
                                        + "DefaultUserCredentials=admin:changeit; GossipTimeout=250")
        #expect(parsed.configuration.discovery == .gossipSeeds([
            GossipSeed(endpoint: Endpoint(host: "10.0.0.1", port: 2113)),
            GossipSeed(endpoint: Endpoint(host: "10.0.0.2", port: 2113), secure: false),
            GossipSeed(endpoint: Endpoint(host: "node3.example", port: 2113), secure: true),
        ]))
        #expect(parsed.configuration.defaultCredentials == .password(login: "admin", password: "changeit"))
        #expect(parsed.configuration.gossipTimeout == .milliseconds(250))
        #expect(parsed.warnings.isEmpty)
    }

    @Test func lastValueWinsAndIsReported() throws {
        let parsed = try Self.parse("ConnectTo=tcp://h:1; MaxRetries=1; max retries=2; RequireLeader=true; RequireMaster=false")
        #expect(parsed.configuration.maxRetries == 2)
        #expect(parsed.configuration.requireLeader == false)
        #expect(parsed.warnings.map(\.description) == [
            "MaxRetries: given more than once; the last value (\"2\") is used",
            "RequireMaster: given more than once; the last value (\"false\") is used",
        ])
    }

    @Test func unknownAndIgnoredKeysBecomeWarnings() throws {
        let parsed = try Self.parse("ConnectTo=tcp://h:1; MaxRetrys=3; Colour=blue; CompatibilityMode=auto; VerboseLogging=false; "
                                        + "ClusterDns=other.example; ValidateServer=true; TrustedCA=/ca.pem")
        #expect(parsed.configuration.maxRetries == 10)
        #expect(parsed.configuration.tls == nil)
        #expect(parsed.warnings.map(\.description) == [
            "MaxRetrys: unknown key, ignored (did you mean MaxRetries?)",
            "Colour: unknown key, ignored",
            "CompatibilityMode: a .NET client setting this client does not implement; ignored",
            "ClusterDns: ignored because ConnectTo is a tcp:// URI",
            "ValidateServer: has no effect without UseSslConnection=true",
            "TrustedCA: has no effect without UseSslConnection=true",
        ])
        #expect(parsed.warnings[0].key == "MaxRetrys")
    }

    @Test func clusterDnsWithDiscoverURI() throws {
        let same = try Self.parse("ClusterDns=Cluster.Example; ConnectTo=discover://cluster.example:2113")
        #expect(same.warnings.isEmpty)
        let different = try Self.parse("ClusterDns=a.example; ConnectTo=discover://b.example:2113")
        #expect(different.configuration.discovery == .clusterDNS(name: "b.example", gossipPort: 2113))
        #expect(different.warnings.map(\.description) == ["ClusterDns: ignored because ConnectTo=discover://b.example names the cluster"])
        let seeds = try Self.parse("ClusterDns=a.example; GossipSeeds=a:1")
        #expect(seeds.warnings.map(\.description) == ["ClusterDns: ignored because GossipSeeds are given"])
    }

    @Test func credentialsInURIWinOverKey() throws {
        let parsed = try Self.parse("DefaultUserCredentials=ops:changeit; ConnectTo=tcp://admin:changeit@h:1")
        #expect(parsed.configuration.defaultCredentials == .password(login: "admin", password: "changeit"))
        #expect(parsed.warnings.map(\.description) == ["DefaultUserCredentials: ignored because ConnectTo has user:password"])
        let keyOnly = try Self.parse("ConnectTo=tcp://h:1; DefaultUserCredentials=ops:")
        #expect(keyOnly.configuration.defaultCredentials == .password(login: "ops", password: ""))
    }

    @Test func tlsDefaultsAndReadOnlyWarning() throws {
        let tls = try Self.parse("ConnectTo=tcp://h:1115; UseSslConnection=TRUE").configuration.tls
        #expect(tls == TLSSettings(validateServer: true, trustedCAFile: nil, targetHost: nil))
        #expect(try Self.parse("ConnectTo=tcp://h:1; UseSslConnection=false").configuration.tls == nil)
        let replica = try Self.parse("ConnectTo=tcp://h:1; NodePreference=ReadOnlyReplica")
        #expect(replica.configuration.nodePreference == .readOnlyReplica)
        #expect(replica.warnings.map(\.key) == ["NodePreference"])
        #expect(try Self.parse("ConnectTo=tcp://h:1; NodePreference=read_only_replica; RequireLeader=false").warnings.isEmpty)
    }
}
