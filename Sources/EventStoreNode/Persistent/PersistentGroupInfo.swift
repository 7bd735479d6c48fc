/// What the node knows of one persistent subscription group, for GetInfo and List (the server's
/// `PersistentSubscriptionInfo`): its settings, its state and counters measured by the group, and
/// its parked-message count read from the log.
struct PersistentGroupInfo: Sendable {
    /// One consumer (the server's `ConnectionInfo`).
    struct Connection: Sendable {
        var identity: PersistentConsumerIdentity
        /// Messages sent per second since the previous measurement.
        var averagePerSecond: Int32
        var totalItems: Int64
        var countSinceLastMeasurement: Int64
        var availableSlots: Int32
        var inFlight: Int32
    }

    var key: PersistentGroupKey
    var settings: PersistentSettings
    /// The server's state flags as text (`Live`, `Behind, OutstandingPageRequest`…).
    var status: String
    var connections: [Connection]
    var averagePerSecond: Int32
    var totalItems: Int64
    var countSinceLastMeasurement: Int64
    var lastCheckpoint: PersistentPoint?
    var lastKnown: PersistentPoint?
    /// Events read and waiting for a consumer.
    var readBufferCount: Int32
    /// Messages waiting to be sent again (retried, or parked ones being replayed).
    var retryBufferCount: Int32
    /// Messages with consumers, not yet acknowledged.
    var outstandingCount: Int32
    var totalInFlight: Int32
    /// Events in the parked stream not yet replayed.
    var parkedCount: Int64 = 0

    /// The start as the server prints it: an event number, or `C:<commit>/P:<prepare>` for `$all`.
    var startFrom: String {
        settings.startPosition?.description ?? String(settings.startFrom)
    }
}

extension PersistentGroup {
    /// The group's statistics now; starts the next measurement (``measure(now:)``). The parked
    /// count is left for the caller, which reads it from the log.
    mutating func info(now: Int64) -> PersistentGroupInfo {
        let rates = measure(now: now)
        let connections = zip(consumers, rates.consumers).map { consumer, rate in
            PersistentGroupInfo.Connection(
                identity: consumer.identity, averagePerSecond: rate.perSecond, totalItems: consumer.totalItems,
                countSinceLastMeasurement: rate.count, availableSlots: Int32(clamping: consumer.allowedInFlight - consumer.inFlight),
                inFlight: Int32(clamping: consumer.inFlight))
        }
        return PersistentGroupInfo(
            key: key, settings: settings, status: status, connections: connections, averagePerSecond: rates.group.perSecond,
            totalItems: totalItems, countSinceLastMeasurement: rates.group.count, lastCheckpoint: checkpoint,
            lastKnown: lastKnown, readBufferCount: Int32(clamping: buffer.count), retryBufferCount: Int32(clamping: retries.count),
            outstandingCount: Int32(clamping: outstandingCount),
            totalInFlight: Int32(clamping: consumers.reduce(0) { $0 + $1.inFlight }))
    }
}
