import EventStoreClient
import Foundation

/// The JSON event bodies every scenario writes: `{"i":N,"pad":"xxx…"}` padded to a fixed size.
enum Payloads {
    /// A JSON object of exactly `size` bytes (at least 24) carrying `index`.
    static func json(index: Int, size: Int) -> [UInt8] {
        // Built as bytes: string concatenation here cost the c64 benchmark ~12% of its CPU, which
        // on 2 shared cores is taken from the client and node being measured.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(size, 32))
        bytes.append(contentsOf: #"{"i":"#.utf8)
        bytes.append(contentsOf: String(index).utf8)
        bytes.append(contentsOf: #","pad":""#.utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: max(size - bytes.count - 2, 0)))
        bytes.append(contentsOf: #""}"#.utf8)
        return bytes
    }

    /// A 200-byte JSON event of type `BenchEvent`.
    static func event(index: Int, size: Int = 200) -> EventData {
        EventData(type: "BenchEvent", data: json(index: index, size: size), isJSON: true)
    }

    /// The `i` field of a body written by ``json(index:size:)``, read without a JSON parser.
    static func index(of data: [UInt8]) -> Int? {
        guard data.count > 5, data[5] != UInt8(ascii: "-") else { return nil }
        var value = 0
        for byte in data.dropFirst(5) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
