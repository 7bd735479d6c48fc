import EventStoreClient

/// Small, realistic `/gossip?format=json` documents.
enum GossipFixtures {
    /// A 5.x three-node cluster: Master, Slave, Slave (one of them dead), plus a Manager.
    static let v5 = """
        {
          "members": [
            {
              "instanceId": "9a1c3b1e-2f11-4a7c-9a58-0d7a2f3f1b01",
              "timeStamp": "2020-06-01T10:15:30.1234567Z",
              "state": "Master",
              "isAlive": true,
              "internalTcpIp": "10.0.0.1", "internalTcpPort": 1112, "internalSecureTcpPort": 0,
              "externalTcpIp": "10.0.0.1", "externalTcpPort": 1113, "externalSecureTcpPort": 0,
              "internalHttpIp": "10.0.0.1", "internalHttpPort": 2112,
              "externalHttpIp": "10.0.0.1", "externalHttpPort": 2113,
              "lastCommitPosition": 1048576, "writerCheckpoint": 1050000, "chaserCheckpoint": 1050000,
              "epochPosition": 524288, "epochNumber": 3, "epochId": "4b5f3e2a-1c9d-4e8f-a7b6-c5d4e3f2a1b0",
              "nodePriority": 0
            },
            {
              "instanceId": "9a1c3b1e-2f11-4a7c-9a58-0d7a2f3f1b02",
              "timeStamp": "2020-06-01T10:15:30.2234567Z",
              "state": "Slave",
              "isAlive": true,
              "internalTcpIp": "10.0.0.2", "internalTcpPort": 1112, "internalSecureTcpPort": 0,
              "externalTcpIp": "10.0.0.2", "externalTcpPort": 1113, "externalSecureTcpPort": 0,
              "internalHttpIp": "10.0.0.2", "internalHttpPort": 2112,
              "externalHttpIp": "10.0.0.2", "externalHttpPort": 2113,
              "lastCommitPosition": 1048576, "writerCheckpoint": 1050000, "chaserCheckpoint": 1049000,
              "epochPosition": 524288, "epochNumber": 3, "epochId": "4b5f3e2a-1c9d-4e8f-a7b6-c5d4e3f2a1b0",
              "nodePriority": 0
            },
            {
              "instanceId": "9a1c3b1e-2f11-4a7c-9a58-0d7a2f3f1b03",
              "timeStamp": "2020-06-01T10:14:01.0000000Z",
              "state": "Slave",
              "isAlive": false,
              "internalTcpIp": "10.0.0.3", "internalTcpPort": 1112, "internalSecureTcpPort": 0,
              "externalTcpIp": "10.0.0.3", "externalTcpPort": 1113, "externalSecureTcpPort": 0,
              "internalHttpIp": "10.0.0.3", "internalHttpPort": 2112,
              "externalHttpIp": "10.0.0.3", "externalHttpPort": 2113,
              "lastCommitPosition": 1000000, "writerCheckpoint": 1000000, "chaserCheckpoint": 1000000,
              "epochPosition": 524288, "epochNumber": 3, "epochId": "4b5f3e2a-1c9d-4e8f-a7b6-c5d4e3f2a1b0",
              "nodePriority": 0
            },
            {
              "instanceId": "00000000-0000-0000-0000-000000000000",
              "timeStamp": "2020-06-01T10:15:29.9000000Z",
              "state": "Manager",
              "isAlive": true,
              "internalTcpIp": "10.0.0.9", "internalTcpPort": 0, "internalSecureTcpPort": 0,
              "externalTcpIp": "10.0.0.9", "externalTcpPort": 0, "externalSecureTcpPort": 0,
              "internalHttpIp": "10.0.0.9", "internalHttpPort": 30777,
              "externalHttpIp": "10.0.0.9", "externalHttpPort": 30778,
              "lastCommitPosition": -1, "writerCheckpoint": -1, "chaserCheckpoint": -1,
              "epochPosition": -1, "epochNumber": -1, "epochId": "00000000-0000-0000-0000-000000000000",
              "nodePriority": 0
            }
          ],
          "serverIp": "10.0.0.1",
          "serverPort": 2113
        }
        """

