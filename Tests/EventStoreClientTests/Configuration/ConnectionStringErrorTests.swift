import EventStoreClient
import Testing

/// Every connection-string error names the key and value precisely.
@Suite struct ConnectionStringErrorTests {
    static let cases: [(String, String)] = [
        // Value types
        ("ConnectTo=tcp://h:1; MaxRetries=abc", #"MaxRetries: "abc" is not an integer"#),
        ("ConnectTo=tcp://h:1; Max Retries=abc", #"MaxRetries: "abc" is not an integer"#),
        ("ConnectTo=tcp://h:1; MaxRetries=-2", #"MaxRetries: "-2" is out of range (-1 for forever, or 0 or more)"#),
        ("ConnectTo=tcp://h:1; MaxReconnections=1.5", #"MaxReconnections: "1.5" is not an integer"#),
        ("ConnectTo=tcp://h:1; MaxQueueSize=0", #"MaxQueueSize: "0" is out of range (at least 1)"#),
        ("ConnectTo=tcp://h:1; MaxConcurrentItems=-1", #"MaxConcurrentItems: "-1" is out of range (at least 1)"#),
        ("ConnectTo=tcp://h:1; MaxDiscoverAttempts=0", #"MaxDiscoverAttempts: "0" is out of range (at least 1)"#),
        ("ConnectTo=tcp://h:1; HeartbeatTimeout=1s", #"HeartbeatTimeout: "1s" is not a whole number of milliseconds"#),
        ("ConnectTo=tcp://h:1; GossipTimeout=-5", #"GossipTimeout: "-5" is negative (expected milliseconds ≥ 0)"#),
        ("ConnectTo=tcp://h:1; OperationTimeout=", #"OperationTimeout: "" is not a whole number of milliseconds"#),
        ("ConnectTo=tcp://h:1; UseSslConnection=yes", #"UseSslConnection: "yes" is not a boolean (true or false)"#),
        ("ConnectTo=tcp://h:1; RequireMaster=maybe", #"RequireMaster: "maybe" is not a boolean (true or false)"#),
        ("ConnectTo=tcp://h:1; VerboseLogging=1", #"VerboseLogging: "1" is not a boolean (true or false)"#),
        ("ConnectTo=tcp://h:1; GossipPort=70000", #"GossipPort: "70000" is not a port number (1...65535)"#),
        ("ConnectTo=tcp://h:1; NodePreference=best",
         #"NodePreference: "best" is not one of leader, follower, random, readonlyreplica"#),
        ("ConnectTo=tcp://h:1; DefaultUserCredentials=admin", "DefaultUserCredentials: expected user:password"),
        ("ConnectTo=tcp://h:1; DefaultUserCredentials=a:b:c", "DefaultUserCredentials: expected user:password"),
        ("ConnectTo=tcp://h:1; DefaultUserCredentials=:pw", "DefaultUserCredentials: expected user:password (the user is empty)"),
        ("ConnectTo=tcp://h:1; TargetHost=", "TargetHost: the value is empty"),
        ("ConnectTo=tcp://h:1; TrustedCA=''", "TrustedCA: the value is empty"),
        // ConnectTo
        ("ConnectTo=", "ConnectTo: the value is empty"),
        ("ConnectTo=http://h:2113", #"ConnectTo: unsupported scheme "http" (expected tcp:// or discover://)"#),
        ("https://h:2113", #"ConnectTo: unsupported scheme "https" (expected tcp:// or discover://)"#),
        ("ConnectTo=localhost:1113", #"ConnectTo: "localhost:1113" is not a URI (expected tcp://host:port or discover://host:port)"#),
        ("ConnectTo=tcp://h:abc", #"ConnectTo: "tcp://h:abc" has port "abc", which is not a number"#),
        ("ConnectTo=tcp://h:0", #"ConnectTo: "tcp://h:0" has port 0, which is out of range (1...65535)"#),
        ("ConnectTo=tcp://h:65536", #"ConnectTo: "tcp://h:65536" has port 65536, which is out of range (1...65535)"#),
        ("ConnectTo=tcp://:1113", #"ConnectTo: "tcp://:1113" has no host"#),
        ("ConnectTo=tcp://::1:1113", #"ConnectTo: "tcp://::1:1113" has an IPv6 address that is not in brackets (write [::1]:1113)"#),
        ("ConnectTo=tcp://[::1:1113", #"ConnectTo: "tcp://[::1:1113" has an IPv6 address without the closing "]""#),
        ("ConnectTo=tcp://[::1]1113", #"ConnectTo: "tcp://[::1]1113" has unexpected text after the IPv6 address"#),
        ("ConnectTo=tcp://[]:1113", #"ConnectTo: "tcp://[]:1113" has no host"#),
        ("ConnectTo=tcp://admin@h:1113", #"ConnectTo: expected user:password before "@""#),
        ("ConnectTo=tcp://a:b:c@h:1113", #"ConnectTo: expected user:password before "@""#),
        ("ConnectTo=tcp://a:b%zz@h:1113", "ConnectTo: invalid percent-encoding in the user:password part"),
        ("ConnectTo=tcp://h:1113/path", #"ConnectTo: unexpected "/path" after the host and port"#),
        ("tcp://h:1113; MaxRetries=x", #"MaxRetries: "x" is not an integer"#),
        ("tcp://h:1113; GossipSeeds=a:1", "ConnectTo and GossipSeeds cannot both be given; use one"),
        // GossipSeeds
        ("GossipSeeds=node1", #"GossipSeeds: "node1" has no port (expected host:port)"#),
        ("GossipSeeds=a:1,b", #"GossipSeeds: "b" has no port (expected host:port)"#),
        ("GossipSeeds=tcp://a:1", #"GossipSeeds: unsupported scheme "tcp" in "tcp://a:1" (use http:// or https://)"#),
        ("GossipSeeds=a:x", #"GossipSeeds: "a:x" has port "x", which is not a number"#),
        ("GossipSeeds=, ,", "GossipSeeds: no seeds given (expected host:port,…)"),
        // Shape
        ("ConnectTo=tcp://h:1; GossipSeeds=a:1", "ConnectTo and GossipSeeds cannot both be given; use one"),
        ("MaxRetries=1", "no ConnectTo or GossipSeeds; give ConnectTo=tcp://host:port, ConnectTo=discover://host:port or GossipSeeds=host:port,…"),
        ("", "no ConnectTo or GossipSeeds; give ConnectTo=tcp://host:port, ConnectTo=discover://host:port or GossipSeeds=host:port,…"),
        ("ClusterDns=cluster.example", "ClusterDns: not enough on its own; write ConnectTo=discover://cluster.example:<gossip port> instead"),
        ("ConnectTo", #"expected key=value but found "ConnectTo""#),
        ("ConnectTo=tcp://h:1; junk; MaxRetries=1", #"expected key=value but found "junk""#),
        ("=tcp://h:1", #"a value has no key ("=" at the start of a pair)"#),
        ("ConnectTo=tcp://h:1; ConnectionName=\"abc", #"ConnectionName: the quoted value has no closing ""#),
        ("ConnectTo=tcp://h:1; ConnectionName=\"a\" b; MaxRetries=1", #"ConnectionName: unexpected "b" after the closing ""#),
    ]

    @Test(arguments: cases)
    func message(_ text: String, _ expected: String) {
        #expect(throws: ConnectionStringError.self) { try ClientConfiguration(connectionString: text) }
        do throws(ConnectionStringError) {
            _ = try ClientConfiguration(connectionString: text)
        } catch {
            #expect(error.description == expected, "for \(text)")
        }
    }

    @Test func errorsCarryTheKey() {
        do throws(ConnectionStringError) {
            _ = try ClientConfiguration(connectionString: "ConnectTo=tcp://h:1; max retries=x")
            Issue.record("no error")
        } catch {
            #expect(error.key == "MaxRetries")
            #expect(error.message == #""x" is not an integer"#)
        }
        do throws(ConnectionStringError) {
            _ = try ClientConfiguration(connectionString: "ConnectTo=tcp://h:1; GossipSeeds=a:1")
            Issue.record("no error")
        } catch {
            #expect(error.key == nil)
        }
    }
}
