import Foundation
import NIOCore
import SwiftProtobuf

/// Why a package's payload could not be read as the message its command calls for.
public struct TCPPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The command whose payload failed.
    public var command: TCPCommand
    /// What went wrong.
    public var reason: String

    public init(command: TCPCommand, reason: String) {
        self.command = command
        self.reason = reason
    }

    public var description: String { "cannot decode \(command.name) payload: \(reason)" }
}

extension TCPPackage {
    /// Creates a package whose payload is `message` serialized as protobuf.
    ///
    /// Serialization is partial-tolerant; build messages with every required field set
    /// (proto2 peers may be strict), as the constructors in this module do.
    public init(
        command: TCPCommand,
        correlationID: UUID,
        credentials: TCPCredentials? = nil,
        message: some SwiftProtobuf.Message
    ) {
        // Serializing with `partial: true` only skips the required-field check; it cannot fail.
        let bytes: [UInt8] = (try? message.serializedBytes(partial: true)) ?? []
        var payload = ByteBuffer()
        payload.writeBytes(bytes)
        self.init(command: command, correlationID: correlationID, credentials: credentials, payload: payload)
    }

    /// Decodes the payload as `type`, leniently: missing required fields decode as defaults
    /// (docs/protocol.md §3.3), since 22.x+ servers omit default values.
    ///
    /// - Throws: ``TCPPayloadError`` if the bytes are not a valid encoding of `type`.
    public func decodeMessage<M: SwiftProtobuf.Message>(as type: M.Type = M.self) throws(TCPPayloadError) -> M {
        do {
            return try M(serializedBytes: payload.readableBytesSpan, partial: true)
        } catch {
            throw TCPPayloadError(command: command, reason: "\(error)")
        }
    }

    /// Decodes the payload as whatever ``TCPCommand/payloadKind`` says it holds.
    ///
    /// - Throws: ``TCPPayloadError`` for an unknown command, a non-empty payload where none is
    ///   allowed, invalid UTF-8 text, or an undecodable protobuf message.
    public func decodePayload() throws(TCPPayloadError) -> TCPPayload {
        guard command.isKnown else {
            throw TCPPayloadError(command: command, reason: "unknown command \(command.hexCode)")
        }
        switch command.payloadKind {
        case .empty:
            guard payload.readableBytes == 0 else {
                throw TCPPayloadError(command: command, reason: "expected an empty payload, got \(payload.readableBytes) bytes")
            }
            return .empty
        case .opaque:
            return .bytes(Array(payload.readableBytesView))
        case .text:
            guard let text = String(validating: Array(payload.readableBytesView), as: UTF8.self) else {
                throw TCPPayloadError(command: command, reason: "text payload is not valid UTF-8")
            }
            return .text(text)
        case .message(let type):
            do {
                return .message(try type.init(serializedBytes: Array(payload.readableBytesView), partial: true))
            } catch {
                throw TCPPayloadError(command: command, reason: "\(error)")
            }
        }
    }
}

/// A package's payload, decoded according to its command.
public enum TCPPayload: Sendable {
    case empty
    case bytes([UInt8])
    case text(String)
    case message(any SwiftProtobuf.Message)
}
