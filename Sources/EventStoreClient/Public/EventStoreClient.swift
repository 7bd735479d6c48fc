import EventStoreWire
import Foundation
import Logging
import NIOCore
import NIOPosix
import SwiftProtobuf

/// A long-lived, thread-safe connection to an EventStoreDB node (or cluster) over TCP.
///
/// The client connects on creation and keeps the connection alive by itself: heartbeats,
/// reconnection with fresh discovery, leader redirects and operation retries happen inside.
/// Operations issued while disconnected are queued and sent on connect.
///
/// ```swift
/// let client = try EventStoreClient(connectionString: "tcp://admin:changeit@localhost:1113")
/// try await client.append(to: "orders-1", events: [EventData(type: "OrderPlaced", json: #"{"total":12}"#)])
/// for try await event in client.readStream("orders-1") { print(event.originalNumber) }
/// await client.close()
/// ```
public final class EventStoreClient: Sendable {
    /// The configuration the client runs with.
    public let configuration: ClientConfiguration
    let eventLoop: any EventLoop
    let driver: NIOLoopBoundBox<ConnectionDriver>
    private let broadcaster: EventBroadcaster<ClientEvent>

    /// Creates a client and starts connecting.
    public init(configuration: ClientConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "esdb.client")) {
        self.configuration = configuration
        let eventLoop = eventLoopGroup.next()
        self.eventLoop = eventLoop
        let broadcaster = EventBroadcaster<ClientEvent>()
        self.broadcaster = broadcaster
        let driver = ConnectionDriver(
            configuration: configuration, eventLoop: eventLoop, events: broadcaster,
            discover: ClientDiscovery.make(for: configuration, eventLoopGroup: eventLoopGroup, logger: logger),
            channelSetup: ClientTLS.channelSetup(for: configuration), logger: logger)
        self.driver = NIOLoopBoundBox.makeBoxSendingValue(driver, eventLoop: eventLoop)
        let bound = self.driver
        eventLoop.execute { bound.value.start() }
    }

    /// Creates a client from a connection string (`ConnectTo=tcp://…; …`, `tcp://…` or `discover://…`).
    ///
    /// - Throws: ``EventStoreClientError`` with code `.invalidConfiguration` naming the bad key or value.
    public convenience init(connectionString: String, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        throws {
        self.init(configuration: try Self.configuration(connectionString: connectionString), eventLoopGroup: eventLoopGroup)
    }

    /// The credentials a request carries: the caller's, else the configured default.
    func wireCredentials(_ credentials: UserCredentials?) -> TCPCredentials? {
        (credentials ?? configuration.defaultCredentials)?.wire
    }

    /// The configuration a connection string describes; a malformed one is an `invalidConfiguration` error.
    static func configuration(connectionString: String) throws(EventStoreClientError) -> ClientConfiguration {
        do {
            return try ClientConfiguration(connectionString: connectionString)
        } catch {
            throw EventStoreClientError(.invalidConfiguration, "\(error)")
        }
    }

    deinit {
        let bound = driver
        eventLoop.execute { bound.value.close(reason: "client released") }
    }

    /// Closes the connection; pending operations fail with `.connectionClosed`.
    ///
    /// ```swift
    /// await client.close()
    /// ```
    public func close() async {
        let bound = driver
        try? await eventLoop.submit { bound.value.close(reason: "closed by the client") }.get()
    }

    // MARK: Lifecycle observation

    /// Lifecycle events from now on (phases, heartbeat round trips, retries, redirects).
    ///
    /// ```swift
    /// Task { for await event in client.events { print(event) } }
    /// ```
    public var events: AsyncStream<ClientEvent> { broadcaster.stream() }

    /// The current phase of the connection.
    public var phase: ConnectionPhase {
        get async {
            let bound = driver
            return (try? await eventLoop.submit { bound.value.phase }.get()) ?? .closed(reason: "event loop gone")
        }
    }

    /// Whether the client has closed for good (by ``close()`` or after running out of reconnections).
    public var isClosed: Bool {
        get async {
            let bound = driver
            return (try? await eventLoop.submit { bound.value.isClosed }.get()) ?? true
        }
    }

    /// Traffic and retry counters.
    public var counters: ConnectionCounters {
        get async {
            let bound = driver
            return (try? await eventLoop.submit { bound.value.counters }.get()) ?? ConnectionCounters()
        }
    }

    /// Operations queued or in flight, oldest first.
    public var operations: [OperationSnapshot] {
        get async {
            let bound = driver
            return (try? await eventLoop.submit { bound.value.snapshots() }.get()) ?? []
        }
    }

    /// Waits until the connection is established (identified), or throws when the client closes first.
    ///
    /// Operations do not need this (they queue until connected); it is for failing fast at start-up.
    ///
    /// ```swift
    /// let client = try EventStoreClient(connectionString: "ConnectTo=tcp://localhost:1113; MaxReconnections=3")
    /// try await client.waitUntilConnected()   // throws .cannotConnect after the third failed attempt
    /// ```
    public func waitUntilConnected() async throws {
        let stream = events
        if case .connected = await phase { return }
        for await event in stream {
            guard case .phaseChanged(let phase, _) = event else { continue }
            if case .connected = phase { return }
            if case .closed(let reason) = phase { throw EventStoreClientError(.cannotConnect, reason) }
        }
        if case .connected = await phase { return }
        throw EventStoreClientError(.connectionClosed, "the client closed before it connected")
    }

    // MARK: Running operations

    /// Sends `message` as `command` and decodes the reply with `decode`, through the operation manager.
    func perform<Reply: Sendable, Request: SwiftProtobuf.Message>(
        _ command: TCPCommand, _ message: Request, credentials: UserCredentials?, isWrite: Bool,
        decode: @escaping @Sendable (TCPPackage) throws(EventStoreClientError) -> ReplyHandler<Reply>.ReplyOutcome<Reply>
    ) async throws -> Reply {
        let bytes: [UInt8] = (try? message.serializedBytes(partial: true)) ?? []
        return try await perform(command, payload: ByteBuffer(bytes: bytes), credentials: credentials, isWrite: isWrite,
                                 decode: decode)
    }

    func perform<Reply: Sendable>(
        _ command: TCPCommand, payload: ByteBuffer, credentials: UserCredentials?, isWrite: Bool,
        decode: @escaping @Sendable (TCPPackage) throws(EventStoreClientError) -> ReplyHandler<Reply>.ReplyOutcome<Reply>
    ) async throws -> Reply {
        let registration = OperationRegistration()
        let bound = driver
        let eventLoop = self.eventLoop
        let wireCredentials = wireCredentials(credentials)
        guard let expected = command.replyCommand else {
            throw EventStoreClientError(.invalidArgument, "\(command.name) has no reply")
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
                eventLoop.execute {
                    let handler = ReplyHandler(expected: expected, isWrite: isWrite, continuation: continuation, decode: decode)
                    bound.value.submit(command: command, payload: payload, credentials: wireCredentials, handler: handler) {
                        registration.id = $0
                    }
                }
            }
        } onCancel: {
            eventLoop.execute {
                if let id = registration.id { bound.value.cancel(id) }
            }
        }
    }

    /// The value of `require_leader` for requests.
    var requireLeader: Bool { configuration.requireLeader }
}

