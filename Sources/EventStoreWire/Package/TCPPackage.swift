import Foundation
import NIOCore

/// One package of the EventStoreDB TCP protocol: the part of a frame after the length prefix.
///
/// ```swift
/// let ping = TCPPackage(command: .ping, correlationID: UUID())
/// var frame = ByteBuffer()
/// try ping.encodeFrame(into: &frame)
/// ```
public struct TCPPackage: Hashable, Sendable, CustomStringConvertible {
    /// Size of the mandatory header: command, flags, correlation id.
    public static let headerLength = 18
    /// The largest package length either side accepts (64 MiB).
    public static let maxLength = 64 * 1024 * 1024

    /// What the package asks for or answers.
    public var command: TCPCommand
    /// The flags byte as received. ``TCPFlags/authenticated`` is kept in step with ``credentials`` on encode.
    public var flags: TCPFlags
    /// Matches replies and pushes to their request or subscription.
    public var correlationID: UUID
    /// Per-package credentials (the auth block), if any.
    public var credentials: TCPCredentials?
    /// The payload bytes (protobuf, text or opaque, depending on ``command``).
    public var payload: ByteBuffer

    /// Creates a package; the authenticated flag follows `credentials`.
    public init(
        command: TCPCommand,
        flags: TCPFlags = [],
        correlationID: UUID,
        credentials: TCPCredentials? = nil,
        payload: ByteBuffer = ByteBuffer()
    ) {
        self.command = command
        var flags = flags
        if credentials != nil { flags.insert(.authenticated) } else { flags.remove(.authenticated) }
        self.flags = flags
        self.correlationID = correlationID
        self.credentials = credentials
        self.payload = payload
    }

    /// The package length written in the frame's length prefix.
    public var encodedLength: Int {
        TCPPackage.headerLength + (credentials?.encodedLength ?? 0) + payload.readableBytes
    }

    public var description: String {
        var text = "\(command) id=\(correlationID.dotNetString) flags=\(flags)"
        if let credentials { text += " auth=\(credentials)" }
        return text + " payload=\(payload.readableBytes)B"
    }
}
