import EventStoreWire
/// A bounded memory of recently written event ids, for idempotent retries with expected
/// version Any / StreamExists (EventStoreDB keeps a similar best-effort cache).
struct RecentEventIDs {
    struct Entry: Equatable {
        var stream: String
        var number: Int64
    }

    /// A 16-byte id as two words: stored inline and hashed in one step (a `[UInt8]` key was
    /// allocated per entry and hashed byte by byte, on the writer thread, for every append).
    /// Ids are always 16 bytes here: `RequestValidation` rejects others and the node makes UUIDs.
    struct Key: Hashable {
        let high: UInt64
        let low: UInt64

        init(_ id: [UInt8]) {
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in id.prefix(16).enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self.high = high
            self.low = low
        }
    }

    private var table: [Key: Entry] = [:]
    private var order: [Key] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = capacity
        table.reserveCapacity(capacity)
        order.reserveCapacity(capacity)
    }

    func lookup(_ id: [UInt8]) -> Entry? { table[Key(id)] }

    mutating func remember(_ id: [UInt8], stream: String, number: Int64) {
        let key = Key(id)
        if table.updateValue(Entry(stream: stream, number: number), forKey: key) != nil { return }
        if order.count < capacity {
            order.append(key)
        } else {
            table.removeValue(forKey: order[head])
            order[head] = key
            head = (head + 1) % capacity
        }
    }

    mutating func removeAll() {
        table.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        head = 0
    }
}
