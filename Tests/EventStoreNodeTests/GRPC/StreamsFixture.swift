import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf

/// The Streams service's client, as the tests use it.
typealias StreamsClient = EventStore_Client_Streams_Streams.Client<HTTP2ClientTransport.Posix>
typealias ReadReq = EventStore_Client_Streams_ReadReq
typealias ReadResp = EventStore_Client_Streams_ReadResp
typealias AppendReq = EventStore_Client_Streams_AppendReq

extension EventStoreNodeServer {
    /// Runs `body` with a Streams client of this node (cleartext, or TLS trusting `trustedCA`).
    func withStreams<T: Sendable>(trustedCA: String? = nil, _ body: (StreamsClient) async throws -> T) async throws -> T {
        try await withGRPCClient(trustedCA: trustedCA) { client in try await body(StreamsClient(wrapping: client)) }
    }

    /// Runs `body` with a cleartext Streams client whose HTTP/2 window is `windowSize` bytes, so
    /// the node must wait for it after that much unread data.
    func withStreams<T: Sendable>(windowSize: Int, _ body: (StreamsClient) async throws -> T) async throws -> T {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.connection.maxIdleTime = nil
        config.http2.targetWindowSize = windowSize
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: httpEndpoint.host, port: httpEndpoint.port), transportSecurity: .plaintext, config: config)
        return try await GRPCCore.withGRPCClient(transport: transport) { client in try await body(StreamsClient(wrapping: client)) }
    }
}

/// An expected revision of an append, delete or tombstone.
enum Expected {
    case any, noStream, streamExists
    case revision(UInt64)
}

extension AppendReq {
    static func options(_ stream: String, _ expected: Expected = .any) -> AppendReq {
        var options = Options()
        options.streamIdentifier = EventStore_Client_StreamIdentifier(stream)
        switch expected {
        case .any: options.any = EventStore_Client_Empty()
        case .noStream: options.noStream = EventStore_Client_Empty()
        case .streamExists: options.streamExists = EventStore_Client_Empty()
        case .revision(let revision): options.revision = revision
        }
        var request = AppendReq()
        request.options = options
        return request
    }

    static func event(
        _ type: String = "Tested", json: String = "{}", id: UUID = UUID(), metadata: Data = Data(),
        contentType: String? = "application/json", data: Data? = nil
    ) -> AppendReq {
        var message = ProposedMessage()
        message.id = EventStore_Client_UUID(id, asString: true)
        message.metadata["type"] = type
        if let contentType { message.metadata["content-type"] = contentType }
        message.customMetadata = metadata
        message.data = data ?? Data(json.utf8)
        var request = AppendReq()
        request.proposedMessage = message
        return request
    }
}

extension EventStore_Client_UUID {
    /// Test oracle for the node's conversion (docs/grpc.md §2.3), written independently of it: the
    /// structured halves are Foundation's UUID text, without hyphens, read as two big-endian
    /// 64-bit hex numbers.
    init(_ uuid: UUID, asString: Bool) {
        self.init()
        if asString {
            string = uuid.uuidString.lowercased()
        } else {
            let hex = uuid.uuidString.replacingOccurrences(of: "-", with: "")
            structured.mostSignificantBits = Int64(bitPattern: UInt64(hex.prefix(16), radix: 16)!)
            structured.leastSignificantBits = Int64(bitPattern: UInt64(hex.suffix(16), radix: 16)!)
        }
    }

    /// The UUID this message carries, by the same oracle: the halves as 32 hex digits, hyphenated
    /// 8-4-4-4-12 and parsed by Foundation.
    var uuid: UUID? {
        switch value {
        case .string(let text)?: return UUID(uuidString: text)
        case .structured(let structured)?:
            let hex = [structured.mostSignificantBits, structured.leastSignificantBits].map { half in
                let digits = String(UInt64(bitPattern: half), radix: 16)
                return String(repeating: "0", count: 16 - digits.count) + digits
            }.joined()
            var text = ""
            for (index, character) in hex.enumerated() {
                if [8, 12, 16, 20].contains(index) { text.append("-") }
                text.append(character)
            }
            return UUID(uuidString: text)
        case nil: return nil
        }
    }
}

extension EventStore_Client_StreamIdentifier {
    init(_ name: String) {
        self.init()
        streamName = Data(name.utf8)
    }
}

extension StreamsClient {
    /// Sends `requests` as one Append call.
    func append(_ requests: [AppendReq], metadata: Metadata = .admin) async throws -> EventStore_Client_Streams_AppendResp {
        try await append(metadata: metadata) { writer in try await writer.write(contentsOf: requests) }
    }

    /// Appends `events` to `stream` and expects success.
    @discardableResult
    func append(_ stream: String, _ expected: Expected = .any, events: [AppendReq], metadata: Metadata = .admin) async throws
        -> EventStore_Client_Streams_AppendResp.Success {
        let response = try await append([.options(stream, expected)] + events, metadata: metadata)
        guard case .success(let success)? = response.result else { throw UnexpectedResponse(response) }
        return success
    }

    /// Appends `count` events `{"n": i}` of type `Numbered`.
    @discardableResult
    func fill(_ stream: String, count: Int, from first: Int = 0) async throws -> EventStore_Client_Streams_AppendResp.Success {
        try await append(stream, events: (first..<first + count).map { AppendReq.event("Numbered", json: "{\"n\":\($0)}") })
    }

    /// Every message of a read with a count.
    func readAll(_ request: ReadReq, metadata: Metadata = .admin) async throws -> [ReadResp] {
        try await read(request, metadata: metadata) { response in
            var messages: [ReadResp] = []
            for try await message in response.messages { messages.append(message) }
            return messages
        }
    }

