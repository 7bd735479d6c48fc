import EventStoreWire
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

/// The protobuf writer's sizes match what it writes, and its fields match SwiftProtobuf's bytes.
@Suite struct ProtoWriterTests {
    static let boundaries: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152,
                                       UInt64(UInt32.max), 1 << 35, 1 << 56 - 1, 1 << 63, .max]

    @Test func varintSizeIsTheWrittenLength() {
        for value in Self.boundaries {
            var buffer = ByteBuffer()
            buffer.writeProtoMessage(size: ProtoSize.varint(value)) { $0.varint(value) }
            #expect(buffer.readableBytes == ProtoSize.varint(value), "value \(value)")
            #expect(buffer.readableBytesView.last! < 0x80 && buffer.readableBytesView.dropLast().allSatisfy { $0 >= 0x80 })
        }
    }

    @Test func fieldsMatchSwiftProtobuf() throws {
        // ReadEvent is `string event_stream_id = 1; int64 event_number = 2; bool resolve_link_tos = 3; bool require_leader = 4`.
        for (stream, number) in [("", Int64(0)), ("orders-1", -1), (String(repeating: "é", count: 100), .max), ("$all", .min)] {
            var message = ESReadEvent()
            message.eventStreamID = stream
            message.eventNumber = number
            message.resolveLinkTos = true
            message.requireLeader = false
            let expected: [UInt8] = try message.serializedBytes()

            let size = ProtoSize.lengthDelimited(1, stream.utf8.count) + ProtoSize.int64(2, number) + 2 * ProtoSize.bool(3)
            #expect(size == expected.count)
            var buffer = ByteBuffer(string: "prefix")
            buffer.writeProtoMessage(size: size) { sink in
                sink.string(field: 1, stream)
                sink.int64(field: 2, number)
                sink.bool(field: 3, true)
                sink.bool(field: 4, false)
            }
            #expect(buffer.readString(length: 6) == "prefix")
            #expect(Array(buffer.readableBytesView) == expected)
        }
    }

    @Test func negativeInt32IsSignExtendedToTenBytes() {
        var buffer = ByteBuffer()
        buffer.writeProtoMessage(size: ProtoSize.int32(1, -1)) { $0.int32(field: 1, -1) }
        #expect(Array(buffer.readableBytesView) == [0x08] + Array(repeating: 0xFF, count: 9) + [0x01])
        #expect(ProtoSize.int32(1, -1) == 11)
    }
}
