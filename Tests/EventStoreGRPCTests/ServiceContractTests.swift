import EventStoreGRPC
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2Posix
import Testing

/// Pins the gRPC paths and streaming shapes of every RPC, and checks that the generated stubs carry
/// calls end to end: in process, and once over cleartext HTTP/2 on loopback.
@Suite struct ServiceContractTests {
    /// Written from the .proto service blocks: "package.Service/Method kind".
    static let expectedMethods = """
        event_store.client.streams.Streams/Read serverStreaming
        event_store.client.streams.Streams/Append clientStreaming
        event_store.client.streams.Streams/Delete unary
        event_store.client.streams.Streams/Tombstone unary
        event_store.client.streams.Streams/BatchAppend bidirectionalStreaming
        event_store.client.persistent_subscriptions.PersistentSubscriptions/Create unary
        event_store.client.persistent_subscriptions.PersistentSubscriptions/Update unary
        event_store.client.persistent_subscriptions.PersistentSubscriptions/Delete unary
        event_store.client.persistent_subscriptions.PersistentSubscriptions/Read bidirectionalStreaming
        event_store.client.persistent_subscriptions.PersistentSubscriptions/GetInfo unary
        event_store.client.persistent_subscriptions.PersistentSubscriptions/ReplayParked unary
        event_store.client.persistent_subscriptions.PersistentSubscriptions/List unary
        event_store.client.persistent_subscriptions.PersistentSubscriptions/RestartSubsystem unary
        event_store.client.gossip.Gossip/Read unary
        event_store.client.server_features.ServerFeatures/GetSupportedMethods unary
        event_store.client.operations.Operations/StartScavenge unary
        event_store.client.operations.Operations/StopScavenge unary
        event_store.client.operations.Operations/Shutdown unary
        event_store.client.operations.Operations/MergeIndexes unary
        event_store.client.operations.Operations/ResignNode unary
        event_store.client.operations.Operations/SetNodePriority unary
        event_store.client.operations.Operations/RestartPersistentSubscriptions unary
        event_store.client.users.Users/Create unary
        event_store.client.users.Users/Update unary
        event_store.client.users.Users/Delete unary
        event_store.client.users.Users/Disable unary
        event_store.client.users.Users/Enable unary
        event_store.client.users.Users/Details serverStreaming
        event_store.client.users.Users/ChangePassword unary
        event_store.client.users.Users/ResetPassword unary
        event_store.client.projections.Projections/Create unary
        event_store.client.projections.Projections/Update unary
        event_store.client.projections.Projections/Delete unary
        event_store.client.projections.Projections/Statistics serverStreaming
        event_store.client.projections.Projections/Disable unary
        event_store.client.projections.Projections/Enable unary
        event_store.client.projections.Projections/Reset unary
        event_store.client.projections.Projections/State unary
        event_store.client.projections.Projections/Result unary
        event_store.client.projections.Projections/RestartSubsystem unary
        event_store.client.monitoring.Monitoring/Stats serverStreaming
        """.split(separator: "\n").map(String.init)

    @Test func everyMethodPathAndStreamingKind() {
        let actual = GRPCClientAPI.methods.map { method in
            "\(method.fullyQualifiedMethod) \(method.type.map { "\($0)" } ?? "unknown")"
        }
        #expect(actual == Self.expectedMethods)
        #expect(Set(GRPCClientAPI.methods.map(\.service)) == Set(GRPCClientAPI.services))
        #expect(GRPCClientAPI.services.count == 8)
    }

    @Test func gossipReadOverInProcessTransport() async throws {
        let info = EventStore_Client_Gossip_ClusterInfo.with {
            $0.members = [.with {
                $0.instanceID = .with { $0.string = "00112233-4455-6677-8899-aabbccddeeff" }
                $0.state = .leader
                $0.isAlive = true
                $0.httpEndPoint = .with { $0.address = "127.0.0.1"; $0.port = 2113 }
            }]
        }
        let reply = try await withInProcessServer(FixedGossip(info: info)) { client in
            try await EventStore_Client_Gossip_Gossip.Client(wrapping: client).read(EventStore_Client_Empty())
        }
        #expect(reply == info)
    }

