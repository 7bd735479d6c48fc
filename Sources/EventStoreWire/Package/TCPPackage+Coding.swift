import Foundation
import NIOCore

extension TCPPackage {
    /// Writes the whole frame: the little-endian length prefix, then the package.
    ///
    /// - Throws: ``TCPEncodingError`` when credentials or the package exceed the wire limits.
    public func encodeFrame(into buffer: inout ByteBuffer) throws(TCPEncodingError) {
        let length = encodedLength
        guard length <= TCPPackage.maxLength else { throw .packageTooLarge(length: length) }
        try credentials?.validateForEncoding()
        buffer.reserveCapacity(minimumWritableBytes: 4 + length)
        buffer.writeInteger(UInt32(length), endianness: .little)
        buffer.writeInteger(command.rawValue)
        var flags = self.flags
        if credentials != nil { flags.insert(.authenticated) } else { flags.remove(.authenticated) }
        buffer.writeInteger(flags.rawValue)
        buffer.writeDotNetGUID(correlationID)
        credentials?.write(into: &buffer)
        var payload = self.payload
        buffer.writeBuffer(&payload)
    }

    /// The encoded frame as a new buffer.
    public func encodedFrame() throws(TCPEncodingError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encodeFrame(into: &buffer)
        return buffer
    }

    /// Decodes one package (the bytes after the length prefix; all readable bytes are the package).
    ///
    /// The payload is a slice of `package`, not a copy.
    /// - Throws: ``TCPFramingError`` for a short package or a malformed auth block.
    public init(decoding package: ByteBuffer) throws(TCPFramingError) {
        var buffer = package
        let length = buffer.readableBytes
        guard length >= TCPPackage.headerLength,
              let commandByte = buffer.readInteger(as: UInt8.self),
              let flagsByte = buffer.readInteger(as: UInt8.self),
              let correlationID = buffer.readDotNetGUID()
        else { throw .packageTooShort(length: length) }
        let flags = TCPFlags(rawValue: flagsByte)
        var credentials: TCPCredentials?
        if flags.contains(.authenticated) {
            credentials = try TCPCredentials.read(from: &buffer)
        }
        self.command = TCPCommand(rawValue: commandByte)
        self.flags = flags
        self.correlationID = correlationID
        self.credentials = credentials
        self.payload = buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer()
    }
}

extension TCPCredentials {
    func validateForEncoding() throws(TCPEncodingError) {
        switch self {
        case .password(let login, let password):
            if login.utf8.count > TCPCredentials.maxFieldLength {
                throw .credentialTooLong(field: "login", length: login.utf8.count)
            }
            if password.utf8.count > TCPCredentials.maxFieldLength {
                throw .credentialTooLong(field: "password", length: password.utf8.count)
            }
            // Servers read the first two auth bytes as an int16 and take a negative one for a token:
            // a login starting with a byte ≥ 0x80 (or an empty login before a password of ≥ 128 bytes) would be misread.
            let second = login.utf8.first ?? UInt8(truncatingIfNeeded: password.utf8.count)
            if second >= 0x80 { throw .ambiguousCredentials }
        case .token(let token):
            if token.utf8.count > TCPCredentials.maxTokenLength { throw .tokenTooLong(length: token.utf8.count) }
        }
    }

    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .password(let login, let password):
            buffer.writeInteger(UInt8(login.utf8.count))
            buffer.writeString(login)
            buffer.writeInteger(UInt8(password.utf8.count))
            buffer.writeString(password)
        case .token(let token):
            buffer.writeInteger(-Int16(token.utf8.count), endianness: .little)
            buffer.writeString(token)
        }
    }

    /// Reads an auth block. Like 20.x servers, the first two bytes read as a negative
    /// little-endian int16 select the token form; anything else is login/password.
    static func read(from buffer: inout ByteBuffer) throws(TCPFramingError) -> TCPCredentials {
        let available = buffer.readableBytes
        guard let discriminator = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: Int16.self) else {
            throw .authBlockOverrun(needed: 2, available: available)
        }
        if discriminator < 0 {
            let tokenLength = -Int(discriminator)
            guard tokenLength <= TCPCredentials.maxTokenLength else { throw .invalidTokenLength(tokenLength) }
            guard available >= 2 + tokenLength else {
                throw .authBlockOverrun(needed: 2 + tokenLength, available: available)
            }
            buffer.moveReaderIndex(forwardBy: 2)
            guard let token = buffer.readValidUTF8(length: tokenLength) else {
                throw .invalidCredentialsEncoding
            }
            return .token(token)
        }
        let loginLength = Int(buffer.readInteger(as: UInt8.self)!)
        guard buffer.readableBytes >= loginLength + 1 else {
            throw .authBlockOverrun(needed: 2 + loginLength, available: available)
        }
        let login = buffer.readValidUTF8(length: loginLength)
        let passwordLength = Int(buffer.readInteger(as: UInt8.self)!)
        guard buffer.readableBytes >= passwordLength else {
            throw .authBlockOverrun(needed: 2 + loginLength + passwordLength, available: available)
        }
        let password = buffer.readValidUTF8(length: passwordLength)
        guard let login, let password else { throw .invalidCredentialsEncoding }
        return .password(login: login, password: password)
    }
}

extension ByteBuffer {
    /// Reads `length` bytes as UTF-8, or `nil` (reader index still advanced) if they are not valid UTF-8.
    mutating func readValidUTF8(length: Int) -> String? {
        guard let bytes = readSlice(length: length) else { return nil }
        return bytes.readableBytesView.withContiguousStorageIfAvailable { String(validating: $0, as: UTF8.self) }
            ?? String(validating: Array(bytes.readableBytesView), as: UTF8.self)
    }
}
