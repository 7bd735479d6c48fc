import EventStoreClient
import EventStoreWire
import Foundation

extension ShellSession {
    func append(_ stream: String, type: String, data: ShellCommand.AppendData, expected: ExpectedVersion, id: String?,
                metadata: String?) async throws {
        let bytes: [UInt8]
        let isJSON: Bool
        switch data {
        case .json(let text):
            bytes = Array(text.utf8)
            isJSON = true
        case .file(let path):
            bytes = try Self.readFile(path)
            isJSON = true
        case .binary(let text):
            bytes = Array(text.utf8)
            isJSON = false
        case .binaryFile(let path):
            bytes = try Self.readFile(path)
            isJSON = false
        }
        if isJSON {
            do { _ = try JSONValue(parsing: bytes) } catch { throw ShellCommandError("data is not valid JSON: \(error)") }
        }
        var metadataBytes: [UInt8] = []
        if let metadata {
            metadataBytes = Array(metadata.utf8)
            do { _ = try JSONValue(parsing: metadataBytes) } catch { throw ShellCommandError("--meta is not valid JSON: \(error)") }
        }
        var eventID = UUID()
        if let id {
            guard let parsed = UUID(uuidString: id) else { throw ShellCommandError("--id \"\(id)\" is not a UUID") }
            eventID = parsed
        }
        guard !type.isEmpty else { throw ShellCommandError("event type is empty") }
        let event = EventData(id: eventID, type: type, data: bytes, metadata: metadataBytes, isJSON: isJSON)
        let result = try await client.append(to: stream, events: [event], expectedVersion: expected)
        sink.emit(.result(
            human: "appended \(TerminalText.sanitize(stream))#\(result.nextExpectedVersion) (\(eventID.dotNetString)) at \(result.position)",
            json: .object([("stream", .string(stream)), ("number", .int(result.nextExpectedVersion)),
                           ("id", .string(eventID.dotNetString)),
                           ("position", .object([("commit", .int(result.position.commit)), ("prepare", .int(result.position.prepare))]))])))
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let expanded = (path as NSString).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded) else {
            throw ShellCommandError("cannot read \(path)")
        }
        return Array(data)
    }

    func delete(_ stream: String, hard: Bool, expected: ExpectedVersion, confirmed: Bool) async throws {
        try await confirmDestructive("\(hard ? "Hard-delete (forever)" : "Delete") stream \(stream)?", confirmed: confirmed)
        let position = try await client.deleteStream(stream, expectedVersion: expected, hard: hard)
        sink.emit(.result(human: "\(hard ? "hard-deleted" : "deleted") \(TerminalText.sanitize(stream)) at \(position)",
                          json: .object([("deleted", .string(stream)), ("hard", .bool(hard))])))
    }

    func meta(_ stream: String, set json: String?, confirmed: Bool) async throws {
        if let json {
            let value: JSONValue
            do { value = try JSONValue(parsing: json) } catch { throw ShellCommandError("--set is not valid JSON: \(error)") }
            guard case .object = value else { throw ShellCommandError("--set must be a JSON object") }
            try await confirmDestructive("Replace the metadata of \(stream)?", confirmed: confirmed)
            let result = try await client.setStreamMetadata(stream, StreamMetadata(json: value))
            sink.emit(.result(human: "metadata of \(TerminalText.sanitize(stream)) set (version \(result.nextExpectedVersion))",
                              json: .object([("stream", .string(stream)), ("metadata", value),
                                             ("version", .int(result.nextExpectedVersion))])))
            return
        }
        let result = try await client.streamMetadata(stream)
        let value = result.json ?? .object([])
        let human = result.metastreamVersion < 0 ? "(no metadata for \(TerminalText.sanitize(stream)))"
            : TerminalText.sanitize(value.prettyText) + "\n(version \(result.metastreamVersion))"
        sink.emit(.result(human: human, json: .object([("stream", .string(stream)), ("metadata", value),
                                                       ("version", .int(result.metastreamVersion))])))
    }
}
