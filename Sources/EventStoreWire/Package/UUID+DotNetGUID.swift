import Foundation
import NIOCore

/// Conversions between `UUID` and the .NET `Guid.ToByteArray()` layout used on the wire
/// (docs/protocol.md §1.5): the first three groups little-endian, the last eight bytes as written.
extension UUID {
    /// The all-zero id, reserved for connection-level BadRequest packages.
    public static let zero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Creates a UUID from 16 bytes in .NET `Guid` byte order; `nil` unless exactly 16 bytes.
    public init?<Bytes: Collection>(dotNetBytes bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 16 else { return nil }
        let b = Array(bytes)
        self.init(uuid: (b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
                         b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// The 16 bytes in .NET `Guid.ToByteArray()` order.
    public var dotNetBytes: [UInt8] {
        let u = uuid
        return [u.3, u.2, u.1, u.0, u.5, u.4, u.7, u.6, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
    }

    /// Lower-case text form, as .NET prints a `Guid`.
    public var dotNetString: String { uuidString.lowercased() }
}

extension ByteBuffer {
    /// Writes `id` in .NET `Guid` byte order (16 bytes).
    @discardableResult
    public mutating func writeDotNetGUID(_ id: UUID) -> Int {
        let u = id.uuid
        return writeBytes([u.3, u.2, u.1, u.0, u.5, u.4, u.7, u.6, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15])
    }

    /// Reads 16 bytes in .NET `Guid` byte order, or `nil` if fewer are readable.
    public mutating func readDotNetGUID() -> UUID? {
        guard let bytes = readBytes(length: 16) else { return nil }
        return UUID(dotNetBytes: bytes)
    }
}
