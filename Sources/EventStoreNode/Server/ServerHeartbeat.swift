import NIOCore

/// The server side of heartbeats (docs/protocol.md §4.2), as a pure state machine.
///
/// Every `interval`: if nothing was received during it, ask the client for a heartbeat and
/// expect bytes within `timeout`; if the server itself sent nothing, send a request too so the
/// client sees traffic. Silence past the timeout closes the connection.
struct ServerHeartbeat {
    enum Action: Equatable {
        case none
        case sendRequest
        case close
    }

    let interval: TimeAmount
    let timeout: TimeAmount
    private var lastReceived: NIODeadline
    private var lastSent: NIODeadline
    private var awaitingSince: NIODeadline?

    init(interval: TimeAmount, timeout: TimeAmount, now: NIODeadline) {
        self.interval = interval
        self.timeout = timeout
        self.lastReceived = now
        self.lastSent = now
    }

    mutating func received(now: NIODeadline) {
        lastReceived = now
        awaitingSince = nil
    }

    mutating func sent(now: NIODeadline) {
        lastSent = now
    }

    /// Call on every tick (at least as often as `timeout`).
    mutating func tick(now: NIODeadline) -> Action {
        if let since = awaitingSince {
            if lastReceived > since { awaitingSince = nil } else if now - since >= timeout { return .close } else { return .none }
        }
        let quietIn = now - lastReceived >= interval
        let quietOut = now - lastSent >= interval
        guard quietIn || quietOut else { return .none }
        if quietIn { awaitingSince = now }
        lastSent = now
        return .sendRequest
    }
}
