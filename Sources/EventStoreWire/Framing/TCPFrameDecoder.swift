import NIOCore

/// Splits a byte stream into ``TCPPackage``s, however the bytes were chunked.
///
/// Reads the 4-byte little-endian length, waits until the whole package is buffered, then
/// decodes it. A length outside 1…64 MiB is rejected as soon as the prefix arrives, so a
/// hostile peer cannot make it buffer more than one maximum-size package.
public struct TCPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = TCPPackage

    /// The largest package accepted; defaults to the protocol's 64 MiB.
    public let maxPackageLength: Int

    /// Creates a decoder with the given package size limit (capped at 64 MiB).
    public init(maxPackageLength: Int = TCPPackage.maxLength) {
        self.maxPackageLength = min(maxPackageLength, TCPPackage.maxLength)
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> TCPPackage? {
        try decodeFrame(buffer: &buffer)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> TCPPackage? {
        try decodeLastFrame(buffer: &buffer, seenEOF: seenEOF)
    }

    /// Decodes the next frame if it is complete; typed-throwing form of `decode(buffer:)`.
    public func decodeFrame(buffer: inout ByteBuffer) throws(TCPFramingError) -> TCPPackage? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else {
            return nil
        }
        guard length > 0, length <= UInt32(maxPackageLength) else { throw .invalidLength(length) }
        guard length >= UInt32(TCPPackage.headerLength) else {
            throw .packageTooShort(length: Int(length))
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        let package = buffer.readSlice(length: Int(length))!
        return try TCPPackage(decoding: package)
    }

    /// Decodes what is left at the end of the stream; bytes of an unfinished frame are an error.
    public func decodeLastFrame(buffer: inout ByteBuffer, seenEOF: Bool) throws(TCPFramingError) -> TCPPackage? {
        if let package = try decodeFrame(buffer: &buffer) { return package }
        guard seenEOF, buffer.readableBytes > 0 else { return nil }
        let expected = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self).map { Int($0) + 4 }
        throw .truncatedFrame(expected: expected ?? 4, available: buffer.readableBytes)
    }
}

/// Writes ``TCPPackage``s as frames; for use as a NIO `MessageToByteHandler`.
public struct TCPFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = TCPPackage

    public init() {}

    public func encode(data: TCPPackage, out: inout ByteBuffer) throws {
        try data.encodeFrame(into: &out)
    }
}
