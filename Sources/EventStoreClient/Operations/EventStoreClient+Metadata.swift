import EventStoreWire
import Foundation

/// A stream's metadata together with the version of its metastream.
///
/// ```swift
/// let current = try await client.streamMetadata("orders-1")
/// print(current.metadata.maxCount ?? -1, current.json?.compactText ?? "{}")
/// ```
public struct StreamMetadataResult: Sendable, Equatable {
    /// The stream the metadata belongs to (not the metastream).
    public var stream: String
    /// The metastream's last event number (−1 when no metadata was ever written).
    public var metastreamVersion: Int64
    /// The typed metadata (empty when there is none).
    public var metadata: StreamMetadata
    /// The raw JSON, when there is metadata.
    public var json: JSONValue?
}

extension EventStoreClient {
    /// Reads a stream's metadata (`$maxCount`, `$maxAge`, `$tb`, `$cacheControl`, `$acl`, custom keys).
    ///
    /// ```swift
    /// let result = try await client.streamMetadata("orders-1")
    /// if let acl = result.metadata.acl { print("readers:", acl.read) }
    /// ```
    public func streamMetadata(_ stream: String, credentials: UserCredentials? = nil) async throws -> StreamMetadataResult {
        switch try await readEvent(stream: "$$" + stream, number: -1, resolveLinks: false, credentials: credentials) {
        case .success(let event):
            guard let record = event.event else {
                return StreamMetadataResult(stream: stream, metastreamVersion: -1, metadata: .empty, json: nil)
            }
            let json = try? JSONValue(parsing: record.data)
            return StreamMetadataResult(stream: stream, metastreamVersion: record.number,
                                        metadata: json.map(StreamMetadata.init(json:)) ?? .empty, json: json)
        case .notFound, .noStream:
            return StreamMetadataResult(stream: stream, metastreamVersion: -1, metadata: .empty, json: nil)
        case .streamDeleted:
            throw EventStoreClientError(.streamDeleted, "stream \(stream) is deleted")
        }
    }

    /// Replaces a stream's metadata (a `$metadata` event in `$$stream`).
    ///
    /// ```swift
    /// try await client.setStreamMetadata("orders-1", StreamMetadata(maxCount: 100))
    /// ```
    @discardableResult
    public func setStreamMetadata(
        _ stream: String, _ metadata: StreamMetadata, expectedMetastreamVersion: ExpectedVersion = .any,
        credentials: UserCredentials? = nil
    ) async throws -> WriteResult {
        guard !stream.hasPrefix("$$") else {
            throw EventStoreClientError(.invalidArgument, "cannot set metadata of the metastream \(stream)")
        }
        let event = EventData(type: "$metadata", json: metadata.json.compactText)
        return try await append(to: "$$" + stream, events: [event], expectedVersion: expectedMetastreamVersion,
                                credentials: credentials)
    }

    /// Measures a Ping/Pong round trip.
    ///
    /// ```swift
    /// print("round trip:", try await client.ping())
    /// ```
    public func ping() async throws -> Duration {
        let start = ContinuousClock.now
        let _: Bool = try await perform(.ping, payload: .init(), credentials: nil, isWrite: false) { _ throws(EventStoreClientError) in
            .success(true)
        }
        return ContinuousClock.now - start
    }
}
