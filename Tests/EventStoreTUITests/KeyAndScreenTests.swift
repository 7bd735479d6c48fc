import EventStoreClient
import EventStoreShell
@testable import EventStoreTUI
import Foundation
import Testing

@Suite struct KeyRoutingTests {
    @Test func tabMovesFocusOnlyWhenThePromptIsEmpty() {
        var state = AppState()
        #expect(state.handle(.tab, promptEmpty: false) == [.readline([9])], "Tab completes at a non-empty prompt")
        #expect(state.focus == .prompt)
        #expect(state.handle(.tab, promptEmpty: true).isEmpty)
        #expect(state.focus == .streams)
        _ = state.handle(.backTab, promptEmpty: true)
        #expect(state.focus == .prompt)
        _ = state.handle(.function(5), promptEmpty: true)
        #expect(state.focus == .tails)
    }

    @Test func qQuitsOnlyFromAPaneWithAnEmptyPrompt() {
        var state = AppState()
        #expect(state.handle(.byte(UInt8(ascii: "q")), promptEmpty: true) == [.readline([UInt8(ascii: "q")])])
        state.focus = .streams
        #expect(state.handle(.byte(UInt8(ascii: "q")), promptEmpty: false) == [.readline([UInt8(ascii: "q")])])
        #expect(state.focus == .prompt, "typing in a pane goes to the prompt")
        state.focus = .streams
        #expect(state.handle(.byte(UInt8(ascii: "q")), promptEmpty: true) == [.quit])
    }

    @Test func enterOpensStreamsAndEvents() {
        var state = AppState()
        state.apply(.streams(["orders-1", "carts-1"]), at: 0)
        state.focus = .streams
        _ = state.handle(.down, promptEmpty: true)
        #expect(state.handle(.enter, promptEmpty: true) == [.loadEvents(stream: "carts-1", from: nil)])
        #expect(state.focus == .events)
        state.apply(.eventsPage(stream: "carts-1", events: (0..<3).map { Fixtures.event("carts-1", $0) }), at: 0)
        _ = state.handle(.down, promptEmpty: true)
        _ = state.handle(.enter, promptEmpty: true)
        #expect(state.focus == .detail && state.detail.contains("number:   1"))
        state.focus = .events
        #expect(state.handle(.byte(UInt8(ascii: "[")), promptEmpty: true).isEmpty, "no page before 0")
        #expect(state.handle(.byte(UInt8(ascii: "]")), promptEmpty: true) == [.loadEvents(stream: "carts-1", from: 3)])
    }

    @Test func slashFiltersTheFocusedListAndEscClears() {
        var state = AppState()
        state.apply(.streams(["orders-1", "orders-2", "carts-1"]), at: 0)
        state.focus = .streams
        for key in "/!orders".utf8.map(Key.byte) + [.enter] { _ = state.handle(key, promptEmpty: true) }
        #expect(state.streams.visibleCount == 1 && state.streams.selected == "carts-1")
        _ = state.handle(.escape, promptEmpty: true)
        #expect(state.streams.visibleCount == 3)
        for key in "/([".utf8.map(Key.byte) + [.enter] { _ = state.handle(key, promptEmpty: true) }
        #expect(state.message?.hasPrefix("bad filter") == true && state.streams.visibleCount == 3)
    }

    @Test func tailKeysPauseAndFollow() {
        var state = AppState()
        state.apply(.runningTails([TailInfo(id: 1, target: "s")]), at: 0)
        state.apply((0..<3).map { TUIEvent.output(.event(Fixtures.event("s", $0), tail: 1)) }, at: 0)
        state.focus = .tails
        _ = state.handle(.byte(UInt8(ascii: "p")), promptEmpty: true)
        state.apply((3..<5).map { TUIEvent.output(.event(Fixtures.event("s", $0), tail: 1)) }, at: 0)
        #expect(state.tails[0].paused && state.tails[0].newWhilePaused == 2)
        _ = state.handle(.byte(UInt8(ascii: "f")), promptEmpty: true)
        #expect(!state.tails[0].paused)
        state.apply(.output(.tailState(TailStateChange(id: 1, stream: "s", isLive: true))), at: 0)
        #expect(state.tails[0].isLive)
        state.apply(.runningTails([]), at: 0)
        #expect(state.tails.isEmpty)
    }

