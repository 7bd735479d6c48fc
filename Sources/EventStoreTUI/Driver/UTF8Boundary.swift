/// Where typed bytes can be cut without splitting a UTF-8 character.
enum UTF8Boundary {
    /// The number of bytes at the end of `bytes` that begin a character whose remaining bytes have not
    /// arrived yet (0 when `bytes` ends on a whole character, or ends in bytes that are not UTF-8 at all,
    /// which are passed on as they are).
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        var continuationBytes = 0
        var index = bytes.count - 1
        while index >= 0, continuationBytes < 3 {
            let byte = bytes[index]
            guard byte & 0xC0 == 0x80 else {
                let length = switch byte {
                case 0xC2...0xDF: 2
                case 0xE0...0xEF: 3
                case 0xF0...0xF4: 4
                default: 1
                }
                let present = continuationBytes + 1
                return present < length ? present : 0
            }
            continuationBytes += 1
            index -= 1
        }
        return 0
    }
}
