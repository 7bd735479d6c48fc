import Crypto
import EventStoreWire
import Foundation
import Synchronization

/// The node's accounts as the log holds them (docs/node-fidelity.md §Accounts): loaded at start
/// from the logins in `$users` and their `$user-<login>` streams, and kept current by the writer
/// after each commit (``apply(_:)``), so both doors authenticate against what is stored.
///
/// An account is the last event of its stream, read as a ``UserRecord``, unless the stream is
/// hard-deleted, soft-deleted, or truncated (`$tb`) past that event. Passwords that verified are
/// remembered (as a keyed digest, never the password) until the account changes, so PBKDF2 runs
/// once per login and password rather than on every request.
final class UserStore: Sendable {
    /// What the log says about one account stream.
    private struct Entry: Sendable {
        /// The stream's last event: its body as an account (nil when it is not one), number and time.
        var last: (record: UserRecord?, number: Int64, createdMs: Int64)?
        /// The stream's `$tb` (`Int64.max` when soft-deleted).
        var truncateBefore: Int64 = 0
        /// A tombstone ended the stream.
        var hardDeleted = false
        /// The login has a `$User` entry in `$users` (what lists it).
        var listed = false
        /// Bumped on every change, so a verification started before it is not remembered.
        var generation = 0
        /// The digest of the password that last verified against the current record.
        var verified: [UInt8]?

        /// The account as readers see it, with the time of its last change.
        var account: (record: UserRecord, updatedMs: Int64)? {
            guard !hardDeleted, let last, last.number >= truncateBefore, let record = last.record else { return nil }
            return (record, last.createdMs)
        }
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Keys the digests of remembered passwords (per process, so they are useless elsewhere).
    private let cacheKey = SymmetricKey(size: .bits256)

    /// Loads every account listed in `$users` from `log`.
    func load(from log: EventLog) throws(SQLiteError) {
        var logins: [String] = []
        var next: Int64 = 0
        while true {
            let page = try log.readStreamForward(stream: UserStreams.index, from: next, maxCount: 500)
            guard let last = page.last else { break }
            logins += page.compactMap(Self.listedLogin)
            next = last.number + 1
        }
        var loaded: [String: Entry] = [:]
        for login in logins where loaded[login] == nil {
            let stream = UserStreams.account(login)
            var entry = Entry()
            entry.listed = true
            if let event = try log.lastEvent(stream: stream) {
                entry.hardDeleted = event.number == EventNumber.deletedStream
                entry.last = (UserRecord(json: event.data, login: login), event.number, event.createdMs)
            }
            let metadata = StoredMetadata.metadata(fromLastEventOf: try log.lastEvent(stream: StreamNames.metastream(of: stream)))
            entry.truncateBefore = metadata.truncateBefore ?? 0
            loaded[login] = entry
        }
        entries.withLock { $0 = loaded }
    }

    /// Applies committed records (called by the writer in commit order): `$users` entries, events
    /// of `$user-<login>` streams (a tombstone deletes the account) and their metadata (`$tb`).
    func apply(_ records: [RecordedLogEvent]) {
        let relevant = records.filter { record in
            record.stream == UserStreams.index || UserStreams.login(ofAccountStream: record.stream) != nil
                || (StreamNames.isMetastream(record.stream)
                    && UserStreams.login(ofAccountStream: StreamNames.original(ofMetastream: record.stream)) != nil)
        }
        guard !relevant.isEmpty else { return }
        entries.withLock { entries in
            for record in relevant {
                if record.stream == UserStreams.index {
                    if let login = Self.listedLogin(record) { entries[login, default: Entry()].listed = true }
                } else if let login = UserStreams.login(ofAccountStream: record.stream) {
                    Self.change(&entries[login, default: Entry()]) { entry in
                        if record.number == EventNumber.deletedStream {
                            entry.hardDeleted = true
                        } else {
                            entry.last = (UserRecord(json: record.data, login: login), record.number, record.createdMs)
                        }
                    }
                } else if let login = UserStreams.login(ofAccountStream: StreamNames.original(ofMetastream: record.stream)) {
                    Self.change(&entries[login, default: Entry()]) { entry in
                        entry.truncateBefore = StoredMetadata.metadata(fromLastEventOf: record).truncateBefore ?? 0
                    }
                }
            }
        }
    }

    /// The enabled account `login` whose password is `password`, as the principal requests run as.
    func authenticate(login: String, password: String) -> NodeUser? {
        let digest = Array(HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: cacheKey))
        enum Lookup { case refused, verified(NodeUser), verify(UserRecord, generation: Int) }
        let lookup = entries.withLock { entries -> Lookup in
            guard let entry = entries[login], let record = entry.account?.record, !record.disabled else { return .refused }
            if entry.verified == digest { return .verified(record.principal) }
            return .verify(record, generation: entry.generation)
        }
        switch lookup {
        case .refused:
            return nil
        case .verified(let user):
            return user
        case .verify(let record, let generation):
            // PBKDF2 runs outside the lock; a change meanwhile (new generation) wins.
            guard record.password.verifies(password) else { return nil }
            entries.withLock { entries in
                if entries[login]?.generation == generation { entries[login]?.verified = digest }
            }
            return record.principal
        }
    }

    /// The account `login` and when it last changed (ms since 1970), whether enabled or not.
    func account(_ login: String) -> (record: UserRecord, updatedMs: Int64)? {
        entries.withLock { $0[login]?.account }
    }

    /// The accounts `$users` lists, by login.
    func listedAccounts() -> [(record: UserRecord, updatedMs: Int64)] {
        entries.withLock { entries in
            entries.filter { $0.value.listed }.sorted { $0.key < $1.key }.compactMap { $0.value.account }
        }
    }

    /// Runs `change` on an entry and forgets its remembered password.
    private static func change(_ entry: inout Entry, _ change: (inout Entry) -> Void) {
        change(&entry)
        entry.generation += 1
        entry.verified = nil
    }

    /// The login a `$users` event lists (its body), or nil for events of another type.
    private static func listedLogin(_ record: RecordedLogEvent) -> String? {
        guard record.type == UserStreams.indexEntryType else { return nil }
        return String(decoding: record.data, as: UTF8.self)
    }
}
