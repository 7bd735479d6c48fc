@testable import EventStoreClient
import EventStoreWire
import Foundation
import NIOCore
import Testing

/// `ConnectionStateMachine`: the lifecycle of docs/protocol.md §4.1–§4.4 as transcripts of actions, time passed in.
@Suite struct ConnectionStateMachineTests {
    typealias Action = ConnectionStateMachine.Action
    let node = Endpoint(host: "10.0.0.1", port: 1113)
    let leader = Endpoint(host: "10.0.0.2", port: 1113)
    let t0 = ContinuousClock.now

    func at(_ ms: Int64) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    func machine(credentials: TCPCredentials? = nil, maxReconnections: Int = 10) -> ConnectionStateMachine {
        ConnectionStateMachine(settings: .init(
            credentials: credentials, connectionName: "test-conn", handshakeTimeout: .milliseconds(7000),
            heartbeatInterval: .milliseconds(750), heartbeatTimeout: .milliseconds(1500),
            maxReconnections: maxReconnections, reconnectionDelay: .milliseconds(100)))
    }

    /// The packages the actions send.
    func sent(_ actions: [Action]) -> [TCPPackage] {
        actions.compactMap { if case .send(let package) = $0 { return package } else { return nil } }
    }

    func phases(_ actions: [Action]) -> [ConnectionPhase] {
        actions.compactMap { if case .phase(let phase) = $0 { return phase } else { return nil } }
    }

    /// Drives a machine to `.connected(node)`; returns the channel's generation.
    func connect(_ sm: inout ConnectionStateMachine, at ms: Int64 = 0) throws -> Int {
        let discover = sm.start()
        guard case .discover(_, let discovery)? = discover.last else { throw Failure("no discovery: \(discover)") }
        let connecting = sm.discovered(node, generation: discovery)
        guard case .connect(_, let generation)? = connecting.last else { throw Failure("no connect: \(connecting)") }
        var actions = try open(&sm, generation, secured: false, at: ms)
        let identify = try #require(sent(actions).first)
        actions = []
        #expect(sm.received(reply(.clientIdentified, to: identify), generation: generation, now: at(ms), &actions) == .consumed)
        #expect(actions.contains(.connectionEstablished))
        return generation
    }

    /// The channel of `generation` connects; it must not be stale.
    func open(_ sm: inout ConnectionStateMachine, _ generation: Int, secured: Bool, at ms: Int64) throws -> [Action] {
        guard let actions = sm.channelConnected(generation: generation, secured: secured, now: at(ms)) else {
            throw Failure("generation \(generation) is stale")
        }
        return actions
    }

