import EventStoreWire

extension EventStoreClient {
    /// Decodes a ReadStreamEvents*Completed reply with the allocation-lean page decoder.
    static func decodeStreamPage(_ reply: TCPPackage) throws(EventStoreClientError) -> ReadStreamPage {
        do {
            return try ReadStreamPage(decoding: reply)
        } catch {
            throw EventStoreClientError(.protocolViolation, "\(error)")
        }
    }

    /// Decodes a ReadAllEvents*Completed reply with the allocation-lean page decoder.
    static func decodeAllPage(_ reply: TCPPackage) throws(EventStoreClientError) -> ReadAllPage {
        do {
            return try ReadAllPage(decoding: reply)
        } catch {
            throw EventStoreClientError(.protocolViolation, "\(error)")
        }
    }
}
