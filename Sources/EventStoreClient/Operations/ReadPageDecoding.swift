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
        try EventStoreClient.decodingPayload { () throws(TCPPayloadError) in
            switch kind {
            case .stream:
                try ReadStreamPage.events(in: package, expectedCount: count).map(ResolvedEvent.init(indexed:))
            case .all:
                try ReadAllPage.events(in: package, expectedCount: count).map(ResolvedEvent.init(resolved:))
            }
        }
    }
}
