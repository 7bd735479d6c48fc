/// Names and conventions of streams (docs/protocol.md §4.13).
public enum StreamNames {
    /// The virtual stream of every record; empty on the wire.
    public static let all = "$all"
    /// Links to the first event of every stream.
    public static let streams = "$streams"
    /// System settings (default ACLs).
    public static let settings = "$settings"
    /// Prefix of metastreams.
    public static let metastreamPrefix = "$$"

    /// Whether `stream` is a system stream (starts with `$`).
    public static func isSystem(_ stream: String) -> Bool { stream.hasPrefix("$") }

    /// Whether `stream` is a metastream (`$$x`).
    public static func isMetastream(_ stream: String) -> Bool { stream.hasPrefix(metastreamPrefix) }

    /// `$$stream`.
    public static func metastream(of stream: String) -> String { metastreamPrefix + stream }

    /// The stream a metastream describes.
    public static func original(ofMetastream stream: String) -> String { String(stream.dropFirst(2)) }

    /// The category stream (`$ce-<text before the first '-'>`), for non-system streams with a dash.
    public static func categoryStream(of stream: String) -> String? {
        // Searched as UTF-8 bytes: Character search walks grapheme clusters, and this runs per append.
        guard !isSystem(stream), let dash = stream.utf8.firstIndex(of: UInt8(ascii: "-")), dash != stream.utf8.startIndex
        else { return nil }
        return "$ce-" + stream[..<dash]
    }
}

/// Event types the node writes or interprets.
public enum SystemEventTypes {
    /// A link to another event; data `N@stream`.
    public static let link = "$>"
    /// The body of a metastream event.
    public static let metadata = "$metadata"
    /// The tombstone of a hard-deleted stream.
    public static let streamDeleted = "$streamDeleted"
    /// A `$settings` event.
    public static let settings = "$settings"

    /// Parses a link event's data `N@stream`; `nil` if malformed.
    public static func parseLink(_ data: [UInt8]) -> (number: Int64, stream: String)? {
        guard let text = String(validating: data, as: UTF8.self), let at = text.firstIndex(of: "@"),
              let number = Int64(text[..<at])
        else { return nil }
        return (number, String(text[text.index(after: at)...]))
    }

    /// The data of a link to event `number` of `stream`.
    public static func linkData(number: Int64, stream: String) -> [UInt8] { Array("\(number)@\(stream)".utf8) }
}

/// Special numbers (docs/protocol.md §4.0).
public enum WireExpectedVersion {
    public static let any: Int64 = -2
    public static let noStream: Int64 = -1
    public static let streamExists: Int64 = -4
}

/// Event numbers with a meaning of their own.
public enum EventNumber {
    /// A hard-deleted stream's last event number (and a soft-deleted stream's `$tb`).
    public static let deletedStream = Int64.max
    /// "Invalid" in failed write replies.
    public static let invalid = Int64(Int32.min)
}
