import EventStoreWire
/// What the writer thread knows about streams, including the effect of jobs earlier in the
/// current (not yet committed) batch. Lives only on the writer thread.
struct WriterState {
    /// Last event number per stream (`-1`: no events; `Int64.max`: hard-deleted).
    var heads: [String: Int64] = [:]
    /// Metadata per stream, loaded on first use.
    var metadata: [String: StreamMetadata] = [:]
    /// The current `$settings`, loaded at start.
    var settings = SystemSettings()
    var recentIDs = RecentEventIDs()
    var transactions = OpenTransactions()
    var nextTransactionID: Int64 = 1

    /// Forgets every cached value (after a failed commit the database is the truth again).
    mutating func reset() {
        heads.removeAll()
        metadata.removeAll()
        recentIDs.removeAll()
    }

    /// The stream's last event number, from the cache or the log. A metastream whose stream is
    /// hard-deleted counts as deleted too, as the server's `GetStreamLastEventNumberCached` has it.
    mutating func head(of stream: String, in log: EventLog) throws(SQLiteError) -> Int64 {
        if StreamNames.isMetastream(stream),
           try head(of: StreamNames.original(ofMetastream: stream), in: log) == EventNumber.deletedStream {
            return EventNumber.deletedStream
        }
        if let cached = heads[stream] { return cached }
        let head = try log.lastNumber(stream: stream) ?? -1
        heads[stream] = head
        return head
    }

    /// The stream's metadata, from the cache or the last event of its metastream (read as the
    /// server reads it: ``StoredMetadata``).
    mutating func metadata(of stream: String, in log: EventLog) throws(SQLiteError) -> StreamMetadata {
        if let cached = metadata[stream] { return cached }
        let loaded: StreamMetadata
        if try head(of: stream, in: log) == EventNumber.deletedStream {
            loaded = .empty
        } else {
            loaded = StoredMetadata.metadata(fromLastEventOf: try log.lastEvent(stream: StreamNames.metastream(of: stream)))
        }
        metadata[stream] = loaded
        return loaded
    }

    /// The body of the metastream's last event, as written (for the soft-undelete rewrite).
    func rawMetadata(of stream: String, in log: EventLog) throws(SQLiteError) -> [UInt8]? {
        try log.lastEvent(stream: StreamNames.metastream(of: stream))?.data
    }
}

/// An event as a client proposed it, validated.
struct ProposedEvent: Sendable {
    var eventID: [UInt8]
    var type: String
    var isJSON: Bool
    var data: [UInt8]
    var metadata: [UInt8]
}
