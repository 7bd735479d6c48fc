import EventStoreWire

extension NodeEngine {
    /// One page of `$all` for a gRPC read or catch-up subscription: at most `size` events from
    /// `position`, through `filter` (inspecting its search window, `size` when it has none) when
    /// given. Denied access is `PERMISSION_DENIED`; any other refusal is `INVALID_ARGUMENT` with the
    /// engine's message, or `fallback` when it has none.
    func grpcAllPage(
        from position: LogPosition, size: Int32, forward: Bool, filter: StreamsReadRequest.Filter?, resolveLinks: Bool,
        user: NodeUser?, fallback: String
    ) async throws -> AllPageReply {
        let page = try await read(user: user) { context in
            if let filter {
                try context.filteredReadAll(
                    from: position, maxCount: size, maxSearchWindow: filter.window.map { Int32(clamping: $0) } ?? size,
                    filter: filter.filter, forward: forward, resolveLinks: resolveLinks)
            } else {
                try context.readAll(from: position, maxCount: size, forward: forward, resolveLinks: resolveLinks)
            }
        }
        switch page.result {
        case .success: return page
        case .accessDenied: throw GRPCFailure.accessDenied()
        default: throw GRPCFailure.invalidArgument(page.error ?? fallback)
        }
    }
}
