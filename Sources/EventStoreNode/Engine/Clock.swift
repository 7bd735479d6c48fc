import Foundation

/// Milliseconds since 1970 UTC, the node's timestamp for new events.
func currentEpochMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}

/// .NET `DateTime.ToBinary()` of a UTC instant (docs/protocol.md §4.9): ticks since 0001-01-01, kind bits 01.
func dotNetBinaryDate(epochMilliseconds ms: Int64) -> Int64 {
    let ticks = ms * 10_000 + 621_355_968_000_000_000
    return ticks | (1 << 62)
}