    /// A tail's own output opens its pane, whatever arrives first: the start (named `$all`, not after
    /// the first event's stream), or — were it ever to overtake — the change to live.
    @Test func tailPanesOpenUnderTheTailsNameAndKeepTheirState() {
        var state = AppState()
        state.apply(.output(.tailStarted(id: 1, stream: "$all")), at: 0)
        state.apply((0..<2).map { TUIEvent.output(.event(Fixtures.event("orders-1", $0), tail: 1)) }, at: 0)
        state.apply(.output(.tailState(TailStateChange(id: 1, stream: "$all", isLive: true))), at: 0)
        #expect(state.tails.map(\.target) == ["$all"] && state.tails[0].isLive && state.tails[0].received == 2)
        #expect(state.output.items.map(\.text).contains("tail 1 following $all (untail 1 to stop)"))

        state.apply(.output(.tailState(TailStateChange(id: 2, stream: "orders-1", isLive: true))), at: 0)
        state.apply(.output(.tailStarted(id: 2, stream: "orders-1")), at: 0)
        #expect(state.tails.map(\.target) == ["$all", "orders-1"] && state.tails[1].isLive)
        #expect(Fixtures.screen(&state).contains("Tail 2 orders-1 [live]"))
    }

    @Test func confirmationAnswersYOnly() {
        var state = AppState()
        state.apply(.confirm("delete orders-1?"), at: 0)
        #expect(state.handle(.byte(UInt8(ascii: "x")), promptEmpty: true) == [.confirm(false)])
        state.apply(.confirm("delete orders-1?"), at: 0)
        #expect(Fixtures.screen(&state).contains("delete orders-1? [y/N]"))
        #expect(state.handle(.byte(UInt8(ascii: "y")), promptEmpty: true) == [.confirm(true)])
    }
}

@Suite struct ScreenTests {
    @Test func headerFollowsLifecycleEvents() {
        var state = AppState()
        state.apply(.connection(node: "tcp://admin@127.0.0.1:1113", user: "admin"), at: 0)
        state.apply(.client(.phaseChanged(.connected(Endpoint(host: "127.0.0.1", port: 1113)), at: Date())), at: 0)
        state.apply(.client(.heartbeatRoundTrip(.milliseconds(2))), at: 0)
        state.apply(.inFlight(3), at: 0)
        var screen = Fixtures.screen(&state)
        #expect(screen.hasPrefix(" esdb  connected  rtt 2.0 ms  in-flight 3  user admin  node tcp://admin@127.0.0.1:1113"))
        state.apply(.client(.phaseChanged(.waitingToReconnect(attempt: 1, maxAttempts: -1, after: .seconds(1)), at: Date())), at: 0)
        screen = Fixtures.screen(&state, columns: 200)
        #expect(screen.hasPrefix(" esdb  reconnecting"))
        #expect(screen.contains("reconnecting 1/"), "the lifecycle pane logs the phase")
    }

    @Test func panesShowAtEverySizeAndTheCursorIsAtThePrompt() {
        var state = AppState()
        state.apply(.streams(["orders-1"]), at: 0)
        state.promptText = "read orders-1"
        state.promptCursor = 4
        for (rows, columns) in [(40, 160), (24, 80), (12, 40), (5, 20), (1, 1)] {
            let frame = ScreenRenderer.render(&state, rows: rows, columns: columns, now: 0)
            #expect(frame.grid.rows == rows && frame.grid.columns == columns)
            if rows >= Layout.minimumRows {
                let text = frame.grid.text
                #expect(text.contains("Streams (1)") && text.contains("Tails") && text.contains("Lifecycle"))
                #expect(frame.cursorRow == rows - 1 && frame.cursorColumn == 10)
                #expect(frame.grid.text(row: rows - 1) == "esdb> read orders-1")
            }
        }
    }

