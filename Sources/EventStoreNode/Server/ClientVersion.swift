import EventStoreWire

/// The client protocol version set by IdentifyClient: V1 (0, the default) sees 32-bit event
/// numbers in some replies (docs/protocol.md §4.1).
enum ClientVersion: Sendable {
    case v1
    case v2

    /// `Int64.max` → `Int32.max`; other values truncated to 32 bits.
    static func downgrade(_ number: Int64) -> Int64 {
        number == Int64.max ? Int64(Int32.max) : Int64(Int32(truncatingIfNeeded: number))
    }
}
