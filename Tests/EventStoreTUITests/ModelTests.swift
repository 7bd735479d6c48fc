import EventStoreShell
@testable import EventStoreTUI
import Foundation
import Testing

@Suite struct ListPaneTests {
    @Test func filterIsARegexAndBangNegates() throws {
        var list = ListPane<String>(capacity: 100) { $0 }
        list.replace(with: ["orders-1", "orders-2", "carts-1", "$stats"])
        list.setFilter(try LineFilter("^orders-\\d$"))
        #expect((0..<list.visibleCount).compactMap(list.item(atVisible:)) == ["orders-1", "orders-2"])
        list.setFilter(try LineFilter("!orders"))
        #expect((0..<list.visibleCount).compactMap(list.item(atVisible:)) == ["carts-1", "$stats"])
        list.setFilter(try LineFilter("CARTS"))
        #expect(list.visibleCount == 1, "filters ignore case")
        list.setFilter(nil)
        #expect(list.visibleCount == 4)
        #expect(try LineFilter("") == nil && LineFilter("!") == nil)
        #expect(throws: (any Error).self) { try LineFilter("([") }
    }

    @Test func windowIsBoundedAndCursorSurvivesDrops() {
        var list = ListPane<Int>(capacity: 10) { String($0) }
        list.append(contentsOf: 0..<10)
        list.move(by: 5)
        #expect(list.selected == 5)
        list.append(contentsOf: 10..<13)
        #expect(list.items.count == 10 && list.dropped == 3 && list.items.first == 3)
        #expect(list.selected == 5, "the same item stays selected when older ones drop off")
        list.append(contentsOf: 13..<100_000)
        #expect(list.items.count == 10 && list.visibleCount == 10 && list.selected == 99_990)
    }

    @Test func followKeepsTheCursorOnTheNewest() {
        var list = ListPane<Int>(capacity: 50, follow: true) { String($0) }
        list.append(contentsOf: 0..<20)
        #expect(list.selected == 19)
        list.reveal(height: 5)
        #expect(list.top == 15)
        list.append(contentsOf: 20..<80)
        #expect(list.selected == 79)
    }

    @Test func filterAppliesToNewItemsAndCountsDropsOfFilteredItems() throws {
        var list = ListPane<String>(capacity: 4) { $0 }
        list.setFilter(try LineFilter("keep"))
        list.append(contentsOf: ["keep-1", "drop-1", "keep-2", "drop-2", "keep-3", "drop-3"])
        #expect(list.items == ["keep-2", "drop-2", "keep-3", "drop-3"])
        #expect((0..<list.visibleCount).compactMap(list.item(atVisible:)) == ["keep-2", "keep-3"])
    }
}

@Suite struct TailModelTests {
    @Test func gapsAndDuplicatesAreFlaggedPerStream() {
        var check = SequenceCheck()
        #expect(check.check(stream: "a", number: 0) == .first)
        #expect(check.check(stream: "a", number: 1) == .next)
        #expect(check.check(stream: "b", number: 7) == .first)
        #expect(check.check(stream: "a", number: 4) == .gap(missing: 2))
        #expect(check.check(stream: "a", number: 4) == .duplicate)
        #expect(check.check(stream: "a", number: 2) == .duplicate)
        #expect(check.check(stream: "a", number: 5) == .next)
        #expect(check.gaps == 1 && check.duplicates == 2)
    }

    @Test func pauseKeepsReceivingAndCountsNew() {
        var tail = TailState(id: 1, target: "s", capacity: 100)
        tail.receive((0..<5).map { Fixtures.event("s", $0) }, at: 10)
        tail.pause()
        tail.receive((5..<12).map { Fixtures.event("s", $0) }, at: 10)
        #expect(tail.paused && tail.newWhilePaused == 7 && tail.received == 12)
        #expect(tail.list.selected?.event.number == 4, "the view stays where it was")
        #expect(tail.title(at: 10).contains("PAUSED 7 new"))
        tail.resume()
        #expect(!tail.paused && tail.list.selected?.event.number == 11)
        #expect(!tail.title(at: 10).contains("PAUSED"))
    }

    @Test func rateAndWindowUnderLoad() {
        var tail = TailState(id: 1, target: "$all", capacity: 1000)
        var number: Int64 = 0
        for second in 0..<4 {
            for batch in 0..<50 {
                let events = (0..<100).map { offset in Fixtures.event("load-1", number + Int64(offset)) }
                number += 100
                tail.receive(events, at: 100 + Double(second) + Double(batch) / 50)
            }
        }
        #expect(tail.received == 20_000)
        #expect(tail.list.items.count == 1000, "memory stays bounded")
        #expect(tail.check.gaps == 0 && tail.check.duplicates == 0)
        #expect(tail.rate.perSecond(at: 104) == 5000)
        #expect(tail.title(at: 104).contains("5000.0 ev/s"))
    }

    @Test func eventLinesAreSanitised() {
        let hostile = Fixtures.event("evil-1", 0, type: "T\u{1B}[2J", json: "{\"x\":\"\\u001b]0;pwned\\u0007\"}")
        var tail = TailState(id: 1, target: "evil-1")
        tail.receive([hostile], at: 1)
        let line = tail.list.selected?.line ?? ""
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        var state = AppState()
        state.apply(.output(.event(hostile, tail: 1)), at: 1)
        state.openDetail(hostile)
        let text = Fixtures.screen(&state)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(text.contains("evil-1#0"))
    }
}

@Suite struct UTF8BoundaryTests {
    @Test func holdsBackOnlyTheStartOfAnUnfinishedCharacter() {
        let text = Array("aé€𝄞".utf8)   // 1 + 2 + 3 + 4 bytes
        #expect(UTF8Boundary.incompleteSuffixLength(text) == 0)
        #expect(UTF8Boundary.incompleteSuffixLength([]) == 0)
        for cut in 1..<text.count {
            let prefix = Array(text.prefix(cut))
            let held = UTF8Boundary.incompleteSuffixLength(prefix)
            let whole = String(decoding: prefix.dropLast(held), as: UTF8.self)
            #expect(!whole.contains("\u{FFFD}"), "cut at \(cut) leaves whole characters only")
            #expect(held < 4)
            // Completing the bytes makes the held part whole again.
            #expect(String(decoding: Array(prefix.suffix(held)) + text.dropFirst(cut), as: UTF8.self) == String(decoding: text.dropFirst(cut - held), as: UTF8.self))
        }
        #expect(UTF8Boundary.incompleteSuffixLength([0x61, 0xE2, 0x82]) == 2)
        #expect(UTF8Boundary.incompleteSuffixLength([0x80, 0x80, 0x80, 0x80]) == 0, "stray continuation bytes pass through")
        #expect(UTF8Boundary.incompleteSuffixLength([0xFF]) == 0, "invalid bytes pass through")
    }
}
