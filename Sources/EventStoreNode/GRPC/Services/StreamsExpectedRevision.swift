import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// An `expected_stream_revision` oneof: a revision, `no_stream`, `any` or `stream_exists`
/// (Append, Delete and Tombstone each declare their own generated type with these members).
protocol StreamsExpectedRevision {
    /// The expected version in the engine's terms (``WireExpectedVersion``); a revision beyond the
    /// engine's numbers is `INVALID_ARGUMENT` (``StreamsService/expectedVersion(revision:)``).
    var expectedVersion: Int64 { get throws(RPCError) }
}

extension EventStore_Client_Streams_AppendReq.Options.OneOf_ExpectedStreamRevision: StreamsExpectedRevision {
    var expectedVersion: Int64 {
        get throws(RPCError) {
            switch self {
            case .revision(let revision): try StreamsService.expectedVersion(revision: revision)
            case .noStream: WireExpectedVersion.noStream
            case .any: WireExpectedVersion.any
            case .streamExists: WireExpectedVersion.streamExists
            }
        }
    }
}

extension EventStore_Client_Streams_DeleteReq.Options.OneOf_ExpectedStreamRevision: StreamsExpectedRevision {
    var expectedVersion: Int64 {
        get throws(RPCError) {
            switch self {
            case .revision(let revision): try StreamsService.expectedVersion(revision: revision)
            case .noStream: WireExpectedVersion.noStream
            case .any: WireExpectedVersion.any
            case .streamExists: WireExpectedVersion.streamExists
            }
        }
    }
}

extension EventStore_Client_Streams_TombstoneReq.Options.OneOf_ExpectedStreamRevision: StreamsExpectedRevision {
    var expectedVersion: Int64 {
        get throws(RPCError) {
            switch self {
            case .revision(let revision): try StreamsService.expectedVersion(revision: revision)
            case .noStream: WireExpectedVersion.noStream
            case .any: WireExpectedVersion.any
            case .streamExists: WireExpectedVersion.streamExists
            }
        }
    }
}
