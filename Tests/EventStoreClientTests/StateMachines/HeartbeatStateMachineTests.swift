@testable import EventStoreClient
import Foundation
import Testing

/// `HeartbeatStateMachine`: the client's side of docs/protocol.md §4.2, with time passed in.
@Suite struct HeartbeatStateMachineTests {
    let t0 = ContinuousClock.now
    func at(_ ms: Int64) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    func machine() -> HeartbeatStateMachine {
        HeartbeatStateMachine(interval: .milliseconds(750), timeout: .milliseconds(1500), now: t0)
    }

    /// The probe's id, or a recorded failure.
    func probe(_ action: HeartbeatStateMachine.Action, sourceLocation: SourceLocation = #_sourceLocation) -> UUID? {
        guard case .sendRequest(let id) = action else {
            Issue.record("expected a HeartbeatRequest, got \(action)", sourceLocation: sourceLocation)
            return nil
        }
        return id
    }

    @Test func noProbeBeforeTheInterval() {
        var heartbeat = machine()
        for ms in stride(from: Int64(0), through: 749, by: 50) {
            #expect(heartbeat.tick(now: at(ms)) == .none)
        }
        #expect(heartbeat.tick(now: at(749)) == .none)
    }

    @Test func probeAfterSilenceThenTimeout() throws {
        var heartbeat = machine()
        let id = try #require(probe(heartbeat.tick(now: at(750))))
        #expect(id != .zero)
        // One probe at a time: no second request while waiting.
        #expect(heartbeat.tick(now: at(800)) == .none)
        #expect(heartbeat.tick(now: at(750 + 1499)) == .none)
        #expect(heartbeat.tick(now: at(750 + 1500)) == .timedOut)
        #expect(heartbeat.tick(now: at(750 + 5000)) == .timedOut, "stays timed out until the driver drops it")
    }

    @Test func timeoutIsMeasuredFromTheProbeNotFromTheLastPackage() throws {
        var heartbeat = machine()
        #expect(heartbeat.tick(now: at(700)) == .none)
        // The timer only notices silence late (coarse ticks): the probe goes out at 1000.
        _ = try #require(probe(heartbeat.tick(now: at(1000))))
        #expect(heartbeat.tick(now: at(750 + 1500)) == .none)
        #expect(heartbeat.tick(now: at(1000 + 1500)) == .timedOut)
    }

    @Test func anyReceivedPackageResetsTheTimer() throws {
        var heartbeat = machine()
        #expect(heartbeat.received(correlationID: UUID(), now: at(500)) == nil)
        #expect(heartbeat.tick(now: at(750)) == .none)
        #expect(heartbeat.tick(now: at(1249)) == .none)
        _ = try #require(probe(heartbeat.tick(now: at(1250))))
    }

    @Test func anyPackageAfterTheProbeCountsAsAnAnswer() throws {
        var heartbeat = machine()
        let id = try #require(probe(heartbeat.tick(now: at(750))))
        // An unrelated package (e.g. a read reply) proves the connection is alive.
        #expect(heartbeat.received(correlationID: UUID(), now: at(1000)) == nil)
        #expect(heartbeat.tick(now: at(1500)) == .none)
        // The late answer to the probe is just traffic: no round trip.
        #expect(heartbeat.received(correlationID: id, now: at(1600)) == nil)
        // Well past the probe's timeout, nothing times out; the next probe comes an interval after the last package.
        #expect(heartbeat.tick(now: at(2349)) == .none)
        let next = try #require(probe(heartbeat.tick(now: at(2350))))
        #expect(next != id)
    }

    @Test func roundTripIsReportedWhenTheProbeIsAnswered() throws {
        var heartbeat = machine()
        let id = try #require(probe(heartbeat.tick(now: at(750))))
        #expect(heartbeat.received(correlationID: id, now: at(792)) == .milliseconds(42))
        // A duplicate answer is just traffic.
        #expect(heartbeat.received(correlationID: id, now: at(800)) == nil)
        #expect(heartbeat.tick(now: at(800 + 749)) == .none)
        let next = try #require(probe(heartbeat.tick(now: at(800 + 750))))
        #expect(next != id)
        #expect(heartbeat.received(correlationID: next, now: at(1550 + 1499)) == .milliseconds(1499))
        #expect(heartbeat.tick(now: at(1550 + 1500)) == .none, "answered: no timeout")
    }

    @Test func serverHeartbeatRequestsCountAsTraffic() {
        var heartbeat = machine()
        // A server HeartbeatRequest every 600 ms keeps the client from probing at all.
        for ms in stride(from: Int64(600), through: 6000, by: 600) {
            #expect(heartbeat.received(correlationID: UUID(), now: at(ms)) == nil)
            #expect(heartbeat.tick(now: at(ms + 500)) == .none)
        }
    }
}
