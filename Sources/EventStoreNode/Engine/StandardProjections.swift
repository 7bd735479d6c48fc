import EventStoreWire
import Foundation

/// Which projections the node runs (`--run-projections`); EventStoreDB's default is none.
public enum ProjectionMode: String, Sendable, CaseIterable {
    /// No projections: no `$streams`, `$ce-`, `$et-` or `$category-` links are written.
    case none
    /// The standard (system) projections.
    case system
}

/// The four standard projections of EventStoreDB, as they write their links (docs/node-fidelity.md
/// §Projections): in commits of their own after the source event's commit, for events of streams
/// whose name does not start with `$`.
///
/// | projection | writes to | event | data |
/// |---|---|---|---|
/// | `$streams` | `$streams` | `$>` | `0@stream`, for a stream's first event |
/// | `$stream_by_category` | `$category-<c>` | `$@` | the stream name, for its first event |
/// | `$by_category` | `$ce-<c>` | `$>` | `N@stream` (a link event: the link's own data) |
/// | `$by_event_type` | `$et-<type>` | `$>` | `N@stream` (link events are skipped) |
///
/// The category is the text before the first `-` (none without one, or with a leading `-`).
/// Each link carries metadata `{"$v":…,"$c":commit,"$p":prepare,…,"$causedBy":source id}`, which is
/// also how the node finds where to resume after a restart. The first write to an emitted stream
/// also writes its metadata, `{"$acl":{"$r":"$all","$mr":"$all"}}`: anyone may read them.
enum StandardProjections {
    /// The link streams' metadata, written before their first link.
    static let emittedStreamMetadata = Array(#"{"$acl":{"$r":"$all","$mr":"$all"}}"#.utf8)

    /// Whether `record` is input to the projections (a non-system stream's event).
    static func isSource(_ record: RecordedLogEvent) -> Bool {
        !StreamNames.isSystem(record.stream) && record.number != EventNumber.deletedStream
    }

    /// The category of a stream: the text before its first `-`, if that is not empty.
    static func category(of stream: String) -> Substring? {
        guard !StreamNames.isSystem(stream), let dash = stream.firstIndex(of: "-"), dash != stream.startIndex else { return nil }
        return stream[..<dash]
    }

    /// One link a projection emits.
    struct Link: Equatable {
        var stream: String
        var type: String
        var data: [UInt8]
        var metadata: [UInt8]
    }

    /// The links the standard projections emit for one source record, in the order the server's
    /// projections are created (`$streams`, `$stream_by_category`, `$by_category`, `$by_event_type`).
    static func links(for record: RecordedLogEvent) -> [Link] {
        guard isSource(record) else { return [] }
        var links: [Link] = []
        let target = SystemEventTypes.linkData(number: record.number, stream: record.stream)
        let category = category(of: record.stream)
        if record.number == 0 {
            links.append(Link(stream: StreamNames.streams, type: SystemEventTypes.link, data: target,
                              metadata: metadata(projection: 1, record)))
            if let category {
                links.append(Link(stream: "$category-" + category, type: "$@", data: Array(record.stream.utf8),
                                  metadata: metadata(projection: 2, record)))
            }
        }
        if let category {
            let data = record.type == SystemEventTypes.link ? record.data : target
            links.append(Link(stream: "$ce-" + category, type: SystemEventTypes.link, data: data,
                              metadata: metadata(projection: 3, record, original: record.stream)))
        }
        if record.type != SystemEventTypes.link {
            links.append(Link(stream: "$et-" + record.type, type: SystemEventTypes.link, data: target,
                              metadata: metadata(projection: 4, record)))
        }
        return links
    }

    /// A link's metadata: the projection's version tag, the source's position and id.
    static func metadata(projection: Int, _ record: RecordedLogEvent, original: String? = nil) -> [UInt8] {
        var pairs: [(String, JSONValue)] = [
            ("$v", .string("\(projection):-1:1:4")),
            ("$c", .int(record.position.commit)),
            ("$p", .int(record.position.prepare)),
        ]
        if let original { pairs.append(("$o", .string(original))) }
        pairs.append(("$causedBy", .string(UUID(dotNetBytes: record.eventID)?.uuidString.lowercased() ?? "")))
        return Array(JSONValue.object(pairs).compactText.utf8)
    }

    /// The source position a link was emitted for (its `$c`/`$p`), if its metadata says.
    static func sourcePosition(ofLink record: RecordedLogEvent) -> LogPosition? {
        guard record.type == SystemEventTypes.link || record.type == "$@",
              let json = try? JSONValue(parsing: record.metadata),
              case .int(let commit)? = json["$c"], case .int(let prepare)? = json["$p"]
        else { return nil }
        return LogPosition(commit: commit, prepare: prepare)
    }
}

extension WriterState {
    /// Appends the standard projections' links for `sources` (committed earlier, in log order).
    mutating func project(_ sources: [RecordedLogEvent], context: WriteContext, batch: inout WriteBatch) throws {
        for source in sources {
            for link in StandardProjections.links(for: source) {
                let number = try head(of: link.stream, in: batch.log) + 1
                if number == 0, try head(of: StreamNames.metastream(of: link.stream), in: batch.log) < 0 {
                    try appendMetadata(StandardProjections.emittedStreamMetadata, of: link.stream, context: context, batch: &batch)
                }
                let event = NewLogEvent(stream: link.stream, number: number, eventID: UUID.random().dotNetBytes, type: link.type,
                                        isJSON: false, data: link.data, metadata: link.metadata, createdMs: context.now)
                _ = try batch.append(event)
                heads[link.stream] = number
            }
        }
    }
}
