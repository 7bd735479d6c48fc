import EventStoreWire
import Foundation
import SwiftProtobuf

extension EventStoreClient {
    /// Creates a persistent subscription group on a stream (needs an administrator or operator).
    ///
    /// ```swift
    /// try await client.createPersistentSubscription("workers", on: "orders-1")
    /// ```
    /// - Throws: `.alreadyExists`, `.accessDenied`, or `.serverError` with the server's reason
    ///   (for example "Bad stream name." for `$all`).
    public func createPersistentSubscription(
        _ group: String, on stream: String, settings: PersistentSubscriptionSettings = PersistentSubscriptionSettings(),
        credentials: UserCredentials? = nil
    ) async throws {
        let request = settings.createMessage(group: group, stream: stream)
        try await perform(.createPersistentSubscription, request, credentials: credentials, isWrite: true) {
            reply throws(EventStoreClientError) in
            let completed: ESCreatePersistentSubscriptionCompleted = try Self.decode(reply)
            switch completed.result {
            case .success: return .success(())
            case .alreadyExists:
                return .failure(EventStoreClientError(.alreadyExists, "persistent subscription \(group) on \(stream) exists already"))
            case .accessDenied:
                return .failure(EventStoreClientError(.accessDenied, "access denied creating persistent subscription \(group) on \(stream)"))
            case .fail:
                return .failure(Self.groupFailure("creating", group, stream, completed.reason))
            }
        }
    }

    /// Changes a group's settings; connected consumers keep going under the new ones.
    ///
    /// - Throws: `.notFound`, `.accessDenied`, or `.serverError` with the server's reason.
    public func updatePersistentSubscription(
        _ group: String, on stream: String, settings: PersistentSubscriptionSettings, credentials: UserCredentials? = nil
    ) async throws {
        let created = settings.createMessage(group: group, stream: stream)
        // Update and Create share one layout.
        let request = try ESUpdatePersistentSubscription(serializedBytes: try created.serializedBytes(partial: true) as [UInt8],
                                                         partial: true)
        try await perform(.updatePersistentSubscription, request, credentials: credentials, isWrite: true) {
            reply throws(EventStoreClientError) in
            let completed: ESUpdatePersistentSubscriptionCompleted = try Self.decode(reply)
            switch completed.result {
            case .success: return .success(())
            case .doesNotExist:
                return .failure(EventStoreClientError(.notFound, "persistent subscription \(group) on \(stream) does not exist"))
            case .accessDenied:
                return .failure(EventStoreClientError(.accessDenied, "access denied updating persistent subscription \(group) on \(stream)"))
            case .fail:
                return .failure(Self.groupFailure("updating", group, stream, completed.reason))
            }
        }
    }

    /// Deletes a group; its consumers are dropped.
    ///
    /// - Throws: `.notFound`, `.accessDenied`, or `.serverError` with the server's reason.
    public func deletePersistentSubscription(_ group: String, on stream: String, credentials: UserCredentials? = nil) async throws {
        var request = ESDeletePersistentSubscription()
        request.subscriptionGroupName = group
        request.eventStreamID = stream
        try await perform(.deletePersistentSubscription, request, credentials: credentials, isWrite: true) {
            reply throws(EventStoreClientError) in
            let completed: ESDeletePersistentSubscriptionCompleted = try Self.decode(reply)
            switch completed.result {
            case .success: return .success(())
            case .doesNotExist:
                return .failure(EventStoreClientError(.notFound, "persistent subscription \(group) on \(stream) does not exist"))
            case .accessDenied:
                return .failure(EventStoreClientError(.accessDenied, "access denied deleting persistent subscription \(group) on \(stream)"))
            case .fail:
                return .failure(Self.groupFailure("deleting", group, stream, completed.reason))
            }
        }
    }

    private static func groupFailure(_ doing: String, _ group: String, _ stream: String, _ reason: String) -> EventStoreClientError {
        EventStoreClientError(.serverError, "\(doing) persistent subscription \(group) on \(stream) failed: \(reason)")
    }
}
