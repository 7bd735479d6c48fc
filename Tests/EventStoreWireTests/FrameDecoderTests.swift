import EventStoreWire
import Foundation
import NIOCore
import NIOTestUtils
import Testing

/// The frame decoder must give the same packages however the byte stream is split.
@Suite struct FrameDecoderTests {
    static let multiFrameStream: [UInt8] = Fixtures.heartbeatFrame + Fixtures.readEventFrame + Fixtures.identifyFrame
        + tokenPingFrame

    static var tokenPingFrame: [UInt8] {
        let package = TCPPackage(command: .ping, correlationID: UUID(), credentials: .token("jwt.abc.def"),
                                 payload: ByteBuffer(bytes: [9, 8, 7]))
        return Fixtures.bytes(try! package.encodedFrame())
    }

    static func expectedPackages() throws -> [TCPPackage] {
        try TCPFrameReader.decodeAll(ByteBuffer(bytes: multiFrameStream))
    }

    /// Feeds `chunks` to a fresh decoder the way a channel would and collects what comes out.
    static func feed(_ chunks: [[UInt8]]) throws -> [TCPPackage] {
        let processor = NIOSingleStepByteToMessageProcessor(TCPFrameDecoder())
        var out: [TCPPackage] = []
        for chunk in chunks {
            try processor.process(buffer: ByteBuffer(bytes: chunk)) { out.append($0) }
        }
        try processor.finishProcessing(seenEOF: true) { out.append($0) }
        return out
    }

    @Test func severalFramesInOneRead() throws {
        let packages = try Self.feed([Self.multiFrameStream])
        #expect(packages.map(\.command) == [.heartbeatRequest, .readEvent, .identifyClient, .ping])
        #expect(packages[3].credentials == .token("jwt.abc.def"))
        #expect(Array(packages[3].payload.readableBytesView) == [9, 8, 7])
    }

    @Test func everySingleSplitPointDecodesTheSame() throws {
        let expected = try Self.expectedPackages()
        let stream = Self.multiFrameStream
        for split in 0...stream.count {
            let packages = try Self.feed([Array(stream[..<split]), Array(stream[split...])])
            #expect(packages == expected, "split at \(split)")
        }
    }

