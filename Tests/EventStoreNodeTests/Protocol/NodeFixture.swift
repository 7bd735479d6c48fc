import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import NIOCore

extension EventStoreNodeServer {
    /// A new raw protocol connection to this node.
    func connect(answerHeartbeats: Bool = true) async throws -> TCPTestClient {
        try await TCPTestClient.connect(host: tcpEndpoint.host, port: tcpEndpoint.port, answerHeartbeats: answerHeartbeats)
    }
}

let admin = TCPCredentials.password(login: "admin", password: "changeit")

/// Request builders and shortcuts used across the node tests.
extension TCPTestClient {
    static func newEvent(_ type: String = "Tested", json: String = "{}", id: UUID = UUID(), metadata: String? = nil) -> ESNewEvent {
        var event = ESNewEvent()
        event.eventID = Data(id.dotNetBytes)
        event.eventType = type
        event.dataContentType = 1
        event.metadataContentType = 0
        event.data = Data(json.utf8)
        if let metadata { event.metadata = Data(metadata.utf8) }
        return event
    }

    func write(_ stream: String, expected: Int64 = -2, events: [ESNewEvent], credentials: TCPCredentials? = nil) async throws
        -> ESWriteEventsCompleted {
        var request = ESWriteEvents()
        request.eventStreamID = stream
        request.expectedVersion = expected
        request.events = events
        request.requireLeader = false
        return try await self.request(.writeEvents, message: request, credentials: credentials, as: ESWriteEventsCompleted.self)
    }

    /// Appends `count` events of type `Numbered` with `{"n": i}` bodies.
    @discardableResult
    func fill(_ stream: String, count: Int, credentials: TCPCredentials? = nil) async throws -> ESWriteEventsCompleted {
        try await write(stream, events: (0..<count).map { Self.newEvent("Numbered", json: "{\"n\":\($0)}") }, credentials: credentials)
    }

    func readStream(_ stream: String, from: Int64, count: Int32, forward: Bool = true, resolve: Bool = false,
                    credentials: TCPCredentials? = nil) async throws -> ESReadStreamEventsCompleted {
        var request = ESReadStreamEvents()
        request.eventStreamID = stream
        request.fromEventNumber = from
        request.maxCount = count
        request.resolveLinkTos = resolve
        request.requireLeader = false
        return try await self.request(forward ? .readStreamEventsForward : .readStreamEventsBackward, message: request,
                                      credentials: credentials, as: ESReadStreamEventsCompleted.self)
    }

    func readEvent(_ stream: String, _ number: Int64, resolve: Bool = false, credentials: TCPCredentials? = nil) async throws
        -> ESReadEventCompleted {
        var request = ESReadEvent()
        request.eventStreamID = stream
        request.eventNumber = number
        request.resolveLinkTos = resolve
        request.requireLeader = false
        return try await self.request(.readEvent, message: request, credentials: credentials, as: ESReadEventCompleted.self)
    }

    func readAll(commit: Int64, prepare: Int64, count: Int32, forward: Bool = true, resolve: Bool = false,
                 credentials: TCPCredentials? = admin) async throws -> ESReadAllEventsCompleted {
        var request = ESReadAllEvents()
        request.commitPosition = commit
        request.preparePosition = prepare
        request.maxCount = count
        request.resolveLinkTos = resolve
        request.requireLeader = false
        return try await self.request(forward ? .readAllEventsForward : .readAllEventsBackward, message: request,
                                      credentials: credentials, as: ESReadAllEventsCompleted.self)
    }

    func delete(_ stream: String, expected: Int64 = -2, hard: Bool, credentials: TCPCredentials? = nil) async throws
        -> ESDeleteStreamCompleted {
        var request = ESDeleteStream()
        request.eventStreamID = stream
        request.expectedVersion = expected
        request.requireLeader = false
        request.hardDelete = hard
        return try await self.request(.deleteStream, message: request, credentials: credentials, as: ESDeleteStreamCompleted.self)
    }

    func setMetadata(_ stream: String, json: String, credentials: TCPCredentials? = nil) async throws -> ESWriteEventsCompleted {
        try await write("$$" + stream, events: [Self.newEvent("$metadata", json: json)], credentials: credentials)
    }

    /// Sends a filtered `$all` subscription (as admin); returns its id and the node's first answer.
    func subscribeFiltered(
        _ context: ESFilter.FilterContext, _ type: ESFilter.FilterType, _ data: [String], checkpointInterval: Int32 = 1000
    ) async throws -> (id: UUID, reply: TCPPackage) {
        var request = ESFilteredSubscribeToStream()
        request.eventStreamID = ""
        request.filter.context = context
        request.filter.type = type
        request.filter.data = data
        request.checkpointInterval = checkpointInterval
        let id = UUID()
        let reply = try await self.request(
            TCPPackage(command: .filteredSubscribeToStream, correlationID: id, credentials: admin, message: request))
        return (id, reply)
    }

    /// Sends IdentifyClient version 1 (64-bit numbers) and waits for ClientIdentified.
    func identify(name: String = "tests") async throws {
        var identify = ESIdentifyClient()
        identify.version = 1
        identify.connectionName = name
        let reply = try await request(TCPPackage(command: .identifyClient, correlationID: UUID(), message: identify))
        guard reply.command == .clientIdentified else { throw UnexpectedReply(package: reply) }
    }
}

extension ESReadStreamEventsCompleted {
    var numbers: [Int64] { events.map(\.event.eventNumber) }
}

extension ESEventRecord {
    var json: String { String(decoding: data, as: UTF8.self) }
}