    func reply(_ command: TCPCommand, to request: TCPPackage, text: String = "") -> TCPPackage {
        TCPPackage(command: command, correlationID: request.correlationID, payload: ByteBuffer(string: text))
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Handshake

    @Test func handshakeWithoutCredentialsIdentifiesAsVersionOneWithTheConnectionName() throws {
        var sm = machine()
        let start = sm.start()
        #expect(start == [.phase(.discovering(attempt: 1)), .discover(avoiding: nil, generation: 1)])
        let connecting = sm.discovered(node, generation: 1)
        #expect(connecting == [.phase(.connecting(node)), .connect(node, generation: 2)])
        let session = try open(&sm, 2, secured: false, at: 0)
        #expect(phases(session) == [.identifying(node)])
        let identify = try #require(sent(session).first)
        #expect(identify.command == .identifyClient)
        let message: ESIdentifyClient = try identify.decodeMessage()
        #expect(message.version == 1)
        #expect(message.connectionName == "test-conn")
        var actions: [Action] = []
        #expect(sm.received(reply(.clientIdentified, to: identify), generation: 2, now: at(5), &actions) == .consumed)
        #expect(actions == [.phase(.connected(node)), .connectionEstablished])
        #expect(sm.phase == .connected(node))
    }

    @Test func credentialsAuthenticateFirstThenIdentify() throws {
        let credentials = TCPCredentials.password(login: "admin", password: "changeit")
        var sm = machine(credentials: credentials)
        _ = sm.start()
        _ = sm.discovered(node, generation: 1)
        let session = try open(&sm, 2, secured: false, at: 0)
        #expect(phases(session) == [.authenticating(node)])
        let authenticate = try #require(sent(session).first)
        #expect(authenticate.command == .authenticate)
        #expect(authenticate.credentials == credentials)
        var actions: [Action] = []
        #expect(sm.received(reply(.authenticated, to: authenticate), generation: 2, now: at(3), &actions) == .consumed)
        #expect(phases(actions) == [.identifying(node)])
        #expect(sent(actions).map(\.command) == [.identifyClient])
    }

    @Test func rejectedCredentialsAreReportedAndTheConnectionGoesOnAnonymously() throws {
        var sm = machine(credentials: .password(login: "admin", password: "wrong"))
        _ = sm.start()
        _ = sm.discovered(node, generation: 1)
        let authenticate = try #require(sent(try open(&sm, 2, secured: false, at: 0)).first)
        var actions: [Action] = []
        _ = sm.received(reply(.notAuthenticated, to: authenticate, text: "Bad credentials"), generation: 2, now: at(1), &actions)
        #expect(actions.first == .authenticationFailed(reason: "Bad credentials"))
        #expect(sent(actions).map(\.command) == [.identifyClient])
    }

    @Test func authenticateWithoutReplyTimesOutIntoIdentify() throws {
        var sm = machine(credentials: .password(login: "admin", password: "changeit"))
        _ = sm.start()
        _ = sm.discovered(node, generation: 1)
        let authenticate = try #require(sent(try open(&sm, 2, secured: false, at: 0)).first)
        // Heartbeats keep the connection alive meanwhile; the deadline is the handshake timeout.
        #expect(sm.tick(now: at(6999)).allSatisfy { if case .send(let p) = $0 { return p.command == .heartbeatRequest } else { return false } })
        let late = sm.tick(now: at(7000))
        #expect(late.first == .authenticationFailed(reason: "no reply to Authenticate within 7.0 seconds"))
        #expect(sent(late).map(\.command) == [.identifyClient])
        // A late Authenticated for the old id goes to the operation table (which ignores it), not to the handshake.
        var actions: [Action] = []
        #expect(sm.received(reply(.authenticated, to: authenticate), generation: 2, now: at(7001), &actions) == .forward)
        #expect(sm.phase == .identifying(node))
    }

    @Test func identifyWithoutReplyDropsTheConnection() throws {
        var sm = machine()
        _ = sm.start()
        _ = sm.discovered(node, generation: 1)
        _ = try open(&sm, 2, secured: false, at: 0)
        let actions = sm.tick(now: at(7000)).filter { if case .send = $0 { return false } else { return true } }
        let reason = "no reply to IdentifyClient within 7.0 seconds"
        #expect(actions == [
            .connectionLost(reason: reason), .phase(.dropped(node, reason: reason)),
            .phase(.waitingToReconnect(attempt: 1, maxAttempts: 10, after: .milliseconds(100))),
            .scheduleReconnect(after: .milliseconds(100), generation: 3), .closeChannel,
        ])
    }

    @Test func anUnexpectedReplyToTheHandshakeDropsTheConnection() throws {
        var sm = machine()
        _ = sm.start()
        _ = sm.discovered(node, generation: 1)
        let identify = try #require(sent(try open(&sm, 2, secured: false, at: 0)).first)
        var actions: [Action] = []
        #expect(sm.received(reply(.writeEventsCompleted, to: identify), generation: 2, now: at(1), &actions) == .consumed)
        #expect(actions.first == .connectionLost(reason: "unexpected WriteEventsCompleted during the handshake"))
        #expect(actions.last == .closeChannel)
    }

    @Test func tlsComesBeforeTheSessionAndHasADeadline() throws {
        var sm = machine()
        _ = sm.start()
        _ = sm.discovered(node, generation: 1)
        let secured = try open(&sm, 2, secured: true, at: 0)
        #expect(secured == [.phase(.tlsHandshake(node))])
        #expect(sm.tick(now: at(2000)).isEmpty, "no heartbeats before TLS is up")
        let session = sm.tlsEstablished(generation: 2, now: at(10))
        #expect(phases(session) == [.identifying(node)])

        var slow = machine()
        _ = slow.start()
        _ = slow.discovered(node, generation: 1)
        _ = try open(&slow, 2, secured: true, at: 0)
        let timedOut = slow.tick(now: at(7000))
        #expect(timedOut.first == .connectionLost(reason: "TLS handshake with 10.0.0.1:1113 did not finish within 7.0 seconds"))
        #expect(timedOut.last == .closeChannel)
    }

    // MARK: Heartbeats

    @Test func serverHeartbeatRequestsAreAnsweredAtOnce() throws {
        var sm = machine()
        let generation = try connect(&sm)
        let id = UUID()
        var actions: [Action] = []
        #expect(sm.received(TCPPackage(command: .heartbeatRequest, correlationID: id), generation: generation, now: at(1), &actions)
                == .consumed)
        #expect(actions == [.send(TCPPackage(command: .heartbeatResponse, correlationID: id))])
    }

    @Test func silenceProbesThenTimesOutAndReconnects() throws {
        var sm = machine()
        let generation = try connect(&sm)
        #expect(sm.tick(now: at(749)).isEmpty)
        let probe = try #require(sent(sm.tick(now: at(750))).first)
        #expect(probe.command == .heartbeatRequest)
        #expect(sm.tick(now: at(2249)).isEmpty)
        let dropped = sm.tick(now: at(2250))
        #expect(dropped.first == .connectionLost(reason: "heartbeat timeout"))
        #expect(dropped.contains(.scheduleReconnect(after: .milliseconds(100), generation: generation + 1)))
        #expect(sm.heartbeatTimeouts == 1)
        #expect(sm.reconnections == 1)
    }

    @Test func theAnswerToAProbeReportsTheRoundTrip() throws {
        var sm = machine()
        let generation = try connect(&sm)
        let probe = try #require(sent(sm.tick(now: at(750))).first)
        var actions: [Action] = []
        #expect(sm.received(TCPPackage(command: .heartbeatResponse, correlationID: probe.correlationID), generation: generation,
                            now: at(762), &actions) == .consumed)
        #expect(actions == [.heartbeatRoundTrip(.milliseconds(12))])
        #expect(sm.tick(now: at(2400)).allSatisfy { if case .send = $0 { return true } else { return false } },
                "answered: a new probe, not a timeout")
    }

    // MARK: Drops and reconnection

    @Test func aDropReconnectsAfterTheDelayWithFreshDiscovery() throws {
        var sm = machine()
        let generation = try connect(&sm)
        let dropped = sm.channelClosed(generation: generation, reason: "connection reset")
        #expect(dropped == [
            .connectionLost(reason: "connection reset"), .phase(.dropped(node, reason: "connection reset")),
            .phase(.waitingToReconnect(attempt: 1, maxAttempts: 10, after: .milliseconds(100))),
            .scheduleReconnect(after: .milliseconds(100), generation: generation + 1),
        ])
        #expect(sm.reconnectDelayElapsed(generation: generation + 1) == [
            .phase(.discovering(attempt: 2)), .discover(avoiding: nil, generation: generation + 2),
        ])
    }

    @Test func aFailedNodeIsAvoidedByTheNextDiscovery() {
        var sm = machine()
        _ = sm.start()
        _ = sm.discovered(node, generation: 1)
        let failed = sm.connectFailed(generation: 2, reason: "connection refused")
        #expect(failed.last == .scheduleReconnect(after: .milliseconds(100), generation: 2))
        #expect(sm.reconnectDelayElapsed(generation: 2).last == .discover(avoiding: node, generation: 3))
    }

    @Test func eventsOfAnOlderGenerationAreIgnored() throws {
        var sm = machine()
        let old = try connect(&sm)
        _ = sm.channelClosed(generation: old, reason: "reset")
        var actions: [Action] = []
        #expect(sm.received(TCPPackage(command: .heartbeatRequest, correlationID: UUID()), generation: old, now: at(1), &actions)
                == .stale)
        #expect(actions.isEmpty)
        #expect(sm.channelClosed(generation: old, reason: "late close").isEmpty)
        #expect(sm.channelConnected(generation: old, secured: false, now: at(1)) == nil, "a late channel must be closed")
        #expect(sm.discovered(leader, generation: old).isEmpty)
        #expect(sm.reconnectDelayElapsed(generation: old).isEmpty)
    }

    @Test func theReconnectionBudgetEndsInClosed() {
        var sm = machine(maxReconnections: 2)
        _ = sm.start()
        var generation = 1
        for attempt in 1...2 {
            let failed = sm.discoveryFailed(generation: generation, reason: "no nodes")
            #expect(failed.contains(.phase(.waitingToReconnect(attempt: attempt, maxAttempts: 2, after: .milliseconds(100)))))
            let again = sm.reconnectDelayElapsed(generation: generation)
            guard case .discover(_, let next)? = again.last else { Issue.record("\(again)"); return }
            generation = next
        }
        let reason = "gave up after 2 reconnection attempts (last: no nodes)"
        #expect(sm.discoveryFailed(generation: generation, reason: "no nodes") == [.phase(.closed(reason: reason)),
                                                                                  .shutDown(reason: reason)])
        #expect(sm.isClosed)
        #expect(sm.start().isEmpty && sm.tick(now: at(10_000)).isEmpty)
    }

    @Test func theBudgetStartsOverOnceIdentified() throws {
        var sm = machine(maxReconnections: 1)
        var generation = try connect(&sm)
        _ = sm.channelClosed(generation: generation, reason: "reset")
        let discovery = sm.reconnectDelayElapsed(generation: generation + 1)
        guard case .discover(_, let next)? = discovery.last else { throw Failure("\(discovery)") }
        guard case .connect(_, let channel)? = sm.discovered(node, generation: next).last else { throw Failure("no connect") }
        generation = channel
        let identify = try #require(sent(try open(&sm, generation, secured: false, at: 0)).first)
        var actions: [Action] = []
        _ = sm.received(reply(.clientIdentified, to: identify), generation: generation, now: at(1), &actions)
        let dropped = sm.channelClosed(generation: generation, reason: "reset again")
        #expect(dropped.contains(.phase(.waitingToReconnect(attempt: 1, maxAttempts: 1, after: .milliseconds(100)))))
    }

    @Test func aConnectionLevelBadRequestDropsWithTheServersText() throws {
        var sm = machine()
        let generation = try connect(&sm)
        var actions: [Action] = []
        let bad = TCPPackage(command: .badRequest, correlationID: .zero, payload: ByteBuffer(string: "Invalid TCP frame"))
        #expect(sm.received(bad, generation: generation, now: at(1), &actions) == .consumed)
        #expect(actions.first == .connectionLost(reason: "the server closed the connection: Invalid TCP frame"))
        #expect(actions.last == .closeChannel)
    }

    @Test func operationRepliesAreForwardedOnceConnected() throws {
        var sm = machine()
        let generation = try connect(&sm)
        var actions: [Action] = []
        #expect(sm.received(TCPPackage(command: .writeEventsCompleted, correlationID: UUID()), generation: generation,
                            now: at(1), &actions) == .forward)
        #expect(actions.isEmpty)
    }

    // MARK: Redirects and close

    @Test func aRedirectDropsTheConnectionAndGoesStraightToTheLeader() throws {
        var sm = machine()
        let generation = try connect(&sm)
        let redirect = sm.redirect(to: leader)
        let reason = "redirected to the leader at 10.0.0.2:1113"
        #expect(redirect == [
            .redirected(to: leader), .connectionLost(reason: reason), .phase(.dropped(node, reason: reason)),
            .phase(.waitingToReconnect(attempt: 1, maxAttempts: 10, after: .zero)),
            .scheduleReconnect(after: .zero, generation: generation + 1), .closeChannel,
        ])
        #expect(sm.redirect(to: node).isEmpty, "one redirect at a time")
        #expect(sm.reconnectDelayElapsed(generation: generation + 1) == [
            .phase(.connecting(leader)), .connect(leader, generation: generation + 2),
        ], "no discovery: the leader is known")
        #expect(sm.redirects == 1)
    }

    @Test func closeIsFinal() throws {
        var sm = machine()
        let generation = try connect(&sm)
        #expect(sm.close(reason: "bye") == [.closeChannel, .phase(.closed(reason: "bye")), .shutDown(reason: "bye")])
        #expect(sm.close(reason: "again").isEmpty)
        #expect(sm.channelClosed(generation: generation, reason: "reset").isEmpty)
        #expect(sm.redirect(to: leader).isEmpty)
    }
}
