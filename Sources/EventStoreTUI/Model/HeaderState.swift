import EventStoreClient
import Foundation

/// The header line: connection phase, node, user, heartbeat round trip, in-flight operations.
struct HeaderState: Sendable {
    var phase = "idle"
    var phaseDetail = ""
    var node = ""
    var user = ""
    var roundTrip: Duration?
    var inFlight = 0

    init() {}

    /// Takes a new phase.
    mutating func update(_ phase: ConnectionPhase) {
        self.phase = phase.name
        phaseDetail = phase.description
    }

    /// Whether the connection is up.
    var isConnected: Bool { phase == "connected" }

    /// The header text.
    var text: String {
        let rtt = roundTrip.map { String(format: "%.1f ms", Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15) }
        return "esdb  \(phase)  rtt \(rtt ?? "–")  in-flight \(inFlight)  user \(user)  node \(node)"
    }
}
