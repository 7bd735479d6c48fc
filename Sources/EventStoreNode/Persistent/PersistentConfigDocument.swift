import EventStoreWire
import Foundation

/// The `$PersistentConfig` event in `$persistentSubscriptionConfig`, shaped as EventStoreDB 21.10+
/// writes it (docs/node-fidelity.md §Persistent subscriptions): `version` "2", `updated`,
/// `updatedBy` and one entry per group, camelCase keys, members equal to their default (false, 0)
/// left out, `startPosition` as a string. Every change rewrites the whole document.
///
/// A group on `$all` is stored as the server stores it: `stream` `$all`, its filter as `filter`
/// (`EventFilterDto`), `startFrom` `long.MinValue` and `startPosition` `C:<commit>/P:<prepare>`.
///
/// Reading also accepts the shape earlier versions of this node wrote (`entries[].settings`).
enum PersistentConfigDocument {
    /// One group as stored.
    struct Entry: Equatable {
        var stream: String
        var group: String
        var settings: PersistentSettings
    }

    /// The document's bytes.
    static func encode(_ entries: [Entry], updatedBy: String?, now: Date) -> [UInt8] {
        var top: [(String, JSONValue)] = [("version", .string("2")), ("updated", .string(timestamp(now)))]
        if let updatedBy { top.append(("updatedBy", .string(updatedBy))) }
        top.append(("entries", .array(entries.map(entryJSON))))
        return Array(JSONValue.object(top).prettyText.utf8)
    }

    private static func entryJSON(_ entry: Entry) -> JSONValue {
        let s = entry.settings
        var pairs: [(String, JSONValue)] = [("stream", .string(entry.stream)), ("group", .string(entry.group))]
        func int(_ key: String, _ value: some BinaryInteger) {
            if value != 0 { pairs.append((key, .int(Int64(value)))) }
        }
        if let filter = s.filter { pairs.append(("filter", filter.json)) }
        if s.resolveLinks { pairs.append(("resolveLinkTos", .bool(true))) }
        if s.recordStatistics { pairs.append(("extraStatistics", .bool(true))) }
        int("messageTimeout", s.messageTimeoutMs)
        if let position = s.startPosition {
            int("startFrom", Int64.min)
            pairs.append(("startPosition", .string(position.description)))
        } else {
            int("startFrom", s.startFrom)
            pairs.append(("startPosition", .string(String(s.startFrom))))
        }
        int("liveBufferSize", s.liveBufferSize)
        int("historyBufferSize", s.bufferSize)
        int("maxRetryCount", s.maxRetryCount)
        int("readBatchSize", s.readBatchSize)
        int("checkPointAfter", s.checkpointAfterMs)
        int("minCheckPointCount", s.checkpointMinCount)
        int("maxCheckPointCount", s.checkpointMaxCount)
        int("maxSubscriberCount", s.maxSubscribers)
        pairs.append(("namedConsumerStrategy", .string(s.strategy.rawValue)))
        return .object(pairs)
    }

    /// The groups a stored document lists; nil when it is neither shape.
    static func decode(_ data: [UInt8]) -> [Entry]? {
        guard let json = try? JSONValue(parsing: data), case .array(let items)? = json["entries"] else { return nil }
        var entries: [Entry] = []
        for item in items {
            guard case .string(let stream)? = item["stream"], case .string(let group)? = item["group"] else { return nil }
            if let legacy = item["settings"] {
                // The shape this node wrote before it followed 23.10.
                guard let settings = try? JSONDecoder().decode(PersistentSettings.self, from: Data(legacy.compactText.utf8))
                else { return nil }
                entries.append(Entry(stream: stream, group: group, settings: settings))
                continue
            }
            guard var settings = settings(item) else { return nil }
            if stream == StreamNames.all {
                // The server skips a group on $all whose position or filter it cannot read.
                guard case .string(let text)? = item["startPosition"], let position = PersistentPoint.logPosition(text)
                else { continue }
                settings.startFrom = Int64.min
                settings.startPosition = position
                if let filter = item["filter"], filter != .null {
                    guard let parsed = PersistentAllFilter(json: filter) else { continue }
                    settings.filter = parsed
                }
            }
            entries.append(Entry(stream: stream, group: group, settings: settings))
        }
        return entries
    }

    private static func settings(_ item: JSONValue) -> PersistentSettings? {
        func int(_ key: String) -> Int64 {
            if case .int(let value)? = item[key] { return value }
            return 0
        }
        func bool(_ key: String) -> Bool {
            if case .bool(let value)? = item[key] { return value }
            return false
        }
        var startFrom = int("startFrom")
        if case .string(let text)? = item["startPosition"], let number = Int64(text) { startFrom = number }
        let strategyName: String
        if case .string(let name)? = item["namedConsumerStrategy"] { strategyName = name } else { strategyName = "RoundRobin" }
        guard let strategy = ConsumerStrategy(rawValue: strategyName) else { return nil }
        func int32(_ key: String) -> Int32 { Int32(clamping: int(key)) }
        return PersistentSettings(
            resolveLinks: bool("resolveLinkTos"), startFrom: startFrom, messageTimeoutMs: int32("messageTimeout"),
            maxRetryCount: int32("maxRetryCount"), liveBufferSize: int32("liveBufferSize"), readBatchSize: int32("readBatchSize"),
            bufferSize: int32("historyBufferSize"), checkpointAfterMs: int32("checkPointAfter"),
            checkpointMinCount: int32("minCheckPointCount"), checkpointMaxCount: int32("maxCheckPointCount"),
            maxSubscribers: int32("maxSubscriberCount"), strategy: strategy, recordStatistics: bool("extraStatistics"))
    }

    /// .NET's round-trip date format in UTC, as the server's serializer writes `updated`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
