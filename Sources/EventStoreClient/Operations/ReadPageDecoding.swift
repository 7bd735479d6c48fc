import EventStoreWire

/// The events of a read page, decoded when asked for rather than when the reply arrives.
///
/// The page sequences decode a reply's header on the event loop, request the next page from it
/// at once, and only then decode this page's events on the consuming task: the server reads the
/// next page while the client decodes this one.
struct DeferredPageEvents: Sendable {
    enum Kind: Sendable {
        case stream
        case all
    }

    let package: TCPPackage
    let kind: Kind
    let count: Int

    /// Decodes the events (a malformed page is a protocol violation).
    func decode() throws(EventStoreClientError) -> [ResolvedEvent] {
        do {
            switch kind {
            case .stream:
                return try ReadStreamPage.events(in: package, expectedCount: count).map(ResolvedEvent.init(indexed:))
            case .all:
                return try ReadAllPage.events(in: package, expectedCount: count).map(ResolvedEvent.init(resolved:))
            }
        } catch {
            throw EventStoreClientError(.protocolViolation, "\(error)")
        }
    }
}

extension EventStoreClient {
    /// Decodes a ReadStreamEvents*Completed reply with the allocation-lean page decoder
    /// (`events: false`: the header only, events counted).
    static func decodeStreamPage(_ reply: TCPPackage, events: Bool = true) throws(EventStoreClientError) -> ReadStreamPage {
        do {
            return try ReadStreamPage(decoding: reply, events: events)
        } catch {
            throw EventStoreClientError(.protocolViolation, "\(error)")
        }
    }

    /// Decodes a ReadAllEvents*Completed reply with the allocation-lean page decoder
    /// (`events: false`: the header only, events counted).
    static func decodeAllPage(_ reply: TCPPackage, events: Bool = true) throws(EventStoreClientError) -> ReadAllPage {
        do {
            return try ReadAllPage(decoding: reply, events: events)
        } catch {
            throw EventStoreClientError(.protocolViolation, "\(error)")
        }
    }
}
