@testable import EventStoreClient
import Testing

/// `ReconnectPolicy`: the MaxReconnections budget of docs/protocol.md §4.4.
@Suite struct ReconnectPolicyTests {
    @Test func countsToTheMaximumThenGivesUp() {
        var policy = ReconnectPolicy(maxReconnections: 3, delay: .milliseconds(100))
        #expect(policy.attempts == 0)
        for attempt in 1...3 {
            #expect(policy.connectionLost() == .reconnect(attempt: attempt, after: .milliseconds(100)))
            #expect(policy.attempts == attempt)
        }
        #expect(policy.connectionLost() == .giveUp(attempts: 3))
        #expect(policy.connectionLost() == .giveUp(attempts: 3), "giving up is final")
        #expect(policy.attempts == 3)
    }

    @Test func zeroMeansNeverReconnect() {
        var policy = ReconnectPolicy(maxReconnections: 0, delay: .zero)
        #expect(policy.connectionLost() == .giveUp(attempts: 0))
    }

    @Test func minusOneReconnectsForever() {
        var policy = ReconnectPolicy(maxReconnections: -1, delay: .milliseconds(250))
        for attempt in 1...1000 {
            #expect(policy.connectionLost() == .reconnect(attempt: attempt, after: .milliseconds(250)))
        }
    }

    @Test func theBudgetStartsOverAfterAConnection() {
        var policy = ReconnectPolicy(maxReconnections: 2, delay: .milliseconds(100))
        #expect(policy.connectionLost() == .reconnect(attempt: 1, after: .milliseconds(100)))
        #expect(policy.connectionLost() == .reconnect(attempt: 2, after: .milliseconds(100)))
        policy.connected()
        #expect(policy.attempts == 0)
        #expect(policy.connectionLost() == .reconnect(attempt: 1, after: .milliseconds(100)))
        #expect(policy.connectionLost() == .reconnect(attempt: 2, after: .milliseconds(100)))
        #expect(policy.connectionLost() == .giveUp(attempts: 2))
    }
}