    @Test func gossipReadOverLoopbackHTTP2() async throws {
        let info = EventStore_Client_Gossip_ClusterInfo.with {
            $0.members = [.with { $0.state = .follower; $0.isAlive = true }]
        }
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [FixedGossip(info: info)])
        let reply = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            let port = try #require(try await transport.listeningAddress.ipv4?.port)
            let client = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            return try await withGRPCClient(transport: client) { client in
                try await EventStore_Client_Gossip_Gossip.Client(wrapping: client).read(EventStore_Client_Empty())
            }
        }
        #expect(reply == info)
    }

    @Test func streamsReadStreamsResponsesAndOtherMethodsAnswerUnimplemented() async throws {
        let request = EventStore_Client_Streams_ReadReq.with {
            $0.options.stream = .with {
                $0.streamIdentifier = .with { $0.streamName = Data("orders-1".utf8) }
                $0.start = .init()
            }
            $0.options.count = 2
            $0.options.noFilter = .init()
            $0.options.uuidOption = .with { $0.string = .init() }
        }
        let (revisions, deleteError) = try await withInProcessServer(CountingStreams()) { client in
            let streams = EventStore_Client_Streams_Streams.Client(wrapping: client)
            let revisions = try await streams.read(request) { response in
                var revisions: [UInt64] = []
                for try await message in response.messages {
                    if case .event(let read)? = message.content { revisions.append(read.event.streamRevision) }
                }
                return revisions
            }
            var deleteError: RPCError?
            do {
                _ = try await streams.delete(EventStore_Client_Streams_DeleteReq())
            } catch let error as RPCError {
                deleteError = error
            }
            return (revisions, deleteError)
        }
        #expect(revisions == [0, 1])
        #expect(deleteError?.code == .unimplemented)
    }

    /// Serves `service` in process, runs `body` with a client connected to it, then shuts both down.
    private func withInProcessServer<Result: Sendable>(
        _ service: some RegistrableRPCService,
        _ body: @Sendable (GRPCClient<InProcessTransport.Client>) async throws -> Result
    ) async throws -> Result {
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server, services: [service])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            return try await withGRPCClient(transport: transport.client) { client in
                try await body(client)
            }
        }
    }
}

private struct FixedGossip: EventStore_Client_Gossip_Gossip.SimpleServiceProtocol {
    let info: EventStore_Client_Gossip_ClusterInfo

    func read(request: EventStore_Client_Empty, context: ServerContext) async throws -> EventStore_Client_Gossip_ClusterInfo {
        info
    }
}

/// Conforming pins each Streams RPC's streaming shape at compile time; only Read does anything.
private struct CountingStreams: EventStore_Client_Streams_Streams.SimpleServiceProtocol {
    func read(
        request: EventStore_Client_Streams_ReadReq,
        response: RPCWriter<EventStore_Client_Streams_ReadResp>,
        context: ServerContext
    ) async throws {
        for revision in 0..<request.options.count {
            try await response.write(.with {
                $0.event.event.streamIdentifier = request.options.stream.streamIdentifier
                $0.event.event.streamRevision = revision
                $0.event.noPosition = .init()
            })
        }
    }

    func append(
        request: RPCAsyncSequence<EventStore_Client_Streams_AppendReq, any Error>,
        context: ServerContext
    ) async throws -> EventStore_Client_Streams_AppendResp {
        throw RPCError(code: .unimplemented, message: "Append")
    }

    func delete(request: EventStore_Client_Streams_DeleteReq, context: ServerContext) async throws -> EventStore_Client_Streams_DeleteResp {
        throw RPCError(code: .unimplemented, message: "Delete")
    }

    func tombstone(request: EventStore_Client_Streams_TombstoneReq, context: ServerContext) async throws -> EventStore_Client_Streams_TombstoneResp {
        throw RPCError(code: .unimplemented, message: "Tombstone")
    }

    func batchAppend(
        request: RPCAsyncSequence<EventStore_Client_Streams_BatchAppendReq, any Error>,
        response: RPCWriter<EventStore_Client_Streams_BatchAppendResp>,
        context: ServerContext
    ) async throws {
        throw RPCError(code: .unimplemented, message: "BatchAppend")
    }
}
