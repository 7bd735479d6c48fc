/// Where each pane goes for a terminal size.
///
/// ```
/// header
/// Streams   | Events           | Detail
/// Lifecycle | Tails            | Output
/// key hints
/// prompt
/// ```
struct Layout: Equatable, Sendable {
    var header: Rect
    var panes: [PaneID: Rect]
    var hints: Rect
    var prompt: Rect

    /// The smallest screen the panes fit on; below it only the header, output and prompt show.
    static let minimumRows = 12
    static let minimumColumns = 40

    init(rows: Int, columns: Int) {
        header = Rect(row: 0, column: 0, height: 1, width: columns)
        prompt = Rect(row: rows - 1, column: 0, height: 1, width: columns)
        hints = Rect(row: rows - 2, column: 0, height: 1, width: columns)
        let bodyTop = 1
        let bodyHeight = max(0, rows - 3)
        guard rows >= Self.minimumRows, columns >= Self.minimumColumns else {
            panes = [.output: Rect(row: bodyTop, column: 0, height: bodyHeight, width: columns)]
            return
        }
        let left = min(36, max(16, columns / 5))
        let rest = columns - left - 1
        let middle = rest * 11 / 20
        let right = rest - middle - 1
        let topHeight = bodyHeight / 2
        let bottomHeight = bodyHeight - topHeight
        let bottomTop = bodyTop + topHeight
        let middleColumn = left + 1
        let rightColumn = middleColumn + middle + 1
        panes = [
            .streams: Rect(row: bodyTop, column: 0, height: topHeight, width: left),
            .log: Rect(row: bottomTop, column: 0, height: bottomHeight, width: left),
            .events: Rect(row: bodyTop, column: middleColumn, height: topHeight, width: middle),
            .tails: Rect(row: bottomTop, column: middleColumn, height: bottomHeight, width: middle),
            .detail: Rect(row: bodyTop, column: rightColumn, height: topHeight, width: right),
            .output: Rect(row: bottomTop, column: rightColumn, height: bottomHeight, width: right),
        ]
    }
}
