import EventStoreGRPC
import EventStoreWire
import Foundation
import GRPCCore

/// `event_store.client.streams.Streams`: appends, deletes, reads and catch-up subscriptions on the
/// same engine as the TCP door, with KurrentDB 24.x's gRPC semantics (docs/grpc.md §2.1–§2.4).
///
/// Each method lives in its own file: `StreamsService+Append`, `+BatchAppend`, `+Delete`,
/// `+Read` (reads with a count) and `+Subscription` (reads with `subscription`).
struct StreamsService: EventStore_Client_Streams_Streams.ServiceProtocol {
    let node: NodeContext

    var engine: NodeEngine { node.engine }
}

extension StreamsService {
    /// The stream a request names: its bytes must be UTF-8 and not empty.
    static func streamName(_ identifier: EventStore_Client_StreamIdentifier) throws(RPCError) -> String {
        guard let name = identifier.name else { throw GRPCFailure.invalidArgument("The stream name is not UTF-8.") }
        guard !name.isEmpty else { throw GRPCFailure.invalidArgument("The stream name is empty.") }
        return name
    }

    /// An expected revision `N` as the engine's expected version; a revision beyond the engine's
    /// numbers cannot be expected by anyone.
    static func expectedVersion(revision: UInt64) throws(RPCError) -> Int64 {
        guard revision <= UInt64(Int64.max - 1) else {
            throw GRPCFailure.invalidArgument("Expected revision \(revision) is out of range.")
        }
        return Int64(revision)
    }

    /// Runs `work` until it ends or the RPC is cancelled (the client went away, the deadline passed,
    /// the node is stopping): grpc-swift reports cancellation through the server context, not by
    /// cancelling the handler's task, so `work` runs in a task of its own that is cancelled then.
    static func untilCancelled(_ work: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await work() }
        do {
            try await withRPCCancellationHandler {
                try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    task.cancel()
                }
            } onCancelRPC: {
                task.cancel()
            }
        } catch is CancellationError {
            // The call is over; nobody is listening for a status.
        }
    }

    /// The error for a write or delete whose commit failed (the server's commit timeout).
    static func writeFailure(_ result: WriteResult, stream: String) -> RPCError {
        switch result.result {
        case .accessDenied: GRPCFailure.accessDenied()
        case .streamDeleted: GRPCFailure.streamDeleted(stream)
        case .invalidTransaction: GRPCFailure.invalidTransaction()
        default: GRPCFailure.timeout(result.message ?? "")
        }
    }
}
