import EventStoreGRPC
import EventStoreWire
import GRPCCore

extension StreamsService {
    /// `Read`: a page-by-page read of a stream or `$all` (``StreamsPageReader``), or a catch-up
    /// subscription (``CatchUpSubscription``). The caller must be allowed to read the target
    /// before anything is sent.
    func read(
        request: ServerRequest<EventStore_Client_Streams_ReadReq>, context: ServerContext
    ) async throws -> StreamingServerResponse<EventStore_Client_Streams_ReadResp> {
        let user = try node.authorize(request.metadata)
        let options = request.message.options
        let target = try StreamsReadRequest.target(of: options).name
        guard try await engine.read(user: user, { try $0.mayRead(target) }) else { throw GRPCFailure.accessDenied() }
        let read = try StreamsReadRequest(options)
        let engine = self.engine
        return StreamingServerResponse { writer in
            let output = StreamsReadOutput(writer: writer, uuidAsString: read.uuidAsString)
            try await Self.untilCancelled {
                switch read.kind {
                case .streamPage, .allPage:
                    try await StreamsPageReader(engine: engine, user: user, read: read, output: output).run()
                case .streamSubscription, .allSubscription:
                    try await CatchUpSubscription(engine: engine, user: user, read: read, output: output).run()
                }
            }
            return [:]
        }
    }
}

/// Where a read's messages go, in the shapes of `ReadResp`.
struct StreamsReadOutput: Sendable {
    let writer: RPCWriter<EventStore_Client_Streams_ReadResp>
    let uuidAsString: Bool

    func send(_ content: EventStore_Client_Streams_ReadResp.OneOf_Content) async throws {
        var response = EventStore_Client_Streams_ReadResp()
        response.content = content
        try await writer.write(response)
    }

    /// Record `index` of `records` as a `ReadEvent`: the event (absent for a link whose target
    /// cannot be read), the link when it was resolved, and the position of the record read.
    func sendEvent(_ records: ReadRecords, at index: Int) async throws {
        let (event, link) = records[index]
        var readEvent = EventStore_Client_Streams_ReadResp.ReadEvent()
        if let event { readEvent.event = .init(event, uuidAsString: uuidAsString) }
        if let link { readEvent.link = .init(link, uuidAsString: uuidAsString) }
        if let original = link ?? event, original.position.commit >= 0 {
            readEvent.commitPosition = UInt64(original.position.commit)
        } else {
            readEvent.noPosition = EventStore_Client_Empty()
        }
        try await send(.event(readEvent))
    }

    func sendStreamNotFound(_ stream: String) async throws {
        var notFound = EventStore_Client_Streams_ReadResp.StreamNotFound()
        notFound.streamIdentifier = EventStore_Client_StreamIdentifier(stream)
        try await send(.streamNotFound(notFound))
    }

    func sendCheckpoint(_ position: LogPosition) async throws {
        var checkpoint = EventStore_Client_Streams_ReadResp.Checkpoint()
        checkpoint.commitPosition = UInt64(max(position.commit, 0))
        checkpoint.preparePosition = UInt64(max(position.prepare, 0))
        try await send(.checkpoint(checkpoint))
    }
}

/// A read with a count: engine pages of ``StreamsReadRequest/pageSize`` events, each sent before
/// the next is read, so a read of any size holds one page in memory and stops when the call ends.
struct StreamsPageReader {
    let engine: NodeEngine
    let user: NodeUser?
    let read: StreamsReadRequest
    let output: StreamsReadOutput

    func run() async throws {
        switch (read.kind, read.target) {
        case (.streamPage(let from, let forward, let count), .stream(let stream)):
            try await readStream(stream, from: from, forward: forward, count: count)
        case (.allPage(let from, let forward, let count, let filter), _):
            try await readAll(from: from, forward: forward, count: count, filter: filter)
        default:
            break
        }
    }

    /// The size of the next page when `sent` of `count` events are out (at least 1, so that a read
    /// of 0 events still finds out whether the stream exists).
    private static func pageSize(sent: UInt64, count: UInt64) -> Int32 {
        Int32(min(UInt64(StreamsReadRequest.pageSize), max(count - min(sent, count), 1)))
    }

    private func readStream(_ stream: String, from start: Int64, forward: Bool, count: UInt64) async throws {
        let resolveLinks = read.resolveLinks
        var from = start
        var sent: UInt64 = 0
        var firstPage = true
        while true {
            try Task.checkCancellation()
            let (next, size) = (from, Self.pageSize(sent: sent, count: count))
            let page = try await engine.read(user: user) {
                try $0.readStream(stream: stream, from: next, maxCount: size, forward: forward, resolveLinks: resolveLinks)
            }
            switch page.result {
            case .success: break
            case .noStream: return try await output.sendStreamNotFound(stream)
            case .streamDeleted: throw GRPCFailure.streamDeleted(stream)
            case .accessDenied: throw GRPCFailure.accessDenied()
            default: throw GRPCFailure.invalidArgument(page.error ?? "The read failed.")
            }
            if firstPage, read.compatibility >= 1, forward, page.events.count == 0, page.nextEventNumber != from,
               page.nextEventNumber >= 0 {
                try await output.send(.firstStreamPosition(UInt64(page.nextEventNumber)))
            }
            firstPage = false
            for index in 0..<page.events.count where sent < count {
                try await output.sendEvent(page.events, at: index)
                sent += 1
            }
            if !page.isEndOfStream, sent < count {
                from = page.nextEventNumber
                continue
            }
            if read.compatibility >= 1, page.lastEventNumber >= 0 {
                try await output.send(.lastStreamPosition(UInt64(page.lastEventNumber)))
            }
            return
        }
    }

    private func readAll(from start: LogPosition, forward: Bool, count: UInt64, filter: StreamsReadRequest.Filter?) async throws {
        let resolveLinks = read.resolveLinks
        var from = start
        var sent: UInt64 = 0
        while true {
            try Task.checkCancellation()
            let (position, size) = (from, Self.pageSize(sent: sent, count: count))
            let page = try await engine.grpcAllPage(
                from: position, size: size, forward: forward, filter: filter, resolveLinks: resolveLinks, user: user,
                fallback: "The read failed.")
            for index in 0..<page.events.count where sent < count {
                try await output.sendEvent(page.events, at: index)
                sent += 1
            }
            let reachedEnd = filter == nil ? page.events.count < Int(size) : page.isEndOfStream ?? true
            if reachedEnd || sent >= count { return }
            from = LogPosition(commit: page.nextCommitPosition, prepare: page.nextPreparePosition)
        }
    }
}
