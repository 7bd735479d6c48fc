import EventStoreWire
/// A bounded memory of recently written event ids, for idempotent retries with expected
/// version Any / StreamExists (EventStoreDB keeps a similar best-effort cache).
struct RecentEventIDs {
    struct Entry: Equatable {
        var stream: String
        var number: Int64
    }

    private var table: [[UInt8]: Entry] = [:]
    private var order: [[UInt8]] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    func lookup(_ id: [UInt8]) -> Entry? { table[id] }

    mutating func remember(_ id: [UInt8], stream: String, number: Int64) {
        if table.updateValue(Entry(stream: stream, number: number), forKey: id) != nil { return }
        if order.count < capacity {
            order.append(id)
        } else {
            table.removeValue(forKey: order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
    }

    mutating func removeAll() {
        table.removeAll()
        order.removeAll()
        head = 0
    }
}
