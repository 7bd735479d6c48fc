import NIOCore

/// Decodes every frame in a complete byte buffer, for tools and tests that hold all the bytes
/// at once (the wire inspector, the fuzzer).
public enum TCPFrameReader {
    /// Decodes all frames in `bytes`; trailing bytes that do not form a whole frame are an error.
    ///
    /// - Throws: ``TCPFramingError`` for the first malformed or truncated frame.
    public static func decodeAll(_ bytes: ByteBuffer, maxPackageLength: Int = TCPPackage.maxLength) throws(TCPFramingError) -> [TCPPackage] {
        let decoder = TCPFrameDecoder(maxPackageLength: maxPackageLength)
        var buffer = bytes
        var packages: [TCPPackage] = []
        while let package = try decoder.decodeFrame(buffer: &buffer) { packages.append(package) }
        if buffer.readableBytes > 0 { _ = try decoder.decodeLastFrame(buffer: &buffer, seenEOF: true) }
        return packages
    }
}