    /// A 20.x/23.x cluster over TLS: Leader, Follower, ReadOnlyReplica; client TCP only on the secure port.
    static let v20 = """
        {"members":[
          {"instanceId":"6e0e3a0c-4b1a-4c55-8d4e-2c7a8c9b0a11","timeStamp":"2023-10-02T08:00:00.4567891Z",
           "state":"Leader","isAlive":true,
           "internalTcpIp":"node1.esdb.local","internalTcpPort":1112,"internalSecureTcpPort":0,
           "externalTcpIp":"node1.esdb.local","externalTcpPort":0,"externalSecureTcpPort":1113,
           "httpEndPointIp":"node1.esdb.local","httpEndPointPort":2113,
           "lastCommitPosition":8192,"writerCheckpoint":8300,"chaserCheckpoint":8300,
           "epochPosition":4096,"epochNumber":1,"epochId":"0f5ac1de-8f0e-4c3b-9a2e-1a2b3c4d5e6f",
           "nodePriority":0,"isReadOnlyReplica":false,"esVersion":"23.10.0"},
          {"instanceId":"6e0e3a0c-4b1a-4c55-8d4e-2c7a8c9b0a12","timeStamp":"2023-10-02T08:00:00.5567891Z",
           "state":"Follower","isAlive":true,
           "internalTcpIp":"node2.esdb.local","internalTcpPort":1112,"internalSecureTcpPort":0,
           "externalTcpIp":"node2.esdb.local","externalTcpPort":0,"externalSecureTcpPort":1113,
           "httpEndPointIp":"node2.esdb.local","httpEndPointPort":2113,
           "lastCommitPosition":8192,"writerCheckpoint":8300,"chaserCheckpoint":8250,
           "epochPosition":4096,"epochNumber":1,"epochId":"0f5ac1de-8f0e-4c3b-9a2e-1a2b3c4d5e6f",
           "nodePriority":0,"isReadOnlyReplica":false,"esVersion":"23.10.0"},
          {"instanceId":"6e0e3a0c-4b1a-4c55-8d4e-2c7a8c9b0a13","timeStamp":"2023-10-02T08:00:00.6567891Z",
           "state":"ReadOnlyReplica","isAlive":true,
           "internalTcpIp":"node3.esdb.local","internalTcpPort":1112,"internalSecureTcpPort":0,
           "externalTcpIp":"node3.esdb.local","externalTcpPort":0,"externalSecureTcpPort":1113,
           "httpEndPointIp":"node3.esdb.local","httpEndPointPort":2113,
           "lastCommitPosition":8192,"writerCheckpoint":8300,"chaserCheckpoint":8200,
           "epochPosition":4096,"epochNumber":1,"epochId":"0f5ac1de-8f0e-4c3b-9a2e-1a2b3c4d5e6f",
           "nodePriority":0,"isReadOnlyReplica":true,"esVersion":null}
        ],"serverIp":"node1.esdb.local","serverPort":2113}
        """

    /// A 20.10 insecure cluster in transition: a resigning leader, a follower, a node in a state no client knows.
    static let v20Transition = """
        {"members":[
          {"instanceId":"11111111-2222-3333-4444-555555555501","state":"ResigningLeader","isAlive":true,
           "externalTcpIp":"127.0.0.1","externalTcpPort":1113,"externalSecureTcpPort":0,
           "httpEndPointIp":"127.0.0.1","httpEndPointPort":2113,"isReadOnlyReplica":false},
          {"instanceId":"11111111-2222-3333-4444-555555555502","state":"follower","isAlive":true,
           "externalTcpIp":"127.0.0.1","externalTcpPort":2113,"externalSecureTcpPort":0,
           "httpEndPointIp":"127.0.0.1","httpEndPointPort":2114,"isReadOnlyReplica":false},
          {"instanceId":"11111111-2222-3333-4444-555555555503","state":"Archiving","isAlive":true,
           "externalTcpIp":"127.0.0.1","externalTcpPort":3113,"externalSecureTcpPort":0,
           "httpEndPointIp":"127.0.0.1","httpEndPointPort":2115,"isReadOnlyReplica":false}
        ]}
        """
}

extension ClusterMember {
    /// A plain-TCP member at `host:port` with HTTP on `port + 1000`.
    static func fixture(_ state: NodeState, _ host: String, _ port: Int = 1113, alive: Bool = true) -> ClusterMember {
        ClusterMember(state: state, isAlive: alive, externalTCP: Endpoint(host: host, port: port),
                      http: Endpoint(host: host, port: port + 1000))
    }
}
