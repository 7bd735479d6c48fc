import NIOCore

/// Sizes and writers for the protobuf wire format, for hand-written encoders of the few messages
/// that are hot enough to matter (the node's read replies).
///
/// Encoders built on these compute a message's size first (nested messages are length-prefixed),
/// reserve it once, then write each field in field-number order, as SwiftProtobuf does, so their
/// output is byte-for-byte what `serializedBytes()` produces for the same message.
///
/// ```swift
/// var buffer = ByteBuffer()
/// let size = ProtoSize.int64(1, 42) + ProtoSize.lengthDelimited(2, "abc".utf8.count)
/// buffer.writeProtoMessage(size: size) { sink in
///     sink.int64(field: 1, 42)
///     sink.string(field: 2, "abc")
/// }
/// ```
public enum ProtoSize {
    /// The bytes a varint takes for `value` (1…10).
    @inlinable
    public static func varint(_ value: UInt64) -> Int {
        // Every 7 significant bits take a byte; zero takes one.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// The bytes of a field key (tag and wire type) for `field`.
    @inlinable
    public static func key(_ field: Int) -> Int { varint(UInt64(field) << 3) }

    /// An `int64` field: key and varint (negative values take ten bytes, as protobuf requires).
    @inlinable
    public static func int64(_ field: Int, _ value: Int64) -> Int {
        key(field) + varint(UInt64(bitPattern: value))
    }

    /// An `int32` or enum field: negative values are sign-extended to ten bytes.
    @inlinable
    public static func int32(_ field: Int, _ value: Int32) -> Int { int64(field, Int64(value)) }

    /// A `bool` field.
    @inlinable
    public static func bool(_ field: Int) -> Int { key(field) + 1 }

    /// A length-delimited field (bytes, string or nested message) whose body is `length` bytes.
    @inlinable
    public static func lengthDelimited(_ field: Int, _ length: Int) -> Int {
        key(field) + varint(UInt64(length)) + length
    }
}

/// Writes protobuf fields into memory reserved for exactly the message (see
/// ``NIOCore/ByteBuffer/writeProtoMessage(size:_:)``): no capacity checks per field, one `memcpy` per body.
public struct ProtoSink: ~Copyable {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let capacity: Int
    @usableFromInline var written = 0
    /// How many bytes have been written.
    public var count: Int { written }

    @inlinable
    init(_ buffer: UnsafeMutableRawBufferPointer) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    @inlinable
    mutating func reserve(_ bytes: Int) -> UnsafeMutableRawPointer {
        precondition(written + bytes <= capacity, "protobuf message larger than its computed size")
        defer { written += bytes }
        return base + written
    }

    /// Writes `value` as a base-128 varint.
    @inlinable
    public mutating func varint(_ value: UInt64) {
        let target = reserve(ProtoSize.varint(value))
        var remaining = value
        var index = 0
        while remaining >= 0x80 {
            target.storeBytes(of: UInt8(truncatingIfNeeded: remaining) | 0x80, toByteOffset: index, as: UInt8.self)
            remaining >>= 7
            index += 1
        }
        target.storeBytes(of: UInt8(truncatingIfNeeded: remaining), toByteOffset: index, as: UInt8.self)
    }

    /// Writes a field key: the field number and wire type (0 varint, 2 length-delimited).
    @inlinable
    public mutating func key(field: Int, wireType: UInt8) {
        varint(UInt64(field) << 3 | UInt64(wireType))
    }

    /// Writes an `int64` field.
    @inlinable
    public mutating func int64(field: Int, _ value: Int64) {
        key(field: field, wireType: 0)
        varint(UInt64(bitPattern: value))
    }

    /// Writes an `int32` or enum field (negative values sign-extended, as protobuf requires).
    @inlinable
    public mutating func int32(field: Int, _ value: Int32) { int64(field: field, Int64(value)) }

    /// Writes a `bool` field.
    @inlinable
    public mutating func bool(field: Int, _ value: Bool) {
        key(field: field, wireType: 0)
        reserve(1).storeBytes(of: value ? 1 : 0, as: UInt8.self)
    }

    /// Writes the key and length of a length-delimited field whose body the caller writes next.
    @inlinable
    public mutating func lengthPrefix(field: Int, length: Int) {
        key(field: field, wireType: 2)
        varint(UInt64(length))
    }

    /// Writes a `bytes` field.
    @inlinable
    public mutating func bytes(field: Int, _ bytes: [UInt8]) {
        lengthPrefix(field: field, length: bytes.count)
        bytes.withUnsafeBytes { raw(UnsafeRawBufferPointer($0)) }
    }

    /// Writes a `string` field (UTF-8).
    @inlinable
    public mutating func string(field: Int, _ text: String) {
        var text = text
        lengthPrefix(field: field, length: text.utf8.count)
        text.withUTF8 { raw(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    mutating func raw(_ source: UnsafeRawBufferPointer) {
        guard let address = source.baseAddress, !source.isEmpty else { return }
        reserve(source.count).copyMemory(from: address, byteCount: source.count)
    }
}

extension ByteBuffer {
    /// Writes one protobuf message of exactly `size` bytes (computed with ``ProtoSize``) through `body`.
    ///
    /// Traps if `body` writes more than `size` bytes or fewer: a size pass that disagrees with the
    /// write pass is a bug in the encoder, and the bytes would be unreadable.
    @inlinable
    public mutating func writeProtoMessage(size: Int, _ body: (inout ProtoSink) -> Void) {
        guard size > 0 else { return }
        writeWithUnsafeMutableBytes(minimumWritableBytes: size) { memory in
            var sink = ProtoSink(UnsafeMutableRawBufferPointer(rebasing: memory[..<size]))
            body(&sink)
            precondition(sink.count == size, "protobuf message shorter than its computed size")
            return size
        }
    }
}
