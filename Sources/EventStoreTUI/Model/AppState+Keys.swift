import EventStoreShell

extension AppState {
    /// Handles a key. Keys never fight the prompt: when the prompt has focus everything except
    /// Shift-Tab, F-keys, PgUp/PgDn (and Tab on an empty line) goes to readline; when a pane has
    /// focus, the pane's keys act and other printable keys start typing at the prompt.
    mutating func handle(_ key: Key, promptEmpty: Bool) -> [TUIAction] {
        message = nil
        if confirmQuestion != nil { return answerConfirmation(key) }
        if helpVisible {
            helpVisible = false
            return []
        }
        if filterInput != nil { return editFilter(key) }
        switch key {
        case .resize: return []
        case .function(1):
            helpVisible = true
            return []
        case .function(let number) where (2...7).contains(number):
            focus = PaneID.allCases[number - 1]
            return []
        case .function(10): return [.quit]
        case .function: return []
        case .backTab:
            focus = focus.next(forward: false)
            return []
        case .tab where focus != .prompt || promptEmpty:
            focus = focus.next(forward: true)
            return []
        default: break
        }
        if focus == .prompt {
            switch key {
            case .pageUp: scroll(.output, by: -page(.output, forward: false))
            case .pageDown: scroll(.output, by: page(.output, forward: true))
            default: return [.readline(key.readlineBytes)]
            }
            return []
        }
        return paneKey(key, promptEmpty: promptEmpty)
    }

    private mutating func answerConfirmation(_ key: Key) -> [TUIAction] {
        confirmQuestion = nil
        return [.confirm(key == .byte(UInt8(ascii: "y")) || key == .byte(UInt8(ascii: "Y")))]
    }

    private mutating func editFilter(_ key: Key) -> [TUIAction] {
        switch key {
        case .escape:
            filterInput = nil
            applyFilter(nil, to: filterTarget)
        case .enter:
            let text = filterInput ?? ""
            filterInput = nil
            do {
                applyFilter(try LineFilter(text), to: filterTarget)
            } catch {
                message = "bad filter: \(TerminalText.sanitize(text))"
            }
        case .backspace:
            filterBytes = Array(String(decoding: filterBytes, as: UTF8.self).dropLast().utf8)
            filterInput = String(decoding: filterBytes, as: UTF8.self)
        case .byte(let byte) where byte >= 0x20 && byte != 0x7F:
            filterBytes.append(byte)
            filterInput = String(decoding: filterBytes, as: UTF8.self)
        default: break
        }
        return []
    }

    /// Sets or clears the filter of a pane (the selected tail for the tails pane).
    mutating func applyFilter(_ filter: LineFilter?, to pane: PaneID) {
        switch pane {
        case .streams: streams.setFilter(filter)
        case .events: events.setFilter(filter)
        case .tails where tails.indices.contains(selectedTail): tails[selectedTail].list.setFilter(filter)
        case .output: output.setFilter(filter)
        case .log: log.setFilter(filter)
        default: break
        }
    }

    private func hasFilter(_ pane: PaneID) -> Bool {
        switch pane {
        case .streams: return streams.filter != nil
        case .events: return events.filter != nil
        case .tails: return currentTail?.list.filter != nil
        case .output: return output.filter != nil
        case .log: return log.filter != nil
        default: return false
        }
    }

    private mutating func paneKey(_ key: Key, promptEmpty: Bool) -> [TUIAction] {
        switch key {
        case .up: scroll(focus, by: -1)
        case .down: scroll(focus, by: 1)
        case .pageUp: scroll(focus, by: -page(focus, forward: false))
        case .pageDown: scroll(focus, by: page(focus, forward: true))
        case .home: scroll(focus, by: Int.min / 2)
        case .end: scroll(focus, by: Int.max / 2)
        case .left where focus == .tails: selectedTail = max(0, selectedTail - 1)
        case .right where focus == .tails: selectedTail = min(max(0, tails.count - 1), selectedTail + 1)
        case .enter: return open()
        case .escape:
            if hasFilter(focus) { applyFilter(nil, to: focus) } else { focus = .prompt }
        default:
            guard let character = key.character else { return [] }
            return paneCharacter(character, promptEmpty: promptEmpty)
        }
        return []
    }

    private mutating func paneCharacter(_ character: Character, promptEmpty: Bool) -> [TUIAction] {
        switch character {
        case "q" where promptEmpty: return [.quit]
        case "?":
            helpVisible = true
        case "/" where focus != .detail:
            filterTarget = focus
            filterBytes = []
            filterInput = ""
        case "p" where focus == .tails && currentTail != nil:
            if tails[selectedTail].paused { tails[selectedTail].resume() } else { tails[selectedTail].pause() }
        case "f" where focus == .tails && currentTail != nil:
            tails[selectedTail].resume()
        case "r" where focus == .streams:
            return [.refreshStreams]
        case "[" where focus == .events:
            guard let stream = eventsStream, let first = events.items.first?.number else { return [] }
            if first == 0 { message = "at the first page" } else {
                return [.loadEvents(stream: stream, from: max(0, first - Int64(Self.pageSize)))]
            }
        case "]" where focus == .events:
            guard let stream = eventsStream, let last = events.items.last?.number else { return [] }
            return [.loadEvents(stream: stream, from: last + 1)]
        default:
            // Anything else starts a command at the prompt.
            focus = .prompt
            return [.readline(Array(String(character).utf8))]
        }
        return []
    }

    /// Enter in a pane: a stream opens its events, an event opens in the detail pane.
    private mutating func open() -> [TUIAction] {
        switch focus {
        case .streams:
            guard let stream = streams.selected else { return [] }
            focus = .events
            return [.loadEvents(stream: stream, from: nil)]
        case .events:
            guard let event = events.selected else { return [] }
            openDetail(event)
            focus = .detail
        case .tails:
            guard let entry = currentTail?.list.selected else { return [] }
            openDetail(entry.event)
        default: break
        }
        return []
    }

    /// How far PgUp/PgDn move in a pane: a screenful less one row; in the panes whose long lines
    /// wrap, counted in screen rows, so a page never skips a row.
    func page(_ pane: PaneID, forward: Bool) -> Int {
        let height = max(1, (paneHeights[pane] ?? 10) - 1)
        guard let width = paneWidths[pane] else { return height }
        switch pane {
        case .output: return output.pageSteps(height: height, forward: forward) { TextWrap.rows($0.text, width: width).count }
        case .log:
            return log.pageSteps(height: height, forward: forward) { TextWrap.rows(Self.logText($0), width: width).count }
        default: return height
        }
    }

    /// Moves the cursor of a pane (the detail pane scrolls).
    mutating func scroll(_ pane: PaneID, by delta: Int) {
        switch pane {
        case .streams: streams.move(by: delta)
        case .events:
            events.move(by: delta)
            if let event = events.selected { openDetail(event) }
        case .detail:
            let height = paneHeights[.detail] ?? 10
            detailTop = min(max(0, detailTop.addingReportingOverflow(delta).partialValue),
                            max(0, max(detailRowCount, detail.count) - height))
        case .tails:
            guard tails.indices.contains(selectedTail) else { return }
            if delta < 0, !tails[selectedTail].paused { tails[selectedTail].pause() }
            tails[selectedTail].list.move(by: delta)
        case .output:
            output.follow = false
            output.move(by: delta)
            if output.cursor >= output.visibleCount - 1 { output.follow = true }
        case .log:
            log.follow = false
            log.move(by: delta)
            if log.cursor >= log.visibleCount - 1 { log.follow = true }
        case .prompt: break
        }
    }
}
