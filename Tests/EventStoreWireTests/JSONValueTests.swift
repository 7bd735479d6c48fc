import EventStoreWire
import Testing

@Suite struct JSONValueTests {
    @Test func parsesAndKeepsKeyOrder() throws {
        let value = try JSONValue(parsing: #"{"b":1,"a":[true,null,"x\u00e9\n"],"c":{"d":-2.5e1}}"#)
        #expect(value.compactText == #"{"b":1,"a":[true,null,"xé\n"],"c":{"d":-25}}"#)
        #expect(value["a"] == .array([.bool(true), .null, .string("xé\n")]))
    }

    @Test func surrogatePairs() throws {
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func rejectsMalformedInput() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01x", "\"abc", "tru", "{\"a\":1}}", "\"\\q\"", "-"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(parsing: bad) }
        }
    }

    @Test func deepNestingIsRejectedNotACrash() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
    }

    @Test func escapesControlCharactersOnOutput() {
        #expect(JSONValue.string("a\u{1b}[31m").compactText == #""a\u001b[31m""#)
    }

    @Test func prettyPrints() throws {
        let value = try JSONValue(parsing: #"{"a":[1,2],"b":{}}"#)
        #expect(value.prettyText == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}")
    }
}