/// Where an operation landed in the table, for cancellation (touched only on the event loop).
final class OperationRegistration: @unchecked Sendable {
    // Read and written only on the client's event loop.
    var id: Int?
}

/// Runs `body` with a client that is closed afterwards.
///
/// ```swift
/// let configuration = ClientConfiguration(discovery: .singleNode(Endpoint(host: "localhost", port: 1113)))
/// try await withEventStoreClient(configuration: configuration) { client in
///     try await client.append(to: "s", events: [EventData(type: "Hello", json: "{}")])
/// }
/// // or from a connection string:
/// try await withEventStoreClient(connectionString: "tcp://localhost:1113") { client in
///     try await client.append(to: "s", events: [EventData(type: "Hello", json: "{}")])
/// }
/// ```
public func withEventStoreClient<Result>(
    configuration: ClientConfiguration, _ body: (EventStoreClient) async throws -> Result
) async throws -> Result {
    let client = EventStoreClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// Runs `body` with a client made from a connection string, closed afterwards.
///
/// ```swift
/// let count = try await withEventStoreClient(connectionString: "tcp://admin:changeit@localhost:1113") { client in
///     try await client.readStreamSlice("orders-1", from: 0, maxCount: 4096).events.count
/// }
/// ```
public func withEventStoreClient<Result>(
    connectionString: String, _ body: (EventStoreClient) async throws -> Result
) async throws -> Result {
    try await withEventStoreClient(configuration: try EventStoreClient.configuration(connectionString: connectionString), body)
}
