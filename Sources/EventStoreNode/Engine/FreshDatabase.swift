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
                           UserStreams.accountStreamMetadata))
            let created = UserRecord(login: account.login, fullName: account.fullName, groups: [account.group], password: hashed)
            events.append((userStream, UserStreams.created, true, created.json))
            events.append((UserStreams.index, UserStreams.indexEntryType, false, Array(account.login.utf8)))
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

extension WriterState {
    /// Creates each of the configured accounts (`--user`, admin and ops included) whose stream
    /// never existed: in a fresh database those ``FreshDatabase`` did not write, in an existing
    /// one those added to the configuration since. A stored account keeps its stored password and
    /// groups, and a deleted one stays deleted (as the server treats its default accounts).
    mutating func seedMissingAccounts(_ users: [NodeUser], context: WriteContext, batch: inout WriteBatch) throws {
        var seen = Set<String>()
        for user in users where seen.insert(user.login).inserted {
            let configured = users.last { $0.login == user.login } ?? user
            let stream = UserStreams.account(configured.login)
            guard try head(of: stream, in: batch.log) < 0, try head(of: StreamNames.metastream(of: stream), in: batch.log) < 0
            else { continue }
            let fullName = FreshDatabase.accounts.first { $0.login == configured.login }?.fullName ?? configured.login
            let record = UserRecord(login: configured.login, fullName: fullName, groups: configured.groups,
                                    password: PasswordHash(password: configured.password))
            _ = try createAccount(record, context: context, batch: &batch)
        }
    }
}
