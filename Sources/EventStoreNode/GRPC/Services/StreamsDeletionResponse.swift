import EventStoreGRPC

/// A Delete's or Tombstone's response (two generated types with the same fields).
protocol StreamsDeletionResponse {
    associatedtype Position: StreamsDeletionPosition
    init()
    var position: Position { get set }
    var noPosition: EventStore_Client_Empty { get set }
}

/// The `Position` of a ``StreamsDeletionResponse``.
protocol StreamsDeletionPosition {
    init()
    var commitPosition: UInt64 { get set }
    var preparePosition: UInt64 { get set }
}

extension StreamsDeletionResponse {
    /// The response to a deletion written at `position` (commit, prepare), or `no_position` when
    /// nothing was written.
    init(deletedAt position: (UInt64, UInt64)?) {
        self.init()
        if let position {
            var wirePosition = Position()
            (wirePosition.commitPosition, wirePosition.preparePosition) = position
            self.position = wirePosition
        } else {
            noPosition = EventStore_Client_Empty()
        }
    }
}

extension EventStore_Client_Streams_DeleteResp: StreamsDeletionResponse {}
extension EventStore_Client_Streams_DeleteResp.Position: StreamsDeletionPosition {}
extension EventStore_Client_Streams_TombstoneResp: StreamsDeletionResponse {}
extension EventStore_Client_Streams_TombstoneResp.Position: StreamsDeletionPosition {}
