import EventStoreClient
import EventStoreWire
import Foundation
import Testing

/// Parsing `/gossip` JSON in the 5.x and 20.x shapes.
@Suite struct GossipDocumentTests {
    @Test func fiveXShape() throws {
        let document = try GossipDocument(parsing: GossipFixtures.v5)
        #expect(document.server == Endpoint(host: "10.0.0.1", port: 2113))
        #expect(document.members.map(\.state) == [.master, .slave, .slave, .manager])
        #expect(document.members.map(\.isAlive) == [true, true, false, true])
        let master = document.members[0]
        #expect(master.instanceID == UUID(uuidString: "9a1c3b1e-2f11-4a7c-9a58-0d7a2f3f1b01"))
        #expect(master.externalTCP == Endpoint(host: "10.0.0.1", port: 1113))
        #expect(master.externalSecureTCP == nil)
        #expect(master.internalTCP == Endpoint(host: "10.0.0.1", port: 1112))
        #expect(master.http == Endpoint(host: "10.0.0.1", port: 2113))
        #expect(master.isReadOnlyReplica == false)
        #expect(master.lastCommitPosition == 1_048_576)
        #expect(master.writerCheckpoint == 1_050_000)
        #expect(master.chaserCheckpoint == 1_050_000)
        #expect(master.epochPosition == 524_288)
        #expect(master.epochNumber == 3)
        #expect(master.epochID == UUID(uuidString: "4b5f3e2a-1c9d-4e8f-a7b6-c5d4e3f2a1b0"))
        #expect(master.timeStamp == "2020-06-01T10:15:30.1234567Z")
        #expect(master.serverVersion == nil)
        let manager = document.members[3]
        #expect(manager.externalTCP == nil)
        #expect(manager.http == Endpoint(host: "10.0.0.9", port: 30778))
        #expect(manager.epochNumber == -1)
    }

    @Test func twentyXShapeWithTLS() throws {
        let document = try GossipDocument(parsing: GossipFixtures.v20)
        #expect(document.members.map(\.state) == [.leader, .follower, .readOnlyReplica])
        #expect(document.members.map(\.isReadOnlyReplica) == [false, false, true])
        let leader = document.members[0]
        #expect(leader.externalTCP == nil)
        #expect(leader.externalSecureTCP == Endpoint(host: "node1.esdb.local", port: 1113))
        #expect(leader.http == Endpoint(host: "node1.esdb.local", port: 2113))
        #expect(leader.serverVersion == "23.10.0")
        #expect(document.members[2].serverVersion == nil)
        #expect(leader.clientEndpoint(useTLS: true) == Endpoint(host: "node1.esdb.local", port: 1113))
        #expect(leader.clientEndpoint(useTLS: false) == nil)
        #expect(document.server == Endpoint(host: "node1.esdb.local", port: 2113))
    }

    @Test func statesAreOpenStrings() throws {
        let document = try GossipDocument(parsing: GossipFixtures.v20Transition)
        #expect(document.members.map(\.state) == [.resigningLeader, .follower, .other("Archiving")])
        #expect(document.members[2].state.name == "Archiving")
        #expect(document.members[2].state.clientStrength == nil)
        #expect(document.server == nil)
        let names = ["Initializing", "DiscoverLeader", "Unknown", "PreReplica", "CatchingUp", "Clone", "Follower", "Slave",
                     "PreLeader", "PreMaster", "Leader", "Master", "Manager", "ShuttingDown", "Shutdown", "ReadOnlyLeaderless",
                     "PreReadOnlyReplica", "ReadOnlyReplica", "ResigningLeader"]
        for name in names {
            let state = NodeState(name: name)
            #expect(state.name == name)
            #expect(NodeState(name: name.uppercased()) == state)
            if case .other = state { Issue.record("\(name) not known") }
        }
    }

    @Test func securePortWinsOnlyWithTLS() {
        let member = ClusterMember(state: .leader, externalTCP: Endpoint(host: "h", port: 1113),
                                   externalSecureTCP: Endpoint(host: "h", port: 1115))
        #expect(member.clientEndpoint(useTLS: false) == Endpoint(host: "h", port: 1113))
        #expect(member.clientEndpoint(useTLS: true) == Endpoint(host: "h", port: 1115))
        #expect(member.description == "Leader h:1113")
    }

    @Test func nullsCountAsAbsentAndUnknownKeysAreIgnored() throws {
        let text = #"{"members":[{"state":"Leader","isAlive":true,"externalTcpIp":"h","externalTcpPort":1113,"#
            + #""instanceId":null,"httpEndPointIp":null,"externalHttpIp":"h","externalHttpPort":2113,"future":[1,{"x":2}]}]}"#
        let member = try #require(GossipDocument(parsing: text).members.first)
        #expect(member.instanceID == nil)
        #expect(member.http == Endpoint(host: "h", port: 2113))
        #expect(member.nodePriority == 0)
    }

    @Test(arguments: [
        ("<html>", "invalid JSON at byte 0: unexpected character '<'"),
        ("[]", "the gossip document is not a JSON object"),
        ("{}", #"the gossip document has no "members" array"#),
        (#"{"members":{}}"#, #""members" is not an array"#),
        (#"{"members":[1]}"#, "member 0 is not a JSON object"),
        (#"{"members":[{"isAlive":true}]}"#, #"member 0 has no "state""#),
        (#"{"members":[{"state":"Leader"}]}"#, #"member 0 has no "isAlive""#),
        (#"{"members":[{"state":"Leader","isAlive":"yes"}]}"#, #"member 0 has "isAlive" that is not a boolean"#),
        (#"{"members":[{"state":7,"isAlive":true}]}"#, #"member 0 has "state" that is not a string"#),
        (#"{"members":[{"state":"Leader","isAlive":true},{"state":"Follower","isAlive":true,"externalTcpIp":"h","externalTcpPort":"1113"}]}"#,
         #"member 1 has "externalTcpPort" that is not an integer"#),
        (#"{"members":[{"state":"Leader","isAlive":true,"externalTcpIp":"h","externalTcpPort":70000}]}"#,
         #"member 0 has "externalTcpPort" 70000, which is not a port number"#),
        (#"{"members":[],"serverIp":"h","serverPort":true}"#, #"gossip document has "serverPort" that is not an integer"#),
    ])
    func errors(_ text: String, _ message: String) {
        #expect(throws: GossipParseError(message)) { try GossipDocument(parsing: text) }
    }

    @Test func readsAnAlreadyParsedValue() throws {
        let json = try JSONValue(parsing: GossipFixtures.v5)
        #expect(try GossipDocument(json: json) == GossipDocument(parsing: GossipFixtures.v5))
    }
}
