import EventStoreWire
import Foundation
import NIOCore
import Testing

/// .NET `Guid.ToByteArray()` layout (docs/protocol.md §1.5).
@Suite struct DotNetGUIDTests {
    @Test func workedExample() {
        #expect(Fixtures.exampleID.dotNetBytes == Fixtures.exampleIDBytes)
        #expect(UUID(dotNetBytes: Fixtures.exampleIDBytes) == Fixtures.exampleID)
        #expect(Fixtures.exampleID.dotNetString == "00112233-4455-6677-8899-aabbccddeeff")
    }

    @Test func differsFromRFCOrder() {
        let u = Fixtures.exampleID.uuid
        let rfc = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        #expect(rfc != Fixtures.exampleID.dotNetBytes)
        #expect(rfc[8...] == Fixtures.exampleID.dotNetBytes[8...])
    }

    @Test func roundTripsRandomIDs() {
        for _ in 0..<100 {
            let id = UUID()
            #expect(UUID(dotNetBytes: id.dotNetBytes) == id)
            var buffer = ByteBuffer()
            buffer.writeDotNetGUID(id)
            #expect(buffer.readableBytes == 16)
            #expect(buffer.readDotNetGUID() == id)
        }
    }

    @Test func rejectsWrongLengths() {
        #expect(UUID(dotNetBytes: [UInt8](repeating: 1, count: 15)) == nil)
        #expect(UUID(dotNetBytes: [UInt8](repeating: 1, count: 17)) == nil)
        var short = ByteBuffer(bytes: [1, 2, 3])
        #expect(short.readDotNetGUID() == nil)
    }

    @Test func zeroIDIsAllZeroBytes() {
        #expect(UUID.zero.dotNetBytes == [UInt8](repeating: 0, count: 16))
    }

    @Test func randomIdsAreVersion4AndDistinct() {
        let ids = (0..<2000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.uuid.6 >> 4 == 4, "version nibble")
            #expect(id.uuid.8 >> 6 == 0b10, "RFC 4122 variant")
        }
        // Both halves carry randomness: no byte position is constant across 2000 ids (bar the fixed bits).
        #expect(Set(ids.map(\.uuid.0)).count > 100 && Set(ids.map(\.uuid.15)).count > 100)
    }
}
