@testable import EventStoreClient
import Testing

/// The sans-IO HTTP/1.x response reader used for `/gossip`.
@Suite struct GossipHTTPResponseParserTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func contentLengthBody() throws {
        let full = Self.bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":[1,2]}")
        for cut in 0..<full.count {
            #expect(try HTTPResponseParser.parse(Array(full[..<cut]), atEOF: false) == nil)
        }
        let response = try #require(try HTTPResponseParser.parse(full, atEOF: false))
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"a\":[1,2]}")
    }

    @Test func chunkedBody() throws {
        let full = Self.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n9;ext=1\r\n:[1,2,3]}\r\n0\r\n\r\n")
        #expect(try HTTPResponseParser.parse(Array(full.dropLast(5)), atEOF: false) == nil)
        let response = try #require(try HTTPResponseParser.parse(full, atEOF: false))
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"a\":[1,2,3]}")
        #expect(throws: HTTPResponseError(message: "the connection closed inside a chunked body")) {
            try HTTPResponseParser.parse(Array(full.dropLast(5)), atEOF: true)
        }
    }

    @Test func bodyUntilClose() throws {
        let full = Self.bytes("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnothing here")
        #expect(try HTTPResponseParser.parse(full, atEOF: false) == nil)
        let response = try #require(try HTTPResponseParser.parse(full, atEOF: true))
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "nothing here")
    }

    @Test(arguments: [
        ("", true, "the connection closed without a response"),
        ("HTTP/1.1 200 OK\r\nContent-", true, "the connection closed inside the headers"),
        ("SSH-2.0-OpenSSH\r\n\r\n", false, "malformed status line \"SSH-2.0-OpenSSH\""),
        ("HTTP/1.1 abc OK\r\n\r\n", false, "malformed status line \"HTTP/1.1 abc OK\""),
        ("HTTP/1.1 200 OK\r\nbroken\r\n\r\n", false, "malformed header line \"broken\""),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, "invalid Content-Length \"-1\""),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true, "the connection closed before the end of the body"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, "invalid chunk size \"zz\""),
    ])
    func errors(_ text: String, _ atEOF: Bool, _ message: String) {
        #expect(throws: HTTPResponseError(message: message)) { try HTTPResponseParser.parse(Self.bytes(text), atEOF: atEOF) }
    }
}
