/// A command byte of the EventStoreDB TCP protocol (`TcpCommand` in the server sources).
///
/// Unknown values are representable, so a decoder never fails on an unexpected byte; use
/// ``isKnown`` to decide whether a package is one this library understands.
public struct TCPCommand: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The byte on the wire.
    public var rawValue: UInt8

    /// Wraps a command byte.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // MARK: Connection level
    public static let heartbeatRequest = TCPCommand(rawValue: 0x01)
    public static let heartbeatResponse = TCPCommand(rawValue: 0x02)
    public static let ping = TCPCommand(rawValue: 0x03)
    public static let pong = TCPCommand(rawValue: 0x04)
    public static let badRequest = TCPCommand(rawValue: 0xF0)
    public static let notHandled = TCPCommand(rawValue: 0xF1)
    public static let authenticate = TCPCommand(rawValue: 0xF2)
    public static let authenticated = TCPCommand(rawValue: 0xF3)
    public static let notAuthenticated = TCPCommand(rawValue: 0xF4)
    public static let identifyClient = TCPCommand(rawValue: 0xF5)
    public static let clientIdentified = TCPCommand(rawValue: 0xF6)

    // MARK: Writes
    public static let writeEvents = TCPCommand(rawValue: 0x82)
    public static let writeEventsCompleted = TCPCommand(rawValue: 0x83)
    public static let transactionStart = TCPCommand(rawValue: 0x84)
    public static let transactionStartCompleted = TCPCommand(rawValue: 0x85)
    public static let transactionWrite = TCPCommand(rawValue: 0x86)
    public static let transactionWriteCompleted = TCPCommand(rawValue: 0x87)
    public static let transactionCommit = TCPCommand(rawValue: 0x88)
    public static let transactionCommitCompleted = TCPCommand(rawValue: 0x89)
    public static let deleteStream = TCPCommand(rawValue: 0x8A)
    public static let deleteStreamCompleted = TCPCommand(rawValue: 0x8B)

    // MARK: Reads
    public static let readEvent = TCPCommand(rawValue: 0xB0)
    public static let readEventCompleted = TCPCommand(rawValue: 0xB1)
    public static let readStreamEventsForward = TCPCommand(rawValue: 0xB2)
    public static let readStreamEventsForwardCompleted = TCPCommand(rawValue: 0xB3)
    public static let readStreamEventsBackward = TCPCommand(rawValue: 0xB4)
    public static let readStreamEventsBackwardCompleted = TCPCommand(rawValue: 0xB5)
    public static let readAllEventsForward = TCPCommand(rawValue: 0xB6)
    public static let readAllEventsForwardCompleted = TCPCommand(rawValue: 0xB7)
    public static let readAllEventsBackward = TCPCommand(rawValue: 0xB8)
    public static let readAllEventsBackwardCompleted = TCPCommand(rawValue: 0xB9)
    public static let filteredReadAllEventsForward = TCPCommand(rawValue: 0xBA)
    public static let filteredReadAllEventsForwardCompleted = TCPCommand(rawValue: 0xBB)
    public static let filteredReadAllEventsBackward = TCPCommand(rawValue: 0xBC)
    /// The backward filtered read's completion really is 0xBE (0xBD is unused).
    public static let filteredReadAllEventsBackwardCompleted = TCPCommand(rawValue: 0xBE)

    // MARK: Subscriptions
    public static let subscribeToStream = TCPCommand(rawValue: 0xC0)
    public static let subscriptionConfirmation = TCPCommand(rawValue: 0xC1)
    public static let streamEventAppeared = TCPCommand(rawValue: 0xC2)
    public static let unsubscribeFromStream = TCPCommand(rawValue: 0xC3)
    public static let subscriptionDropped = TCPCommand(rawValue: 0xC4)
    public static let filteredSubscribeToStream = TCPCommand(rawValue: 0xD2)
    public static let checkpointReached = TCPCommand(rawValue: 0xD3)

    // MARK: Persistent subscriptions
    public static let connectToPersistentSubscription = TCPCommand(rawValue: 0xC5)
    public static let persistentSubscriptionConfirmation = TCPCommand(rawValue: 0xC6)
    public static let persistentSubscriptionStreamEventAppeared = TCPCommand(rawValue: 0xC7)
    public static let createPersistentSubscription = TCPCommand(rawValue: 0xC8)
    public static let createPersistentSubscriptionCompleted = TCPCommand(rawValue: 0xC9)
    public static let deletePersistentSubscription = TCPCommand(rawValue: 0xCA)
    public static let deletePersistentSubscriptionCompleted = TCPCommand(rawValue: 0xCB)
    public static let persistentSubscriptionAckEvents = TCPCommand(rawValue: 0xCC)
    public static let persistentSubscriptionNakEvents = TCPCommand(rawValue: 0xCD)
    public static let updatePersistentSubscription = TCPCommand(rawValue: 0xCE)
    public static let updatePersistentSubscriptionCompleted = TCPCommand(rawValue: 0xCF)

    // MARK: Admin
    public static let scavengeDatabase = TCPCommand(rawValue: 0xD0)
    public static let scavengeDatabaseResponse = TCPCommand(rawValue: 0xD1)

    /// The command's name as spelled in the server's `TcpCommand` enum, or `Unknown(0xNN)`.
    public var name: String { TCPCommand.catalog[rawValue]?.name ?? "Unknown(\(hexCode))" }

    /// `0xNN`, upper-case hex.
    public var hexCode: String {
        let digits = String(rawValue, radix: 16, uppercase: true)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }

    /// Whether the command is part of the client protocol this library speaks.
    public var isKnown: Bool { TCPCommand.catalog[rawValue] != nil }

    /// What the payload of a package with this command holds.
    public var payloadKind: TCPPayloadKind { TCPCommand.catalog[rawValue]?.payload ?? .opaque }

    /// The command a server answers this request with, when the request has a direct reply.
    ///
    /// Every request may also be answered with ``notHandled``, ``notAuthenticated`` or ``badRequest``.
    public var replyCommand: TCPCommand? { TCPCommand.catalog[rawValue]?.reply }

    /// Every command this library knows, in code order.
    public static var allKnown: [TCPCommand] { catalog.keys.sorted().map(TCPCommand.init(rawValue:)) }

    public var description: String { "\(name) (\(hexCode))" }
}
