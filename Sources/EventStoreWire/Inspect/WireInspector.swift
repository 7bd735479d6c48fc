import Foundation
import NIOCore
import SwiftProtobuf

/// Renders frames for people (`esdb wire decode`) and for scripts (`--json`).
///
/// Payload fields keep their `.proto` names; 16-byte ids are shown as .NET GUID text, JSON
/// event data is shown as JSON, other bytes as base64, and `NotHandled.additional_info` is
/// decoded as the `LeaderInfo` it carries.
public enum WireInspector {
    /// Why inspection stopped.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case hex(HexParseError)
        case framing(TCPFramingError, frameIndex: Int)
        case payload(TCPPayloadError, frameIndex: Int)

        public var description: String {
            switch self {
            case .hex(let error): return "bad hex input: \(error)"
            case .framing(let error, let index): return "frame \(index): \(error)"
            case .payload(let error, let index): return "frame \(index): \(error)"
            }
        }
    }

    /// One decoded frame, ready to print.
    public struct Frame: Sendable {
        public var index: Int
        public var package: TCPPackage
        public var payload: JSONValue

        /// Everything about the frame as one JSON object.
        public var json: JSONValue {
            var pairs: [(String, JSONValue)] = [
                ("frame", .int(Int64(index))),
                ("length", .int(Int64(package.encodedLength))),
                ("command", .string(package.command.name)),
                ("code", .string(package.command.hexCode)),
                ("flags", .array(flagNames.map(JSONValue.string))),
                ("correlation_id", .string(package.correlationID.dotNetString)),
            ]
            switch package.credentials {
            case .password(let login, _)?:
                pairs.append(("login", .string(login)))
                pairs.append(("password", .string("***")))
            case .token?:
                pairs.append(("token", .string("***")))
            case nil: break
            }
            pairs.append(("payload", payload))
            return .object(pairs)
        }

        var flagNames: [String] {
            let text = package.flags.description
            return text == "None" ? [] : text.split(separator: "|").map(String.init)
        }

        /// A multi-line human-readable rendering.
        public var text: String {
            var lines = ["frame \(index): \(package.encodedLength) bytes  \(package.command.name) (\(package.command.hexCode))"]
            lines.append("  flags:          \(package.flags)")
            lines.append("  correlation id: \(package.correlationID.dotNetString)")
            switch package.credentials {
            case .password(let login, _)?: lines.append("  credentials:    login \"\(login)\", password ***")
            case .token?: lines.append("  credentials:    bearer token ***")
            case nil: break
            }
            lines.append("  payload:        \(WireInspector.describePayloadHeader(payload, bytes: package.payload.readableBytes))")
            if case .object(let pairs) = payload, !pairs.isEmpty {
                WireInspector.appendTree(payload, indent: "    ", to: &lines)
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Parses hex text and decodes every frame in it.
    public static func inspect(hex: String) throws(Failure) -> [Frame] {
        let bytes: [UInt8]
        do { bytes = try HexBytes.parse(hex) } catch { throw .hex(error) }
        return try inspect(bytes: bytes)
    }

    /// Decodes every frame in `bytes`, and each payload as its command's message.
    public static func inspect(bytes: [UInt8]) throws(Failure) -> [Frame] {
        var buffer = ByteBuffer(bytes: bytes)
        let decoder = TCPFrameDecoder()
        var frames: [Frame] = []
        while buffer.readableBytes > 0 {
            let index = frames.count + 1
            let package: TCPPackage
            do {
                guard let next = try decoder.decodeLastFrame(buffer: &buffer, seenEOF: true) else { break }
                package = next
            } catch {
                throw .framing(error, frameIndex: index)
            }
            do {
                frames.append(Frame(index: index, package: package, payload: try payloadJSON(package)))
            } catch {
                throw .payload(error, frameIndex: index)
            }
        }
        return frames
    }

    /// The payload as JSON: an object of fields for protobuf messages, `{"text": …}` for text
    /// payloads, `{"hex": …}` for opaque bytes, `{}` when empty.
    public static func payloadJSON(_ package: TCPPackage) throws(TCPPayloadError) -> JSONValue {
        switch try package.decodePayload() {
        case .empty: return .object([])
        case .bytes(let bytes): return .object([("hex", .string(HexBytes.format(bytes, separator: "")))])
        case .text(let text): return .object([("text", .string(text))])
        case .message(let message): return messageJSON(message)
        }
    }

    /// Converts a message to JSON with readable ids, event data and leader info.
    public static func messageJSON(_ message: any SwiftProtobuf.Message) -> JSONValue {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        guard let text = try? message.jsonString(options: options), let raw = try? JSONValue(parsing: text) else {
            return .object([("unrenderable", .string(message.textFormatString()))])
        }
        return prettify(raw, key: nil, parent: raw)
    }

    static let int64Fields: Set<String> = [
        "event_number", "expected_version", "first_event_number", "last_event_number", "prepare_position",
        "commit_position", "current_version", "transaction_id", "from_event_number", "next_event_number",
        "last_commit_position", "next_commit_position", "next_prepare_position", "created", "created_epoch",
        "start_from",
    ]

    static func prettify(_ value: JSONValue, key: String?, parent: JSONValue) -> JSONValue {
        switch value {
        case .object(let pairs):
            var result: [(String, JSONValue)] = []
            for (name, child) in pairs {
                result.append(contentsOf: prettifyField(name, child, in: value))
            }
            return .object(result)
        case .array(let items):
            return .array(items.map { prettify($0, key: key, parent: parent) })
        case .string(let text):
            if let key, int64Fields.contains(key), let number = Int64(text) { return .int(number) }
            if let key, key == "event_id" || key == "processed_event_ids", let bytes = Data(base64Encoded: text),
               let id = UUID(dotNetBytes: bytes) {
                return .string(id.dotNetString)
            }
            return value
        default:
            return value
        }
    }

    static func prettifyField(_ name: String, _ value: JSONValue, in object: JSONValue) -> [(String, JSONValue)] {
        if name == "data" || name == "metadata", case .string(let base64) = value, let bytes = Data(base64Encoded: base64) {
            if bytes.isEmpty { return [(name, .string(""))] }
            if let json = try? JSONValue(parsing: Array(bytes)) { return [(name, json)] }
            if let text = String(validating: Array(bytes), as: UTF8.self), !text.contains(where: { $0.isASCII && $0.asciiValue! < 0x20 && $0 != "\n" && $0 != "\t" }) {
                return [(name + "_text", .string(text))]
            }
            return [(name + "_base64", value)]
        }
        if name == "additional_info", case .string(let base64) = value, let bytes = Data(base64Encoded: base64),
           let info = try? ESNotHandled.LeaderInfo(serializedBytes: bytes, partial: true) {
            return [("leader_info", messageJSON(info))]
        }
        return [(name, prettify(value, key: name, parent: object))]
    }

    static func describePayloadHeader(_ payload: JSONValue, bytes: Int) -> String {
        switch payload {
        case .object(let pairs) where pairs.isEmpty: return bytes == 0 ? "(empty)" : "\(bytes) bytes, all fields default"
        case .object(let pairs) where pairs.count == 1 && pairs[0].0 == "text":
            return "text " + (pairs[0].1.compactText)
        case .object(let pairs) where pairs.count == 1 && pairs[0].0 == "hex":
            return "\(bytes) opaque bytes " + pairs[0].1.compactText
        default: return "\(bytes) bytes"
        }
    }

    static func appendTree(_ value: JSONValue, indent: String, to lines: inout [String]) {
        guard case .object(let pairs) = value else { return }
        for (key, child) in pairs {
            switch child {
            case .object(let inner) where !inner.isEmpty && !(key == "data" || key == "metadata"):
                lines.append("\(indent)\(key):")
                appendTree(child, indent: indent + "  ", to: &lines)
            case .array(let items) where items.contains(where: { if case .object = $0 { return true } else { return false } }):
                lines.append("\(indent)\(key): [\(items.count)]")
                for item in items {
                    lines.append("\(indent)  -")
                    appendTree(item, indent: indent + "    ", to: &lines)
                }
            default:
                lines.append("\(indent)\(key): \(child.compactText)")
            }
        }
    }
}
