import EventStoreWire
import Foundation
import NIOCore

/// Shared fixtures: the worked examples of docs/protocol.md §1.8.
enum Fixtures {
    /// `00112233-4455-6677-8899-aabbccddeeff`
    static let exampleID = UUID(uuidString: "00112233-4455-6677-8899-aabbccddeeff")!
    /// The example id in .NET byte order.
    static let exampleIDBytes: [UInt8] = [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                                          0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]

    static let heartbeatFrame: [UInt8] = [0x12, 0x00, 0x00, 0x00, 0x01, 0x00] + exampleIDBytes

    static let identifyFrame: [UInt8] = [0x19, 0x00, 0x00, 0x00, 0xf5, 0x00] + exampleIDBytes
        + [0x08, 0x01, 0x12, 0x03, 0x61, 0x70, 0x70]

    static let readEventFrame: [UInt8] = [0x2a, 0x00, 0x00, 0x00, 0xb0, 0x01] + exampleIDBytes
        + [0x05, 0x61, 0x64, 0x6d, 0x69, 0x6e, 0x08, 0x63, 0x68, 0x61, 0x6e, 0x67, 0x65, 0x69, 0x74]
        + [0x0a, 0x01, 0x73, 0x10, 0x00, 0x18, 0x00, 0x20, 0x00]

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    static func readEventMessage() -> ESReadEvent {
        var message = ESReadEvent()
        message.eventStreamID = "s"
        message.eventNumber = 0
        message.resolveLinkTos = false
        message.requireLeader = false
        return message
    }
}
