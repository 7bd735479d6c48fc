import EventStoreGRPC
import EventStoreWire
import GRPCCore

/// `GetInfo` (one group) and `List` (every group, or those of one stream or of `$all`): the
/// statistics the engine keeps, as the server's `SubscriptionInfo`.
extension PersistentSubscriptionsService {
    private typealias SubscriptionInfo = EventStore_Client_PersistentSubscriptions_SubscriptionInfo

    func getInfo(
        request: ServerRequest<EventStore_Client_PersistentSubscriptions_GetInfoReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_PersistentSubscriptions_GetInfoResp> {
        try statisticsReader(request.metadata)
        let options = request.message.options
        let key = try Self.groupKey(of: options)
        guard let info = await groups.info(of: key) else {
            throw GRPCFailure.persistentSubscriptionDoesNotExist(stream: key.stream, group: key.group)
        }
        var response = EventStore_Client_PersistentSubscriptions_GetInfoResp()
        response.subscriptionInfo = Self.subscriptionInfo(info)
        return ServerResponse(message: response)
    }

    func list(
        request: ServerRequest<EventStore_Client_PersistentSubscriptions_ListReq>, context: ServerContext
    ) async throws -> ServerResponse<EventStore_Client_PersistentSubscriptions_ListResp> {
        try statisticsReader(request.metadata)
        var response = EventStore_Client_PersistentSubscriptions_ListResp()
        switch request.message.options.listOption {
        case .listAllSubscriptions?:
            // No group at all is an empty list.
            response.subscriptions = await groups.infos(stream: nil).map(Self.subscriptionInfo)
        case .listForStream(let option)?:
            let stream = try Self.stream(of: option.streamOption)
            let infos = await groups.infos(stream: stream)
            // A stream without groups is NOT_FOUND with an empty group name, as the server answers.
            guard !infos.isEmpty else { throw GRPCFailure.persistentSubscriptionDoesNotExist(stream: stream, group: "") }
            response.subscriptions = infos.map(Self.subscriptionInfo)
        case nil:
            throw GRPCFailure.invalidArgument("The list option is missing.")
        }
        return ServerResponse(message: response)
    }

    /// Statistics are for authenticated users (anywhere: a follower answers for itself).
    private func statisticsReader(_ metadata: Metadata) throws(RPCError) {
        guard PersistentSubscriptions.mayReadStatistics(try node.caller(of: metadata)) else { throw GRPCFailure.accessDenied() }
    }

    /// A group's statistics in the API's shape.
    private static func subscriptionInfo(_ info: PersistentGroupInfo) -> SubscriptionInfo {
        var result = SubscriptionInfo()
        let settings = info.settings
        result.eventSource = info.key.stream
        result.groupName = info.key.group
        result.status = info.status
        result.connections = info.connections.map { connection in
            var result = SubscriptionInfo.ConnectionInfo()
            result.from = connection.identity.from
            result.username = connection.identity.username
            result.connectionName = connection.identity.connectionName
            result.averageItemsPerSecond = connection.averagePerSecond
            result.totalItems = connection.totalItems
            result.countSinceLastMeasurement = connection.countSinceLastMeasurement
            result.availableSlots = connection.availableSlots
            result.inFlightMessages = connection.inFlight
            // `observed_measurements` stays empty: the node does not time its consumers' work
            // (the server's extra statistics).
            return result
        }
        result.averagePerSecond = info.averagePerSecond
        result.totalItems = info.totalItems
        result.countSinceLastMeasurement = info.countSinceLastMeasurement
        result.lastCheckpointedEventPosition = info.lastCheckpoint?.description ?? ""
        result.lastKnownEventPosition = info.lastKnown?.description ?? ""
        result.resolveLinkTos = settings.resolveLinks
        result.startFrom = info.startFrom
        result.messageTimeoutMilliseconds = settings.messageTimeoutMs
        result.extraStatistics = settings.recordStatistics
        result.maxRetryCount = settings.maxRetryCount
        result.liveBufferSize = settings.liveBufferSize
        result.bufferSize = settings.bufferSize
        result.readBatchSize = settings.readBatchSize
        result.checkPointAfterMilliseconds = settings.checkpointAfterMs
        result.minCheckPointCount = settings.checkpointMinCount
        result.maxCheckPointCount = settings.checkpointMaxCount
        result.readBufferCount = info.readBufferCount
        // `live_buffer_count` stays 0: the node has no live buffer — live events are read from the
        // log like history and counted in `read_buffer_count`.
        result.retryBufferCount = info.retryBufferCount
        result.totalInFlightMessages = info.totalInFlight
        result.outstandingMessagesCount = info.outstandingCount
        result.namedConsumerStrategy = settings.strategy.rawValue
        result.maxSubscriberCount = settings.maxSubscribers
        result.parkedMessageCount = info.parkedCount
        return result
    }
}
