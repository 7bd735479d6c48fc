import EventStoreClient
import Testing

/// `connectionString` for display (password masked) and for round trips.
@Suite struct ConnectionStringRenderingTests {
    @Test func defaultsRenderOnlyTheEndpoint() {
        let configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "localhost", port: 1113)))
        #expect(configuration.connectionString == "ConnectTo=tcp://localhost:1113")
        #expect(configuration.description == configuration.connectionString)
    }

    @Test func passwordIsMaskedForDisplay() throws {
        let configuration = try ClientConfiguration(connectionString: "tcp://admin:changeit@localhost:1113")
        #expect(configuration.connectionString == "ConnectTo=tcp://admin:****@localhost:1113")
        #expect("\(configuration)" == "ConnectTo=tcp://admin:****@localhost:1113")
        #expect(configuration.connectionString(revealingPassword: true) == "ConnectTo=tcp://admin:changeit@localhost:1113")
        let seeds = try ClientConfiguration(connectionString: "GossipSeeds=a:2113,https://b:2113; DefaultUserCredentials=ops:s3cret")
        #expect(seeds.connectionString == "GossipSeeds=http://a:2113,https://b:2113; DefaultUserCredentials=ops:****")
    }

    @Test func changedSettingsAreListed() throws {
        let configuration = try ClientConfiguration(connectionString:
            "ConnectTo=discover://cluster.example:2114; MaxRetries=-1; HeartbeatTimeout=500; NodePreference=follower; "
                + "UseSslConnection=true; ValidateServer=false; ConnectionName=\"a;b\"")
        #expect(configuration.connectionString == "ConnectTo=discover://cluster.example:2114; NodePreference=follower; "
                    + "HeartbeatTimeout=500; MaxRetries=-1; UseSslConnection=true; ValidateServer=false; ConnectionName=\"a;b\"")
    }

    @Test(arguments: [
        "ConnectTo=tcp://admin:changeit@localhost:1113",
        "ConnectTo=tcp://us%3Aer:p%40ss%3Bw%22rd@[::1]:1113; RequireLeader=false; GossipPort=3000",
        "ConnectTo=discover://admin:changeit@cluster.example:2114; NodePreference=readOnlyReplica; RequireLeader=false",
        "GossipSeeds=http://10.0.0.1:2113,https://[fd00::2]:2113; DefaultUserCredentials=ops:changeit; GossipTimeout=250",
        """
        ConnectTo=tcp://h:1115; HeartbeatInterval=100; HeartbeatTimeout=200; OperationTimeout=300; \
        OperationTimeoutCheckPeriod=400; QueueTimeout=500; MaxRetries=1; MaxReconnections=2; ReconnectionDelay=600; \
        ClientConnectionTimeout=700; MaxQueueSize=8; MaxConcurrentItems=9; FailOnNoServerResponse=true; \
        MaxDiscoverAttempts=3; UseSslConnection=true; TargetHost=h.example; TrustedCA="/etc/my ca.pem"; \
        ConnectionName=" odd ""name"" "
        """,
    ])
    func roundTrip(_ text: String) throws {
        let configuration = try ClientConfiguration(connectionString: text)
        let rendered = configuration.connectionString(revealingPassword: true)
        var again = try ClientConfiguration(connectionString: rendered)
        if ClientConfiguration.isGeneratedNameForTests(configuration.connectionName) {
            again.connectionName = configuration.connectionName
        }
        #expect(again == configuration, "rendered as \(rendered)")
    }
}

extension ClientConfiguration {
    /// `ES-<uuid>`, the default name, which differs per instance.
    static func isGeneratedNameForTests(_ name: String) -> Bool {
        name.hasPrefix("ES-") && name.count == 39
    }
}
