import Foundation

/// Where an event sits in what a persistent subscription group reads: its number in the group's
/// stream, or — for a group on `$all` — its position in the log. Checkpoints, the read cursor and
/// the statistics' "last known" and "last checkpointed" positions are points.
enum PersistentPoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    case number(Int64)
    case position(LogPosition)

    /// Points of one group are all of one kind; numbers order before positions only to make the
    /// order total.
    static func < (lhs: PersistentPoint, rhs: PersistentPoint) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): a < b
        case (.position(let a), .position(let b)): a < b
        case (.number, .position): true
        case (.position, .number): false
        }
    }

    /// As the server prints it: `42`, or `C:<commit>/P:<prepare>`.
    var description: String {
        switch self {
        case .number(let number): String(number)
        case .position(let position): position.description
        }
    }

    /// The point a checkpoint event's data names: a JSON string (`"42"`, `"C:1/P:1"`; 21.10+) or, for
    /// a stream group, a number (`42`, 20.10). `all` says which kind the group uses.
    static func checkpoint(_ data: Data, all: Bool) -> PersistentPoint? {
        var text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        if all { return logPosition(text).map(PersistentPoint.position) }
        return Int64(text).map(PersistentPoint.number)
    }

    /// `C:<commit>/P:<prepare>` parsed; nil for any other text.
    static func logPosition(_ text: String) -> LogPosition? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].hasPrefix("C:"), parts[1].hasPrefix("P:"),
              let commit = Int64(parts[0].dropFirst(2)), let prepare = Int64(parts[1].dropFirst(2))
        else { return nil }
        return LogPosition(commit: commit, prepare: prepare)
    }

    /// A checkpoint event's data: the point as a JSON string, as 21.10+ writes it.
    var checkpointData: [UInt8] {
        Array("\"\(description)\"".utf8)
    }
}