    @Test func longPromptScrollsSideways() {
        var state = AppState()
        state.promptText = String(repeating: "x", count: 100)
        state.promptCursor = 100
        let frame = ScreenRenderer.render(&state, rows: 24, columns: 40, now: 0)
        #expect(frame.cursorColumn < 40)
        #expect(frame.grid.text(row: 23).hasSuffix("xxx"))
    }

    @Test func wideCharactersTakeTwoCells() {
        var grid = CellGrid(rows: 1, columns: 6)
        #expect(grid.put("世界ab", row: 0, column: 0) == 6)
        #expect(grid.text(row: 0) == "世界ab")
        var narrow = CellGrid(rows: 1, columns: 3)
        narrow.put("世界", row: 0, column: 0)
        #expect(narrow.text(row: 0) == "世", "a wide character never straddles the edge")
    }

    @Test func helpPopupListsKeysAndCommands() {
        var state = AppState()
        _ = state.handle(.function(1), promptEmpty: true)
        let text = Fixtures.screen(&state, rows: 50, columns: 120)
        #expect(text.contains("Help") && text.contains("pause / follow") && text.contains("append one event"))
        _ = state.handle(.byte(UInt8(ascii: "x")), promptEmpty: true)
        #expect(!state.helpVisible)
    }

    @Test func outputPaneShowsResultsNotesAndErrors() {
        var state = AppState()
        state.apply([.output(.result(human: "line one\nline two", json: .null)), .output(.error("append: boom")),
                     .output(.event(Fixtures.event("o-1", 0), tail: nil))], at: 0)
        let text = Fixtures.screen(&state)
        #expect(text.contains("line two") && text.contains("append: boom") && text.contains("o-1#0"))
    }
}

