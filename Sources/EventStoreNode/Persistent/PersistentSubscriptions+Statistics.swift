import EventStoreWire

/// GetInfo and List: the groups' statistics (the server's `GetPersistentSubscriptionStats`).
extension PersistentSubscriptions {
    /// Statistics need an authenticated user (the server's `Subscriptions.Statistics` policy).
    static func mayReadStatistics(_ user: NodeUser?) -> Bool {
        user != nil
    }

    /// One group's statistics; nil when there is no such group.
    func info(of key: PersistentGroupKey) async -> PersistentGroupInfo? {
        await infos { $0 == key }.first
    }

    /// The statistics of every group (`stream` nil) or of the groups on one stream (`$all` for
    /// those on `$all`), ordered by stream and group.
    func infos(stream: String?) async -> [PersistentGroupInfo] {
        await infos { key in stream.map { key.stream == $0 } ?? true }
    }

    private func infos(matching: (PersistentGroupKey) -> Bool) async -> [PersistentGroupInfo] {
        await waitUntilLoaded()
        let now = Self.now()
        var infos: [PersistentGroupInfo] = state.withLock { state in
            var infos: [PersistentGroupInfo] = []
            for key in state.groups.keys.sorted(by: { ($0.stream, $0.group) < ($1.stream, $1.group) }) where matching(key) {
                guard var group = state.groups[key] else { continue }
                infos.append(group.info(now: now))
                state.groups[key] = group
            }
            return infos
        }
        guard let engine, !infos.isEmpty else { return infos }
        let parked = infos.map(\.key.parkedStream)
        // Parked messages not yet replayed: those a read shows (replays raise the stream's $tb).
        let counts = (try? await engine.read(user: .system) { context in
            try parked.map { stream -> Int64 in
                guard case .visible(let minimum, let last, _) = try context.state(of: stream) else { return 0 }
                return max(0, last - minimum + 1)
            }
        }) ?? []
        for (index, count) in counts.enumerated() { infos[index].parkedCount = count }
        return infos
    }
}
