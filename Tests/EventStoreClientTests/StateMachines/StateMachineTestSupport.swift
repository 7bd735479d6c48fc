@testable import EventStoreClient
import EventStoreWire
import Foundation
import NIOCore

/// An operation handler that records what the table gave it and answers with scripted decisions.
///
/// `script` is consumed one decision per reply; when it is empty the handler answers `fallback`.
final class FakeOperationHandler: OperationHandler {
    private(set) var replies: [TCPPackage] = []
    private(set) var failures: [EventStoreClientError] = []
    var script: [ReplyDecision]
    var fallback: ReplyDecision
    let isWrite: Bool
    let survivesReconnect: Bool

    init(_ script: [ReplyDecision] = [], fallback: ReplyDecision = .complete, isWrite: Bool = false,
         survivesReconnect: Bool = true) {
        self.script = script
        self.fallback = fallback
        self.isWrite = isWrite
        self.survivesReconnect = survivesReconnect
    }

    func handle(_ reply: TCPPackage) -> ReplyDecision {
        replies.append(reply)
        return script.isEmpty ? fallback : script.removeFirst()
    }

    func fail(_ error: EventStoreClientError) {
        failures.append(error)
    }

    /// The failure codes delivered, in order.
    var failureCodes: [EventStoreClientError.Code] { failures.map(\.code) }
}

/// A table plus the action log of the last step, so tests read as transcripts.
final class TableHarness {
    var table: OperationTable
    /// Actions produced by the most recent step.
    private(set) var actions: [OperationTable.Action] = []
    let t0 = ContinuousClock.now

    init(_ limits: OperationTable.Limits = .init()) {
        table = OperationTable(limits: limits)
    }

    /// `t0 + ms` milliseconds.
    func at(_ ms: Int64) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    @discardableResult
    func enqueue(_ command: TCPCommand, payload: [UInt8] = [], credentials: TCPCredentials? = nil,
                          _ handler: any OperationHandler, at ms: Int64 = 0) -> Int {
        actions = []
        return table.enqueue(command: command, payload: ByteBuffer(bytes: payload), credentials: credentials, handler: handler,
                             now: at(ms), actions: &actions)
    }

    /// A `ReadEvent` with an empty payload.
    @discardableResult
    func enqueue(_ handler: any OperationHandler, at ms: Int64 = 0) -> Int {
        enqueue(.readEvent, handler, at: ms)
    }

    func connect(at ms: Int64 = 0) {
        actions = []
        table.connectionEstablished(now: at(ms), actions: &actions)
    }

    func lose(_ reason: String = "test") {
        actions = []
        table.connectionLost(reason: reason, actions: &actions)
    }

    @discardableResult
    func receive(_ package: TCPPackage, at ms: Int64 = 0) -> Bool {
        actions = []
        return table.received(package, now: at(ms), actions: &actions)
    }

    func tick(at ms: Int64) {
        actions = []
        table.tick(now: at(ms), actions: &actions)
    }

    func cancel(_ id: Int) {
        actions = []
        table.cancel(id, actions: &actions)
    }

    /// Packages sent by the last step, in order.
    var sent: [TCPPackage] {
        actions.compactMap { if case .send(let package) = $0 { package } else { nil } }
    }

    /// Every retry announced by the last step.
    var retried: [Retry] {
        actions.compactMap {
            if case .retried(let command, let attempt, let reason) = $0 { Retry(command, attempt, reason) } else { nil }
        }
    }

    /// Reconnect targets requested by the last step.
    var reconnects: [Endpoint] {
        actions.compactMap { if case .reconnect(let endpoint) = $0 { endpoint } else { nil } }
    }

    func snapshots(at ms: Int64 = 0) -> [OperationSnapshot] { table.snapshots(now: at(ms)) }

    struct Retry: Equatable, CustomStringConvertible {
        var command: TCPCommand
        var attempt: Int
        var reason: String
        init(_ command: TCPCommand, _ attempt: Int, _ reason: String) {
            (self.command, self.attempt, self.reason) = (command, attempt, reason)
        }
        var description: String { "\(command.name)#\(attempt) (\(reason))" }
    }
}

// MARK: Server replies

enum Reply {
    /// A reply the generic rules do not intercept (the handler decides).
    static func completed(_ id: UUID, _ command: TCPCommand = .readEventCompleted) -> TCPPackage {
        TCPPackage(command: command, correlationID: id)
    }

    static func notHandled(_ id: UUID, _ reason: ESNotHandled.NotHandledReason, leader: ESNotHandled.LeaderInfo? = nil)
        -> TCPPackage {
        var message = ESNotHandled()
        message.reason = reason
        if let leader { message.additionalInfo = Data((try? leader.serializedBytes(partial: true)) ?? [UInt8]()) }
        return TCPPackage(command: .notHandled, correlationID: id, message: message)
    }

    static func leader(tcp: (String, Int32)? = nil, secureTCP: (String, Int32)? = nil) -> ESNotHandled.LeaderInfo {
        var info = ESNotHandled.LeaderInfo()
        if let tcp {
            info.externalTcpAddress = tcp.0
            info.externalTcpPort = tcp.1
        }
        if let secureTCP {
            info.externalSecureTcpAddress = secureTCP.0
            info.externalSecureTcpPort = secureTCP.1
        }
        info.httpAddress = "10.0.0.9"
        info.httpPort = 2113
        return info
    }

    /// NotAuthenticated / BadRequest carry raw UTF-8 text (docs/protocol.md §1.7).
    static func text(_ command: TCPCommand, _ id: UUID, _ text: String) -> TCPPackage {
        TCPPackage(command: command, correlationID: id, payload: ByteBuffer(string: text))
    }
}
