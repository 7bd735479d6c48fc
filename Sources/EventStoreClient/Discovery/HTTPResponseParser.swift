/// A complete HTTP/1.x response.
struct HTTPResponse: Sendable, Hashable {
    var status: Int
    /// Header names lower-cased, in order.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
}

/// Why bytes are not an HTTP/1.x response.
struct HTTPResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Reads one HTTP/1.x response from the bytes received so far (sans-IO): bodies framed by `Content-Length`,
/// `Transfer-Encoding: chunked`, or the end of the connection.
enum HTTPResponseParser {
    /// Larger responses are refused; a gossip document is a few KiB.
    static let maximumSize = 4 * 1024 * 1024

    /// The response, or `nil` when more bytes are needed.
    ///
    /// - Parameters:
    ///   - bytes: Everything received so far.
    ///   - atEOF: The peer closed the connection, so no more bytes will come.
    static func parse(_ bytes: [UInt8], atEOF: Bool) throws(HTTPResponseError) -> HTTPResponse? {
        guard bytes.count <= maximumSize else { throw HTTPResponseError(message: "more than \(maximumSize) bytes") }
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else {
            if atEOF { throw HTTPResponseError(message: bytes.isEmpty ? "the connection closed without a response"
                                                                     : "the connection closed inside the headers") }
            return nil
        }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let status = try statusCode(lines[0])
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw HTTPResponseError(message: "malformed header line \"\(line)\"") }
            headers.append((line[..<colon].lowercased(), ConnectionStringLexer.trimmed(line[line.index(after: colon)...])))
        }
        let bodyStart = headEnd + 4
        var response = HTTPResponse(status: status, headers: headers, body: [])
        if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            guard let body = try dechunk(bytes, from: bodyStart, atEOF: atEOF) else { return nil }
            response.body = body
        } else if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else {
                throw HTTPResponseError(message: "invalid Content-Length \"\(lengthText)\"")
            }
            guard bytes.count - bodyStart >= length else {
                if atEOF { throw HTTPResponseError(message: "the connection closed before the end of the body") }
                return nil
            }
            response.body = Array(bytes[bodyStart..<bodyStart + length])
        } else {
            guard atEOF || status == 204 || status == 304 || (100..<200).contains(status) else { return nil }
            response.body = Array(bytes[bodyStart...])
        }
        return response
    }

    private static func statusCode(_ line: String) throws(HTTPResponseError) -> Int {
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw HTTPResponseError(message: "malformed status line \"\(line.prefix(80))\"")
        }
        return status
    }

    /// The de-chunked body, or `nil` when the last chunk has not arrived yet.
    private static func dechunk(_ bytes: [UInt8], from start: Int, atEOF: Bool) throws(HTTPResponseError) -> [UInt8]? {
        var body: [UInt8] = []
        var index = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: index) else { return try incomplete(atEOF) }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(ConnectionStringLexer.trimmed(sizeText), radix: 16), size >= 0 else {
                throw HTTPResponseError(message: "invalid chunk size \"\(sizeText)\"")
            }
            index = lineEnd + 2
            if size == 0 { return body }  // trailers, if any, are not needed
            guard bytes.count >= index + size + 2 else { return try incomplete(atEOF) }
            body += bytes[index..<index + size]
            index += size + 2
        }
    }

    private static func incomplete(_ atEOF: Bool) throws(HTTPResponseError) -> [UInt8]? {
        if atEOF { throw HTTPResponseError(message: "the connection closed inside a chunked body") }
        return nil
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        for index in start...(bytes.count - needle.count) where bytes[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
