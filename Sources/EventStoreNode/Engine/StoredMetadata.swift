import EventStoreWire

/// How the node reads stream metadata and `$settings` out of the log: by EventStoreDB 23.10's
/// rules (docs/node-fidelity.md §Metadata), which are stricter than the client's lenient reading.
///
/// - The *last* event of `$$s` counts, whatever its type, but only when it is flagged JSON and
///   non-empty; otherwise the stream has no metadata.
/// - `$maxCount`, `$maxAge`, `$tb`, `$cacheControl` must be JSON integers, `$tempStream` a boolean,
///   `$acl` an object whose only keys are `$r $w $d $mr $mw`, each a string or an array of strings.
///   A known key of the wrong type voids the whole document (no ACL either).
/// - `$maxCount`, `$maxAge`, `$cacheControl` ≤ 0 and `$tb` < 0 mean "not set"; a `$maxAge` or
///   `$cacheControl` too large for .NET's `TimeSpan` voids the document, as the server's parse throws.
enum StoredMetadata {
    /// Seconds that fit in a .NET `TimeSpan` (`Int64.max` ticks of 100 ns).
    static let timeSpanRange: ClosedRange<Int64> = (Int64.min / 10_000_000)...(Int64.max / 10_000_000)

    /// The metadata a metastream's last event gives its stream.
    static func metadata(fromLastEventOf metastream: RecordedLogEvent?) -> StreamMetadata {
        guard let event = metastream, event.isJSON, !event.data.isEmpty,
              event.number != EventNumber.deletedStream
        else { return .empty }
        return parse(event.data) ?? .empty
    }

    /// Parses a metadata body as the server does; `nil` when the server would void it.
    static func parse(_ bytes: [UInt8]) -> StreamMetadata? {
        guard let json = try? JSONValue(parsing: bytes), case .object(let pairs) = json else { return nil }
        var result = StreamMetadata()
        for (key, value) in pairs {
            switch key {
            case "$maxCount":
                guard case .int(let count) = value else { return nil }
                result.maxCount = count > 0 ? count : nil
            case "$maxAge":
                guard case .int(let seconds) = value, timeSpanRange.contains(seconds) else { return nil }
                result.maxAge = seconds > 0 ? seconds : nil
            case "$tb":
                guard case .int(let number) = value else { return nil }
                result.truncateBefore = number >= 0 ? number : nil
            case "$cacheControl":
                guard case .int(let seconds) = value, timeSpanRange.contains(seconds) else { return nil }
                result.cacheControl = seconds > 0 ? seconds : nil
            case "$tempStream":
                guard case .bool = value else { return nil }
                result.custom.removeAll { $0.0 == key }
                result.custom.append((key, value))
            case "$acl":
                guard let acl = parseACL(value) else { return nil }
                result.acl = acl
            default:
                result.custom.removeAll { $0.0 == key }
                result.custom.append((key, value))
            }
        }
        return result
    }

    /// Parses `$settings`' body as the server does; `nil` (no default ACLs) when it would fail.
    static func settings(from bytes: [UInt8]) -> SystemSettings {
        guard let json = try? JSONValue(parsing: bytes), case .object(let pairs) = json else { return SystemSettings() }
        var settings = SystemSettings()
        for (key, value) in pairs {
            switch key {
            case "$userStreamAcl":
                guard let acl = parseACL(value) else { return SystemSettings() }
                settings.userStreamACL = acl
            case "$systemStreamAcl":
                guard let acl = parseACL(value) else { return SystemSettings() }
                settings.systemStreamACL = acl
            default:
                continue
            }
        }
        return settings
    }

    /// An `$acl` object; `nil` for anything the server's reader rejects.
    private static func parseACL(_ value: JSONValue) -> StreamACL? {
        guard case .object(let pairs) = value else { return nil }
        var acl = StreamACL()
        for (key, value) in pairs {
            guard let roles = parseRoles(value) else { return nil }
            switch key {
            case "$r": acl.read = roles
            case "$w": acl.write = roles
            case "$d": acl.delete = roles
            case "$mr": acl.metaRead = roles
            case "$mw": acl.metaWrite = roles
            default: return nil
            }
        }
        return acl
    }

    private static func parseRoles(_ value: JSONValue) -> [String]? {
        switch value {
        case .string(let role): return [role]
        case .array(let items):
            var roles: [String] = []
            for item in items {
                guard case .string(let role) = item else { return nil }
                roles.append(role)
            }
            return roles
        default: return nil
        }
    }
}