/// Long lines wrap in the output, lifecycle and detail panes instead of being cut at the pane's edge.
@Suite struct WrappingTests {
    @Test func rowsBreakAtTheWidthAndIndentContinuations() {
        #expect(TextWrap.rows("", width: 10) == [""])
        #expect(TextWrap.rows("abcdefghij", width: 10) == ["abcdefghij"])
        #expect(TextWrap.rows("abcdefghijklmnop", width: 10) == ["abcdefghij", "  klmnop"])
        #expect(TextWrap.rows("abcdefghijklmnopqrstu", width: 10) == ["abcdefghij", "  klmnopqr", "  stu"])
        #expect(TextWrap.rows("世界世界世界", width: 5) == ["世界", "  世", "  界", "  世", "  界"],
                "a wide character never straddles the edge")
        #expect(TextWrap.rows("abc", width: 4) == ["abc"], "too narrow to wrap: one row, cut when drawn")
        #expect(TextWrap.rows("stream orders-1 is at -1, expected 7", width: 16) == ["stream orders-1 ", "  is at -1, ", "  expected 7"],
                "breaks after spaces; a space at the break is not carried")
        #expect(TextWrap.rows("ab cdefghijklmnopqrstuvw", width: 10) == ["ab cdefghi", "  jklmnopq", "  rstuvw"],
                "a word longer than a row is broken where the row ends")
        #expect(TextWrap.rows("ab cdefghij", width: 10) == ["ab ", "  cdefghij"], "a word that fits a new row moves there")
    }

    @Test func aLongErrorIsReadableWholeInANarrowTerminal() throws {
        var state = AppState()
        let error = "append: Wrong expected version: expected 5, the stream orders-1 is at 0 (current version)"
        state.apply([.output(.result(human: "before", json: .null)), .output(.error(error))], at: 0)
        let text = Fixtures.screen(&state, rows: 24, columns: 80)
        let rows = text.split(separator: "\n").map { String($0) }
        // The output pane is the right-hand column; join its rows back into the message.
        let outputColumn = rows.compactMap { $0.range(of: "append: Wrong")?.lowerBound.utf16Offset(in: $0) }.first
        let column = try #require(outputColumn)
        let pieces = rows.map { $0.count > column ? String($0.dropFirst(column)) : "" }
        let start = try #require(pieces.firstIndex { $0.hasPrefix("append: Wrong") })
        var joined = pieces[start]
        // Rows break between words here (no word is longer than a row); the screen trims the space at a break.
        for piece in pieces[(start + 1)...] where piece.hasPrefix(TextWrap.indent) { joined += " " + piece.dropFirst(TextWrap.indent.count) }
        #expect(joined == error)
    }

    @Test func theCursorsWrappedItemIsWhollyOnScreen() {
        var list = ListPane<String>(capacity: 100, follow: true) { $0 }
        list.append(contentsOf: ["a", "b", String(repeating: "x", count: 30), "c"])
        let rows = { (line: String) in TextWrap.rows(line, width: 10).count }   // 1, 1, 4, 1
        list.reveal(height: 5, rows: rows)
        #expect(list.top == 2, "the last item and the wrapped one above it fill the 5 rows")
        list.move(by: -1)
        list.reveal(height: 5, rows: rows)
        #expect(list.top == 2, "the cursor's item is on screen: the window stays")
        list.move(by: -2)
        list.reveal(height: 5, rows: rows)
        #expect(list.top == 0)
        list.reveal(height: 3, rows: rows)
        #expect(list.top == 0)
        list.move(by: 2)
        list.reveal(height: 3, rows: rows)
        #expect(list.top == 2, "an item taller than the pane starts at the top")
    }

    @Test func pagingCountsWrappedRows() {
        var list = ListPane<String>(capacity: 100) { $0 }
        list.append(contentsOf: ["a", String(repeating: "x", count: 30), "b", "c", "d", "e"])   // rows at width 10: 1, 4, 1, 1, 1, 1
        let rows = { (line: String) in TextWrap.rows(line, width: 10).count }
        #expect(list.pageSteps(height: 5, forward: true, rows: rows) == 2, "the wrapped line and one more fill 5 rows")
        list.move(by: 5)
        #expect(list.pageSteps(height: 5, forward: false, rows: rows) == 3, "d, c, b; the wrapped line would pass 5 rows")
        #expect(list.pageSteps(height: 1, forward: false, rows: rows) == 1, "always at least one")

        var state = AppState()
        state.apply((0..<40).map { TUIEvent.output(.error("error \($0): " + String(repeating: "word ", count: 30))) }, at: 0)
        _ = Fixtures.screen(&state, rows: 24, columns: 80)
        state.focus = .output
        state.output.jump(toEnd: true)
        let before = state.output.cursor
        _ = state.handle(.pageUp, promptEmpty: true)
        let moved = before - state.output.cursor
        #expect(moved >= 1 && moved < (state.paneHeights[.output] ?? 0) - 1, "a page of 5-row errors is a few errors, not a screenful of them")
    }

    @Test func detailScrollsThroughWrappedRows() {
        var state = AppState()
        state.detail = ["data: " + String(repeating: "0123456789", count: 30)]
        var screen = Fixtures.screen(&state, rows: 24, columns: 80)
        #expect(state.detailRowCount > 1)
        #expect(screen.contains("data: 0123"))
        state.focus = .detail
        state.scroll(.detail, by: 1_000)
        screen = Fixtures.screen(&state, rows: 24, columns: 80)
        #expect(state.detailTop == max(0, state.detailRowCount - (state.paneHeights[.detail] ?? 0)))
        #expect(screen.contains("789"))
    }
}