    /// The events of a read with a count.
    func events(_ request: ReadReq, metadata: Metadata = .admin) async throws -> [ReadResp.ReadEvent] {
        try await readAll(request, metadata: metadata).compactMap { if case .event(let event)? = $0.content { event } else { nil } }
    }
}

/// An answer the test did not expect.
struct UnexpectedResponse: Error, CustomStringConvertible {
    let response: any SwiftProtobuf.Message
    init(_ response: any SwiftProtobuf.Message) { self.response = response }
    var description: String { "unexpected response: \(response)" }
}

extension ReadReq {
    /// A read of `stream` with a count (or a subscription when `count` is nil).
    static func stream(
        _ stream: String, from revision: ReadReq.Options.StreamOptions.OneOf_RevisionOption = .start(.init()),
        forward: Bool = true, count: UInt64? = 100, resolveLinks: Bool = false, uuidAsString: Bool = false,
        compatibility: UInt32? = nil
    ) -> ReadReq {
        var streamOptions = ReadReq.Options.StreamOptions()
        streamOptions.streamIdentifier = EventStore_Client_StreamIdentifier(stream)
        streamOptions.revisionOption = revision
        var options = common(forward: forward, count: count, resolveLinks: resolveLinks, uuidAsString: uuidAsString)
        options.stream = streamOptions
        if let compatibility { options.controlOption.compatibility = compatibility }
        var request = ReadReq()
        request.options = options
        return request
    }

    /// A read of `$all` with a count (or a subscription when `count` is nil), filtered or not.
    static func all(
        from position: ReadReq.Options.AllOptions.OneOf_AllOption = .start(.init()), forward: Bool = true,
        count: UInt64? = 1000, filter: ReadReq.Options.FilterOptions? = nil, resolveLinks: Bool = false
    ) -> ReadReq {
        var allOptions = ReadReq.Options.AllOptions()
        allOptions.allOption = position
        var options = common(forward: forward, count: count, resolveLinks: resolveLinks, uuidAsString: false)
        options.all = allOptions
        if let filter { options.filter = filter }
        var request = ReadReq()
        request.options = options
        return request
    }

    private static func common(forward: Bool, count: UInt64?, resolveLinks: Bool, uuidAsString: Bool) -> ReadReq.Options {
        var options = ReadReq.Options()
        options.readDirection = forward ? .forwards : .backwards
        options.resolveLinks = resolveLinks
        if let count { options.count = count } else { options.subscription = ReadReq.Options.SubscriptionOptions() }
        options.noFilter = EventStore_Client_Empty()
        if uuidAsString { options.uuidOption.string = EventStore_Client_Empty() } else { options.uuidOption.structured = EventStore_Client_Empty() }
        return options
    }
}

extension ReadReq.Options.AllOptions.OneOf_AllOption {
    /// A position of `$all`.
    static func at(_ commit: UInt64, _ prepare: UInt64) -> Self {
        var position = ReadReq.Options.Position()
        position.commitPosition = commit
        position.preparePosition = prepare
        return .position(position)
    }
}

extension ReadReq.Options.FilterOptions {
    /// A stream-name prefix filter with window `max` (nil: `count`) and checkpoint multiplier.
    static func streamPrefix(_ prefixes: [String], max: UInt32? = nil, multiplier: UInt32 = 1) -> Self {
        var expression = Expression()
        expression.prefix = prefixes
        var filter = Self()
        filter.streamIdentifier = expression
        if let max { filter.max = max } else { filter.count = EventStore_Client_Empty() }
        filter.checkpointIntervalMultiplier = multiplier
        return filter
    }

    /// An event-type regex filter.
    static func eventTypeRegex(_ regex: String, max: UInt32? = nil, multiplier: UInt32 = 1) -> Self {
        var expression = Expression()
        expression.regex = regex
        var filter = Self()
        filter.eventType = expression
        if let max { filter.max = max } else { filter.count = EventStore_Client_Empty() }
        filter.checkpointIntervalMultiplier = multiplier
        return filter
    }
}

extension ReadResp.ReadEvent.RecordedEvent {
    var streamName: String { String(decoding: streamIdentifier.streamName, as: UTF8.self) }
    var json: String { String(decoding: data, as: UTF8.self) }
    var type: String { metadata["type"] ?? "" }
}

extension ReadResp {
    var isStreamNotFound: Bool { if case .streamNotFound? = content { true } else { false } }
    var isCaughtUp: Bool { if case .caughtUp? = content { true } else { false } }
}

extension ReadResp.ReadEvent {
    /// The record read: the link when there is one, else the event.
    var original: ReadResp.ReadEvent.RecordedEvent { hasLink ? link : event }
}

/// What a subscription sent, message by message, as a test reads it.
struct SubscriptionReader {
    var iterator: RPCAsyncSequence<ReadResp, any Error>.AsyncIterator

    init(_ response: StreamingClientResponse<ReadResp>) {
        iterator = response.messages.makeAsyncIterator()
    }

    /// The next message; fails when the call ended.
    mutating func next() async throws -> ReadResp.OneOf_Content {
        guard let message = try await iterator.next(), let content = message.content else { throw SubscriptionEnded() }
        return content
    }

    /// The next `count` events, skipping checkpoints and `caught_up`.
    mutating func events(_ count: Int) async throws -> [ReadResp.ReadEvent] {
        var events: [ReadResp.ReadEvent] = []
        while events.count < count {
            if case .event(let event) = try await next() { events.append(event) }
        }
        return events
    }
}

struct SubscriptionEnded: Error {}
