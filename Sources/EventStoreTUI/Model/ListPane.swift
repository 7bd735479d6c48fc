/// A scrollable list with a bounded window of items, an optional filter and a cursor.
///
/// Items are numbered absolutely (the first item ever added is 0), so the cursor survives items
/// dropping off the front when the window is full.
struct ListPane<Item> {
    /// The most items kept; older ones drop off the front.
    let capacity: Int
    /// The items in the window, oldest first.
    private(set) var items: [Item] = []
    /// How many items dropped off the front so far.
    private(set) var dropped = 0
    /// The active filter, if any.
    private(set) var filter: LineFilter?
    /// Absolute numbers of the items the filter lets through, ascending.
    private(set) var visible: [Int] = []
    /// Index into the visible items of the selected one.
    private(set) var cursor = 0
    /// Index into the visible items of the first row shown.
    private(set) var top = 0
    /// Whether the cursor sticks to the newest item.
    var follow: Bool
    private let text: (Item) -> String

    /// An empty list; `text` is what the filter matches against.
    init(capacity: Int, follow: Bool = false, text: @escaping (Item) -> String) {
        self.capacity = max(1, capacity)
        self.follow = follow
        self.text = text
    }

    /// The number of items the filter lets through.
    var visibleCount: Int { visible.count }

    /// The selected item, if any.
    var selected: Item? { item(atVisible: cursor) }

    /// The item at a position among the visible ones.
    func item(atVisible index: Int) -> Item? {
        guard visible.indices.contains(index) else { return nil }
        return items[visible[index] - dropped]
    }

    /// The text of an item (what the filter sees).
    func line(_ item: Item) -> String { text(item) }

    /// Replaces every item (cursor back to the start, or the end when following).
    mutating func replace(with newItems: [Item]) {
        items = Array(newItems.suffix(capacity))
        dropped = 0
        rebuildVisible()
        cursor = follow ? max(0, visible.count - 1) : min(cursor, max(0, visible.count - 1))
        top = min(top, cursor)
    }

    /// Adds items at the end, dropping the oldest beyond the capacity. Returns how many of them are visible.
    @discardableResult
    mutating func append(contentsOf newItems: some Sequence<Item>) -> Int {
        var shown = 0
        for item in newItems {
            let number = dropped + items.count
            items.append(item)
            if filter?.accepts(text(item)) ?? true {
                visible.append(number)
                shown += 1
            }
        }
        if items.count > capacity {
            let excess = items.count - capacity
            items.removeFirst(excess)
            dropped += excess
            let gone = visible.prefix { $0 < dropped }.count
            if gone > 0 {
                visible.removeFirst(gone)
                cursor = max(0, cursor - gone)
                top = max(0, top - gone)
            }
        }
        if follow { cursor = max(0, visible.count - 1) }
        return shown
    }

    /// Sets or clears the filter; keeps the selected item selected when it still shows.
    mutating func setFilter(_ newFilter: LineFilter?) {
        let selectedNumber = visible.indices.contains(cursor) ? visible[cursor] : nil
        filter = newFilter
        rebuildVisible()
        if follow {
            cursor = max(0, visible.count - 1)
        } else if let selectedNumber, let index = visible.firstIndex(where: { $0 >= selectedNumber }) {
            cursor = index
        } else {
            cursor = max(0, visible.count - 1)
        }
        top = 0
    }

    /// Moves the cursor by `delta` rows (clamped); moving stops following unless it reaches the end.
    mutating func move(by delta: Int) {
        guard !visible.isEmpty else { return }
        cursor = min(max(0, cursor + delta), visible.count - 1)
    }

    /// Moves the cursor to the first (`false`) or last (`true`) item.
    mutating func jump(toEnd: Bool) {
        cursor = toEnd ? max(0, visible.count - 1) : 0
    }

    /// Adjusts the first shown row so the cursor is on screen in `height` rows.
    mutating func reveal(height: Int) {
        let height = max(1, height)
        if cursor < top { top = cursor }
        if cursor >= top + height { top = cursor - height + 1 }
        top = max(0, min(top, max(0, visible.count - height)))
    }

    /// Like ``reveal(height:)`` for items that take `rows` screen rows each (wrapped lines): the
    /// cursor's item is wholly on screen, and the window is full when there are enough items.
    mutating func reveal(height: Int, rows: (Item) -> Int) {
        let height = max(1, height)
        guard !visible.isEmpty else {
            top = 0
            return
        }
        func rowsAt(_ index: Int) -> Int { item(atVisible: index).map(rows) ?? 1 }
        /// Moves `first` up while the item above still fits in `height` rows with the `used` ones.
        func extendUp(_ first: inout Int, _ used: inout Int) {
            while first > 0 {
                let above = rowsAt(first - 1)
                guard used + above <= height else { return }
                used += above
                first -= 1
            }
        }
        // The highest row the window may start at and still show all of the cursor's item.
        var lowestTop = cursor
        var used = rowsAt(cursor)
        extendUp(&lowestTop, &used)
        // Fill the window: with too little below the start, start earlier.
        var first = max(min(top, cursor), lowestTop)
        used = 0
        var index = first
        while index < visible.count, used < height {
            used += rowsAt(index)
            index += 1
        }
        extendUp(&first, &used)
        top = first
    }

    /// How many items a page moves the cursor when items take `rows` screen rows each: as many as
    /// fit in `height` rows past the cursor (at least one), so that no row is skipped.
    func pageSteps(height: Int, forward: Bool, rows: (Item) -> Int) -> Int {
        var index = cursor
        var used = 0
        var steps = 0
        while let next = item(atVisible: forward ? index + 1 : index - 1) {
            used += rows(next)
            if used > height, steps > 0 { break }
            steps += 1
            index += forward ? 1 : -1
        }
        return max(1, steps)
    }

    private mutating func rebuildVisible() {
        visible = items.indices.compactMap { index in
            (filter?.accepts(text(items[index])) ?? true) ? dropped + index : nil
        }
    }
}