    @Test func everyPairOfSplitPointsDecodesTheSame() throws {
        let expected = try Self.expectedPackages()
        let stream = Array(Self.multiFrameStream.prefix(Fixtures.heartbeatFrame.count + Fixtures.readEventFrame.count))
        let expectedPrefix = Array(expected.prefix(2))
        for first in 0...stream.count {
            for second in first...stream.count {
                let chunks = [Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])]
                #expect(try Self.feed(chunks) == expectedPrefix, "splits at \(first), \(second)")
            }
        }
    }

    @Test func byteAtATimeDecodesTheSame() throws {
        let chunks = Self.multiFrameStream.map { [$0] }
        #expect(try Self.feed(chunks) == Self.expectedPackages())
    }

    @Test func nioVerifierAcceptsTheDecoder() throws {
        let inputs = try [Fixtures.heartbeatFrame, Fixtures.readEventFrame, Fixtures.identifyFrame].map { frame in
            (ByteBuffer(bytes: frame), try TCPFrameReader.decodeAll(ByteBuffer(bytes: frame)))
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: inputs) { TCPFrameDecoder() }
    }

    // MARK: Rejections

    @Test func zeroLengthIsRejected() {
        #expect(throws: TCPFramingError.invalidLength(0)) {
            try Self.feed([[0, 0, 0, 0]])
        }
    }

    @Test func lengthOver64MiBIsRejectedBeforeBuffering() {
        let length = UInt32(TCPPackage.maxLength + 1)
        let prefix = withUnsafeBytes(of: length.littleEndian) { Array($0) }
        #expect(throws: TCPFramingError.invalidLength(length)) {
            try Self.feed([prefix])
        }
        #expect(throws: TCPFramingError.invalidLength(UInt32.max)) {
            try Self.feed([[0xff, 0xff, 0xff, 0xff]])
        }
    }

    @Test func exactly64MiBIsAcceptedAsALength() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(TCPPackage.maxLength), endianness: .little)
        let decoder = TCPFrameDecoder()
        #expect(try decoder.decodeFrame(buffer: &buffer) == nil)
    }

    @Test func configuredLimitIsEnforced() {
        var buffer = ByteBuffer(bytes: Fixtures.readEventFrame)
        let decoder = TCPFrameDecoder(maxPackageLength: 40)
        #expect(throws: TCPFramingError.invalidLength(42)) { try decoder.decodeFrame(buffer: &buffer) }
    }

    @Test func packageShorterThanHeaderIsRejected() {
        for length in UInt8(1)...17 {
            let frame = [length, 0, 0, 0] + [UInt8](repeating: 0, count: Int(length))
            #expect(throws: TCPFramingError.packageTooShort(length: Int(length))) {
                try Self.feed([frame])
            }
        }
    }

    @Test func loginLengthOverrunningThePackageIsRejected() {
        // Authenticated flag, login length 200 but only 3 bytes follow.
        let frame: [UInt8] = [21, 0, 0, 0, 0x03, 0x01] + Fixtures.exampleIDBytes + [200, 0x61, 0x62]
        #expect(throws: TCPFramingError.authBlockOverrun(needed: 202, available: 3)) { try Self.feed([frame]) }
    }

    @Test func passwordLengthOverrunningThePackageIsRejected() {
        let frame: [UInt8] = [23, 0, 0, 0, 0x03, 0x01] + Fixtures.exampleIDBytes + [1, 0x61, 9, 0x62, 0x63]
        #expect(throws: TCPFramingError.authBlockOverrun(needed: 12, available: 5)) { try Self.feed([frame]) }
    }

    @Test func tokenLengthOverrunningThePackageIsRejected() {
        let frame: [UInt8] = [22, 0, 0, 0, 0x03, 0x01] + Fixtures.exampleIDBytes + [0xf0, 0xff, 0x61, 0x62]
        #expect(throws: TCPFramingError.authBlockOverrun(needed: 18, available: 4)) { try Self.feed([frame]) }
    }

    @Test func authFlagWithNoAuthBytesIsRejected() {
        let frame: [UInt8] = [18, 0, 0, 0, 0x03, 0x01] + Fixtures.exampleIDBytes
        #expect(throws: TCPFramingError.authBlockOverrun(needed: 2, available: 0)) { try Self.feed([frame]) }
    }

    @Test func invalidUTF8CredentialsAreRejected() {
        let frame: [UInt8] = [22, 0, 0, 0, 0x03, 0x01] + Fixtures.exampleIDBytes + [1, 0x61, 1, 0xff]
        #expect(throws: TCPFramingError.invalidCredentialsEncoding) { try Self.feed([frame]) }
    }

    @Test func truncatedFrameAtEndOfStreamIsAnError() {
        let frame = Array(Fixtures.readEventFrame.dropLast(5))
        #expect(throws: TCPFramingError.truncatedFrame(expected: 46, available: 41)) { try Self.feed([frame]) }
        #expect(throws: TCPFramingError.truncatedFrame(expected: 4, available: 2)) { try Self.feed([[1, 0]]) }
    }

    @Test func trustedWriteFlagIsPreservedForTheServerToReject() throws {
        let frame: [UInt8] = [18, 0, 0, 0, 0x82, 0x02] + Fixtures.exampleIDBytes
        let package = try #require(try Self.feed([frame]).first)
        #expect(package.flags.contains(.trustedWrite))
    }

    @Test func encodingRejectsOversizeCredentials() {
        let long = String(repeating: "x", count: 256)
        let package = TCPPackage(command: .ping, correlationID: UUID(), credentials: .password(login: long, password: "p"))
        #expect(throws: TCPEncodingError.credentialTooLong(field: "login", length: 256)) { try package.encodedFrame() }
        let token = TCPPackage(command: .ping, correlationID: UUID(), credentials: .token(String(repeating: "t", count: 40_000)))
        #expect(throws: TCPEncodingError.tokenTooLong(length: 40_000)) { try token.encodedFrame() }
    }

    @Test func randomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? Self.feed([bytes])
            _ = try? TCPFrameReader.decodeAll(ByteBuffer(bytes: bytes)).map { try $0.decodePayload() }
        }
    }
}

/// Cases the fuzzer's oracle pointed at.
@Suite struct CredentialEdgeTests {
    @Test func tokensLongerThanTheLimitAreRejectedOnDecode() {
        var frame: [UInt8] = [0xF2, 0x01] + [UInt8](repeating: 0, count: 16) + [0x00, 0x80] + [UInt8](repeating: 0x61, count: 32_768)
        let length = UInt32(frame.count)
        frame = withUnsafeBytes(of: length.littleEndian) { Array($0) } + frame
        #expect(throws: TCPFramingError.invalidTokenLength(32_768)) {
            try TCPFrameReader.decodeAll(ByteBuffer(bytes: frame))
        }
    }

    @Test func credentialsThatWouldReadAsATokenAreRefused() {
        let nonASCII = TCPPackage(command: .ping, correlationID: UUID(), credentials: .password(login: "élan", password: "p"))
        #expect(throws: TCPEncodingError.ambiguousCredentials) { try nonASCII.encodedFrame() }
        let longPassword = TCPPackage(command: .ping, correlationID: UUID(),
                                      credentials: .password(login: "", password: String(repeating: "p", count: 130)))
        #expect(throws: TCPEncodingError.ambiguousCredentials) { try longPassword.encodedFrame() }
    }

    @Test func unicodeEscapesNeedFourHexDigits() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: #""\u+041""#) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: #""\u-000""#) }
    }
}
