import EventStoreWire
import Foundation

/// Why a gossip response could not be read.
///
/// ```swift
/// do { _ = try GossipDocument(parsing: "[]") } catch { print(error.message) }
/// ```
public struct GossipParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, e.g. `member 1: "isAlive" is not a boolean`.
    public var message: String

    /// An error with this message.
    public init(_ message: String) { self.message = message }

    /// A readable one-line form, for logs and error messages.
    public var description: String { message }
}

/// The body of `GET /gossip?format=json`: the cluster's members as one node sees them.
///
/// Both shapes are read (docs/protocol.md §5.1): 5.x members with `externalHttpIp`/`externalHttpPort` and
/// `Master`/`Slave` states, and 20.x+ members with `httpEndPointIp`/`httpEndPointPort`, `Leader`/`Follower`
/// and `isReadOnlyReplica`. Unknown keys are ignored; `null` counts as absent.
///
/// ```swift
/// let document = try GossipDocument(parsing: #"{"members":[{"state":"Leader","isAlive":true,"externalTcpIp":"10.0.0.1","externalTcpPort":1113}]}"#)
/// document.members.first?.state   // .leader
/// ```
public struct GossipDocument: Sendable, Hashable {
    /// The members, in document order.
    public var members: [ClusterMember]
    /// `serverIp`/`serverPort`: the HTTP endpoint of the node that answered, when present.
    public var server: Endpoint?

    /// A document with these members.
    public init(members: [ClusterMember], server: Endpoint? = nil) {
        self.members = members
        self.server = server
    }

    /// Parses gossip JSON text.
    public init(parsing text: String) throws(GossipParseError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses gossip JSON bytes.
    public init(parsing bytes: [UInt8]) throws(GossipParseError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw GossipParseError(error.description) }
        try self.init(json: json)
    }

    /// Reads an already parsed gossip document.
    public init(json: JSONValue) throws(GossipParseError) {
        let root = GossipFields(json, context: "gossip document")
        guard case .object = json else { throw GossipParseError("the gossip document is not a JSON object") }
        guard case .array(let items)? = root.present("members") else {
            throw GossipParseError(root.present("members") == nil ? "the gossip document has no \"members\" array"
                                                                   : "\"members\" is not an array")
        }
        var members: [ClusterMember] = []
        for (index, item) in items.enumerated() {
            members.append(try ClusterMember(gossip: GossipFields(item, context: "member \(index)")))
        }
        self.members = members
        self.server = try root.endpoint(host: "serverIp", port: "serverPort")
    }
}

extension ClusterMember {
    fileprivate init(gossip fields: GossipFields) throws(GossipParseError) {
        guard case .object = fields.json else { throw fields.error("is not a JSON object") }
        guard let stateName = try fields.string("state") else { throw fields.error("has no \"state\"") }
        guard let isAlive = try fields.bool("isAlive") else { throw fields.error("has no \"isAlive\"") }
        self.init(state: NodeState(name: stateName), isAlive: isAlive,
                  externalTCP: try fields.endpoint(host: "externalTcpIp", port: "externalTcpPort"))
        externalSecureTCP = try fields.endpoint(host: "externalTcpIp", port: "externalSecureTcpPort")
        internalTCP = try fields.endpoint(host: "internalTcpIp", port: "internalTcpPort")
        http = try fields.endpoint(host: "httpEndPointIp", port: "httpEndPointPort")
        if http == nil { http = try fields.endpoint(host: "externalHttpIp", port: "externalHttpPort") }
        isReadOnlyReplica = try fields.bool("isReadOnlyReplica") ?? false
        instanceID = try fields.string("instanceId").flatMap(UUID.init(uuidString:))
        epochID = try fields.string("epochId").flatMap(UUID.init(uuidString:))
        timeStamp = try fields.string("timeStamp")
        serverVersion = try fields.string("esVersion")
        lastCommitPosition = try fields.integer("lastCommitPosition") ?? 0
        writerCheckpoint = try fields.integer("writerCheckpoint") ?? 0
        chaserCheckpoint = try fields.integer("chaserCheckpoint") ?? 0
        epochPosition = try fields.integer("epochPosition") ?? 0
        epochNumber = try fields.integer("epochNumber") ?? 0
        nodePriority = try fields.integer("nodePriority") ?? 0
    }
}

/// Typed access to one JSON object's fields, with messages that say where a problem is.
private struct GossipFields {
    let json: JSONValue
    let context: String

    init(_ json: JSONValue, context: String) {
        self.json = json
        self.context = context
    }

    func error(_ problem: String) -> GossipParseError { GossipParseError("\(context) \(problem)") }

    /// The value under `key`, treating `null` as absent.
    func present(_ key: String) -> JSONValue? {
        guard let value = json[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(GossipParseError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else { throw error("has \"\(key)\" that is not a string") }
        return text
    }

    func bool(_ key: String) throws(GossipParseError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else { throw error("has \"\(key)\" that is not a boolean") }
        return flag
    }

    func integer(_ key: String) throws(GossipParseError) -> Int64? {
        switch present(key) {
        case nil: return nil
        case .int(let number)?: return number
        case .double(let number)? where number == number.rounded() && abs(number) < 9e15: return Int64(number)
        default: throw error("has \"\(key)\" that is not an integer")
        }
    }

    /// `host` + `port` as an endpoint; `nil` when either is absent, the host is empty or the port is 0.
    func endpoint(host hostKey: String, port portKey: String) throws(GossipParseError) -> Endpoint? {
        guard let host = try string(hostKey), !host.isEmpty, let port = try integer(portKey), port != 0 else { return nil }
        guard (1...65535).contains(port) else { throw error("has \"\(portKey)\" \(port), which is not a port number") }
        return Endpoint(host: host, port: Int(port))
    }
}
