import Foundation

/// The client side of heartbeats (docs/protocol.md §4.2), with time passed in.
///
/// Any received package counts as life. After `interval` of silence the client sends a
/// HeartbeatRequest; if still nothing arrives within `timeout` after that, the connection is
/// considered dead.
struct HeartbeatStateMachine {
    enum Action: Equatable {
        case none
        case sendRequest(UUID)
        case timedOut
    }

    let interval: Duration
    let timeout: Duration
    private var lastReceived: ContinuousClock.Instant
    private var probe: (id: UUID, sentAt: ContinuousClock.Instant)?

    init(interval: Duration, timeout: Duration, now: ContinuousClock.Instant) {
        self.interval = interval
        self.timeout = timeout
        self.lastReceived = now
    }

    /// A package arrived; returns the round trip when it answers the outstanding probe.
    mutating func received(correlationID: UUID, now: ContinuousClock.Instant) -> Duration? {
        lastReceived = now
        defer { if probe != nil { probe = nil } }
        if let probe, probe.id == correlationID { return now - probe.sentAt }
        return nil
    }

    mutating func tick(now: ContinuousClock.Instant) -> Action {
        if let probe {
            return now - probe.sentAt >= timeout ? .timedOut : .none
        }
        guard now - lastReceived >= interval else { return .none }
        let id = UUID.random()
        probe = (id, now)
        return .sendRequest(id)
    }
}
