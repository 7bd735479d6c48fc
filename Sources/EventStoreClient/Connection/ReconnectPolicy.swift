/// Counts reconnection attempts against the configured maximum (`-1` = forever).
struct ReconnectPolicy {
    let maxReconnections: Int
    let delay: Duration
    private(set) var attempts = 0

    init(maxReconnections: Int, delay: Duration) {
        self.maxReconnections = maxReconnections
        self.delay = delay
    }

    enum Decision: Equatable {
        case reconnect(attempt: Int, after: Duration)
        case giveUp(attempts: Int)
    }

    /// Called when a connection dropped or an attempt failed.
    mutating func connectionLost() -> Decision {
        if maxReconnections >= 0, attempts >= maxReconnections { return .giveUp(attempts: attempts) }
        attempts += 1
        return .reconnect(attempt: attempts, after: delay)
    }

    /// Called once a connection is fully established (identified): the budget starts over.
    mutating func connected() {
        attempts = 0
    }
}
