@testable import EventStoreNode
import EventStoreWire
import Testing

/// The one lookaround shape filters accept: a pattern that is a single leading negative lookahead.
@Suite struct StreamsFilterTests {
    @Test func leadingNegativeLookaheadIsSplitOffExactly() {
        #expect(EventFilter.leadingNegativeLookahead(#"^(?!(\$.+$|Result$))"#) == #"(\$.+$|Result$)"#)
        #expect(EventFilter.leadingNegativeLookahead(#"^(?!\$).*"#) == #"\$"#)
        #expect(EventFilter.leadingNegativeLookahead(#"^(?![)]\))"#) == #"[)]\)"#)
        #expect(EventFilter.leadingNegativeLookahead(#"^(?![^]x])"#) == #"[^]x]"#)
        // Anything after the lookahead but `.*`, or an unbalanced one, is not this shape.
        #expect(EventFilter.leadingNegativeLookahead(#"^(?!\$)Order"#) == nil)
        #expect(EventFilter.leadingNegativeLookahead(#"^(?!\$"#) == nil)
        #expect(EventFilter.leadingNegativeLookahead(#"x(?!a)"#) == nil)
        #expect(EventFilter.leadingNegativeLookahead("^Order") == nil)
    }

    @Test func excludingFilterMatchesWhatTheLookaheadAllows() throws {
        var wire = ESFilter()
        wire.context = .eventType
        wire.type = .regex
        wire.data = [#"^(?!(\$.+$|PersistentConfig\d+$|Result$))"#]
        let filter = try EventFilter(wire)
        func event(_ type: String) -> RecordedLogEvent {
            RecordedLogEvent(stream: "s", number: 0, eventID: [], type: type, isJSON: true, data: [], metadata: [],
                             createdMs: 0, position: LogPosition(commit: 0, prepare: 0))
        }
        #expect(filter.matches(event("OrderPlaced")))
        #expect(filter.matches(event("ResultSet")))
        #expect(!filter.matches(event("$metadata")))
        #expect(!filter.matches(event("PersistentConfig1")))
        #expect(!filter.matches(event("Result")))
        wire.data = ["(?=a)"]
        #expect(throws: SafeRegexError.self) { try EventFilter(wire) }
    }
}
