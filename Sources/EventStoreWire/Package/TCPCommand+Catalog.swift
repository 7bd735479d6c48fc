import SwiftProtobuf

/// What the payload of a package holds, decided by its command (docs/protocol.md §1.7).
public enum TCPPayloadKind: Sendable {
    /// Always empty (heartbeats, Authenticate, Authenticated, ClientIdentified).
    case empty
    /// Arbitrary bytes that are echoed (Ping/Pong).
    case opaque
    /// UTF-8 text (BadRequest, NotAuthenticated).
    case text
    /// A serialized protobuf message of the given type.
    case message(any SwiftProtobuf.Message.Type)
}

extension TCPCommand {
    struct Entry: Sendable {
        let name: String
        let payload: TCPPayloadKind
        let reply: TCPCommand?
    }

    static let catalog: [UInt8: Entry] = {
        var table: [UInt8: Entry] = [:]
        func add(_ command: TCPCommand, _ name: String, _ payload: TCPPayloadKind, reply: TCPCommand? = nil) {
            table[command.rawValue] = Entry(name: name, payload: payload, reply: reply)
        }
        add(.heartbeatRequest, "HeartbeatRequestCommand", .empty, reply: .heartbeatResponse)
        add(.heartbeatResponse, "HeartbeatResponseCommand", .empty)
        add(.ping, "Ping", .opaque, reply: .pong)
        add(.pong, "Pong", .opaque)
        add(.badRequest, "BadRequest", .text)
        add(.notHandled, "NotHandled", .message(ESNotHandled.self))
        add(.authenticate, "Authenticate", .empty, reply: .authenticated)
        add(.authenticated, "Authenticated", .empty)
        add(.notAuthenticated, "NotAuthenticated", .text)
        add(.identifyClient, "IdentifyClient", .message(ESIdentifyClient.self), reply: .clientIdentified)
        add(.clientIdentified, "ClientIdentified", .empty)

        add(.writeEvents, "WriteEvents", .message(ESWriteEvents.self), reply: .writeEventsCompleted)
        add(.writeEventsCompleted, "WriteEventsCompleted", .message(ESWriteEventsCompleted.self))
        add(.transactionStart, "TransactionStart", .message(ESTransactionStart.self), reply: .transactionStartCompleted)
        add(.transactionStartCompleted, "TransactionStartCompleted", .message(ESTransactionStartCompleted.self))
        add(.transactionWrite, "TransactionWrite", .message(ESTransactionWrite.self), reply: .transactionWriteCompleted)
        add(.transactionWriteCompleted, "TransactionWriteCompleted", .message(ESTransactionWriteCompleted.self))
        add(.transactionCommit, "TransactionCommit", .message(ESTransactionCommit.self), reply: .transactionCommitCompleted)
        add(.transactionCommitCompleted, "TransactionCommitCompleted", .message(ESTransactionCommitCompleted.self))
        add(.deleteStream, "DeleteStream", .message(ESDeleteStream.self), reply: .deleteStreamCompleted)
        add(.deleteStreamCompleted, "DeleteStreamCompleted", .message(ESDeleteStreamCompleted.self))

        add(.readEvent, "ReadEvent", .message(ESReadEvent.self), reply: .readEventCompleted)
        add(.readEventCompleted, "ReadEventCompleted", .message(ESReadEventCompleted.self))
        add(.readStreamEventsForward, "ReadStreamEventsForward", .message(ESReadStreamEvents.self),
            reply: .readStreamEventsForwardCompleted)
        add(.readStreamEventsForwardCompleted, "ReadStreamEventsForwardCompleted",
            .message(ESReadStreamEventsCompleted.self))
        add(.readStreamEventsBackward, "ReadStreamEventsBackward", .message(ESReadStreamEvents.self),
            reply: .readStreamEventsBackwardCompleted)
        add(.readStreamEventsBackwardCompleted, "ReadStreamEventsBackwardCompleted",
            .message(ESReadStreamEventsCompleted.self))
        add(.readAllEventsForward, "ReadAllEventsForward", .message(ESReadAllEvents.self),
            reply: .readAllEventsForwardCompleted)
        add(.readAllEventsForwardCompleted, "ReadAllEventsForwardCompleted", .message(ESReadAllEventsCompleted.self))
        add(.readAllEventsBackward, "ReadAllEventsBackward", .message(ESReadAllEvents.self),
            reply: .readAllEventsBackwardCompleted)
        add(.readAllEventsBackwardCompleted, "ReadAllEventsBackwardCompleted", .message(ESReadAllEventsCompleted.self))
        add(.filteredReadAllEventsForward, "FilteredReadAllEventsForward", .message(ESFilteredReadAllEvents.self),
            reply: .filteredReadAllEventsForwardCompleted)
        add(.filteredReadAllEventsForwardCompleted, "FilteredReadAllEventsForwardCompleted",
            .message(ESFilteredReadAllEventsCompleted.self))
        add(.filteredReadAllEventsBackward, "FilteredReadAllEventsBackward", .message(ESFilteredReadAllEvents.self),
            reply: .filteredReadAllEventsBackwardCompleted)
        add(.filteredReadAllEventsBackwardCompleted, "FilteredReadAllEventsBackwardCompleted",
            .message(ESFilteredReadAllEventsCompleted.self))

        add(.subscribeToStream, "SubscribeToStream", .message(ESSubscribeToStream.self),
            reply: .subscriptionConfirmation)
        add(.subscriptionConfirmation, "SubscriptionConfirmation", .message(ESSubscriptionConfirmation.self))
        add(.streamEventAppeared, "StreamEventAppeared", .message(ESStreamEventAppeared.self))
        add(.unsubscribeFromStream, "UnsubscribeFromStream", .message(ESUnsubscribeFromStream.self),
            reply: .subscriptionDropped)
        add(.subscriptionDropped, "SubscriptionDropped", .message(ESSubscriptionDropped.self))
        add(.filteredSubscribeToStream, "FilteredSubscribeToStream", .message(ESFilteredSubscribeToStream.self),
            reply: .subscriptionConfirmation)
        add(.checkpointReached, "CheckpointReached", .message(ESCheckpointReached.self))

        add(.connectToPersistentSubscription, "ConnectToPersistentSubscription",
            .message(ESConnectToPersistentSubscription.self), reply: .persistentSubscriptionConfirmation)
        add(.persistentSubscriptionConfirmation, "PersistentSubscriptionConfirmation",
            .message(ESPersistentSubscriptionConfirmation.self))
        add(.persistentSubscriptionStreamEventAppeared, "PersistentSubscriptionStreamEventAppeared",
            .message(ESPersistentSubscriptionStreamEventAppeared.self))
        add(.createPersistentSubscription, "CreatePersistentSubscription",
            .message(ESCreatePersistentSubscription.self), reply: .createPersistentSubscriptionCompleted)
        add(.createPersistentSubscriptionCompleted, "CreatePersistentSubscriptionCompleted",
            .message(ESCreatePersistentSubscriptionCompleted.self))
        add(.deletePersistentSubscription, "DeletePersistentSubscription",
            .message(ESDeletePersistentSubscription.self), reply: .deletePersistentSubscriptionCompleted)
        add(.deletePersistentSubscriptionCompleted, "DeletePersistentSubscriptionCompleted",
            .message(ESDeletePersistentSubscriptionCompleted.self))
        add(.persistentSubscriptionAckEvents, "PersistentSubscriptionAckEvents",
            .message(ESPersistentSubscriptionAckEvents.self))
        add(.persistentSubscriptionNakEvents, "PersistentSubscriptionNakEvents",
            .message(ESPersistentSubscriptionNakEvents.self))
        add(.updatePersistentSubscription, "UpdatePersistentSubscription",
            .message(ESUpdatePersistentSubscription.self), reply: .updatePersistentSubscriptionCompleted)
        add(.updatePersistentSubscriptionCompleted, "UpdatePersistentSubscriptionCompleted",
            .message(ESUpdatePersistentSubscriptionCompleted.self))

        add(.scavengeDatabase, "ScavengeDatabase", .message(ESScavengeDatabase.self), reply: .scavengeDatabaseResponse)
        add(.scavengeDatabaseResponse, "ScavengeDatabaseResponse", .message(ESScavengeDatabaseResponse.self))
        return table
    }()
}
