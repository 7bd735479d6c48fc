import Foundation

/// Why ``ProtoReader`` stopped: the bytes are not valid protobuf for the message being read.
struct ProtoReadError: Error, CustomStringConvertible {
    let description: String
}

/// A forward-only reader of the protobuf wire format over borrowed bytes.
///
/// Only what the read replies need: varints, length-delimited fields, skipping everything else.
/// Semantics follow SwiftProtobuf's lenient (`partial: true`) decoding: unknown fields are skipped,
/// a repeated scalar field keeps its last value, strings must be valid UTF-8.
struct ProtoReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>? = nil) {
        self.bytes = bytes
        offset = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
    }

    /// The next field's number and wire type, or nil at the end.
    mutating func nextField() throws(ProtoReadError) -> (number: Int, wireType: UInt8)? {
        guard offset < end else { return nil }
        let key = try varint()
        let number = Int(truncatingIfNeeded: key >> 3)
        guard number > 0, key >> 3 <= 0x1FFF_FFFF else { throw ProtoReadError(description: "invalid field number") }
        return (number, UInt8(key & 7))
    }

    mutating func varint() throws(ProtoReadError) -> UInt64 {
        if offset < end, bytes[offset] < 0x80 {
            defer { offset += 1 }
            return UInt64(bytes[offset])
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { throw ProtoReadError(description: "varint too long") }
        }
        throw ProtoReadError(description: "truncated varint")
    }

    /// The byte range of a length-delimited field's body.
    mutating func lengthDelimited() throws(ProtoReadError) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - offset) else { throw ProtoReadError(description: "truncated field") }
        let start = offset
        offset += Int(length)
        return start..<offset
    }

    /// Reads a field whose wire type must be `expected` (0 varint, 2 length-delimited).
    mutating func varint(wireType: UInt8) throws(ProtoReadError) -> UInt64 {
        guard wireType == 0 else { throw ProtoReadError(description: "wrong wire type \(wireType) for a varint field") }
        return try varint()
    }

    /// An enum field's raw value (enums are int32 on the wire: the varint is truncated to 32 bits).
    mutating func enumValue(wireType: UInt8) throws(ProtoReadError) -> Int {
        Int(truncatingIfNeeded: Int32(truncatingIfNeeded: try varint(wireType: wireType)))
    }

    mutating func lengthDelimited(wireType: UInt8) throws(ProtoReadError) -> Range<Int> {
        guard wireType == 2 else { throw ProtoReadError(description: "wrong wire type \(wireType) for a length-delimited field") }
        return try lengthDelimited()
    }

    mutating func string(wireType: UInt8) throws(ProtoReadError) -> String {
        let range = try lengthDelimited(wireType: wireType)
        let body = UnsafeRawBufferPointer(rebasing: bytes[range])
        // ASCII (every event type and stream name in practice) needs no validation pass.
        if !body.contains(where: { $0 >= 0x80 }) {
            return String(decoding: body.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw ProtoReadError(description: "invalid UTF-8 in a string field")
        }
        return text
    }

    mutating func byteArray(wireType: UInt8) throws(ProtoReadError) -> [UInt8] {
        let range = try lengthDelimited(wireType: wireType)
        guard !range.isEmpty, let source = bytes.baseAddress?.advanced(by: range.lowerBound) else { return [] }
        return [UInt8](unsafeUninitializedCapacity: range.count) { target, count in
            target.baseAddress!.initialize(from: source.assumingMemoryBound(to: UInt8.self), count: range.count)
            count = range.count
        }
    }

    /// A 16-byte field in .NET `Guid` order as a UUID; nil for any other length.
    mutating func dotNetGUID(wireType: UInt8) throws(ProtoReadError) -> UUID? {
        let range = try lengthDelimited(wireType: wireType)
        guard range.count == 16 else { return nil }
        let b = UnsafeRawBufferPointer(rebasing: bytes[range])
        return UUID(uuid: (b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
                           b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// Skips the body of a field with `wireType` (of field `number`, for groups).
    mutating func skip(wireType: UInt8, number: Int) throws(ProtoReadError) {
        switch wireType {
        case 0: _ = try varint()
        case 1: try advance(8)
        case 2: _ = try lengthDelimited()
        case 3:
            while let field = try nextField() {
                if field.wireType == 4 {
                    guard field.number == number else { throw ProtoReadError(description: "mismatched end of group") }
                    return
                }
                try skip(wireType: field.wireType, number: field.number)
            }
            throw ProtoReadError(description: "truncated group")
        case 5: try advance(4)
        default: throw ProtoReadError(description: "invalid wire type \(wireType)")
        }
    }

    private mutating func advance(_ count: Int) throws(ProtoReadError) {
        guard end - offset >= count else { throw ProtoReadError(description: "truncated field") }
        offset += count
    }
}
