import EventStoreClient
import EventStoreWire
import Foundation

/// An event as the shell shows it: one JSON object for `--json`, one line for tables, a block for `show`.
public struct EventView: Sendable, Equatable {
    public var stream: String
    public var number: Int64
    public var id: UUID
    public var type: String
    public var created: Date
    public var position: Position?
    public var isJSON: Bool
    public var data: [UInt8]
    public var metadata: [UInt8]
    /// The link the event was reached through (stream and number in the linking stream).
    public var link: (stream: String, number: Int64)?

    public static func == (lhs: EventView, rhs: EventView) -> Bool {
        lhs.json == rhs.json
    }

    /// Builds the view of a read or pushed event; `nil` for a link whose target is gone.
    public init?(_ resolved: ResolvedEvent) {
        guard let event = resolved.event else { return nil }
        stream = event.stream
        number = event.number
        id = event.id
        type = event.type
        created = event.created
        position = resolved.position
        isJSON = event.isJSON
        data = event.data
        metadata = event.metadata
        if let link = resolved.link { self.link = (link.stream, link.number) }
    }

    /// The data as JSON when it is JSON.
    var dataJSON: JSONValue? { isJSON ? try? JSONValue(parsing: data) : nil }
    var metadataJSON: JSONValue? { metadata.isEmpty ? nil : try? JSONValue(parsing: metadata) }

    /// ISO-8601 in UTC with milliseconds.
    static let isoStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func iso(_ date: Date) -> String { isoStyle.format(date) }

    /// `stream`, `number`, `id`, `type`, `created`, `position`, `data` (or `dataBase64`), `metadata`, `link`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("stream", .string(stream)), ("number", .int(number)), ("id", .string(id.dotNetString)), ("type", .string(type)),
            ("created", .string(Self.iso(created))),
        ]
        if let position {
            pairs.append(("position", .object([("commit", .int(position.commit)), ("prepare", .int(position.prepare))])))
        }
        if let dataJSON {
            pairs.append(("data", dataJSON))
        } else {
            pairs.append(("dataBase64", .string(Data(data).base64EncodedString())))
        }
        if let metadataJSON {
            pairs.append(("metadata", metadataJSON))
        } else if !metadata.isEmpty {
            pairs.append(("metadataBase64", .string(Data(metadata).base64EncodedString())))
        } else {
            pairs.append(("metadata", .null))
        }
        if let link { pairs.append(("link", .object([("stream", .string(link.stream)), ("number", .int(link.number))]))) }
        return .object(pairs)
    }

    /// The data for one table line: compact JSON, sanitized text, or `<N bytes>`.
    public var dataSummary: String {
        if let dataJSON { return TerminalText.sanitize(dataJSON.compactText) }
        if let text = String(validating: data, as: UTF8.self), !isJSON { return TerminalText.sanitize(text) }
        return "<\(data.count) bytes>"
    }

    /// `HH:MM:SS.mmm` in UTC, for tables.
    public var timeOfDay: String {
        let text = Self.iso(created)
        guard let t = text.firstIndex(of: "T") else { return text }
        return String(text[text.index(after: t)...].prefix(12))
    }

    /// The full event for `show`: headers, then pretty JSON (or a hex dump for binary data).
    public var detail: String {
        var lines = [
            "stream:   \(TerminalText.sanitize(stream))", "number:   \(number)", "id:       \(id.dotNetString)",
            "type:     \(TerminalText.sanitize(type))", "created:  \(Self.iso(created))",
        ]
        if let position { lines.append("position: \(position)") }
        if let link { lines.append("link:     \(TerminalText.sanitize(link.stream))#\(link.number)") }
        lines.append("data:")
        lines.append(contentsOf: Self.body(data, json: dataJSON))
        if !metadata.isEmpty {
            lines.append("metadata:")
            lines.append(contentsOf: Self.body(metadata, json: metadataJSON))
        }
        return lines.joined(separator: "\n")
    }

    static func body(_ bytes: [UInt8], json: JSONValue?) -> [String] {
        if let json { return json.prettyText.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + TerminalText.sanitize(String($0)) } }
        return TerminalText.hexDump(bytes).map { "  " + $0 }
    }
}
