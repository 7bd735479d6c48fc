import EventStoreWire
import Foundation

/// What a new EventStoreDB 23.10 database holds after its first start, written by the node into
/// an empty log (docs/node-fidelity.md §A fresh database): for `admin` and `ops`, the metadata of
/// `$user-<login>`, a `$UserCreated` event with the hashed password, and a `$User` entry in
/// `$users`; then the metadata of `$scavenges`. So `$all` is never empty and starts with system
/// events, as on the server. (The server's `$epoch-information` is not written: `$all` reads hide
/// it there.)
enum FreshDatabase {
    /// The accounts written, with the server's full names and groups.
    static let accounts: [(login: String, fullName: String, group: String)] = [
        ("admin", "Event Store Administrator", SystemRoles.admins),
        ("ops", "Event Store Operations", SystemRoles.ops),
    ]

    /// The events, in order, for `users` (whose passwords are used for `admin` and `ops`).
    static func events(users: [NodeUser], now: Int64) -> [(stream: String, type: String, isJSON: Bool, data: [UInt8])] {
        var events: [(stream: String, type: String, isJSON: Bool, data: [UInt8])] = []
        for account in accounts {
            let password = users.last { $0.login == account.login }?.password ?? "changeit"
            let hashed = PasswordHash(password: password)
            let userStream = "$user-" + account.login
            events.append((StreamNames.metastream(of: userStream), SystemEventTypes.metadata, true,
                           Array(#"{"$acl":{"$w":"$admins","$d":"$admins","$mw":"$admins"}}"#.utf8)))
            let created = JSONValue.object([
                ("loginName", .string(account.login)), ("fullName", .string(account.fullName)),
                ("salt", .string(hashed.salt)), ("hash", .string(hashed.hash)), ("groups", .array([.string(account.group)])),
            ])
            events.append((userStream, "$UserCreated", true, Array(created.compactText.utf8)))
            events.append(("$users", "$User", false, Array(account.login.utf8)))
        }
        events.append((StreamNames.metastream(of: "$scavenges"), SystemEventTypes.metadata, true,
                       Array(#"{"$maxAge":2592000,"$acl":{"$r":"$ops","$w":[],"$d":[],"$mr":[],"$mw":[]}}"#.utf8)))
        return events
    }
}

extension WriterState {
    /// Writes ``FreshDatabase``'s events when the log is empty; nothing otherwise.
    mutating func seedFreshDatabase(users: [NodeUser], context: WriteContext, batch: inout WriteBatch) throws {
        guard try batch.log.eventCount() == 0, batch.recordCount == 0 else { return }
        for event in FreshDatabase.events(users: users, now: context.now) {
            let number = try head(of: event.stream, in: batch.log) + 1
            let recorded = try batch.append(NewLogEvent(
                stream: event.stream, number: number, eventID: UUID.random().dotNetBytes, type: event.type,
                isJSON: event.isJSON, data: event.data, metadata: [], createdMs: context.now))
            heads[event.stream] = number
            try recordWritten([recorded], context: context, batch: &batch)
        }
    }
}
