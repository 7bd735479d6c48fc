import EventStoreWire
import Foundation

/// How an account write ended, before the door says it in its own terms.
enum AccountWriteOutcome: Sendable, Equatable {
    case done
    /// No such account (never created, deleted, or its last event is not an account).
    case notFound
    /// Create found the account already there (the caller decides: same password or conflict).
    case exists(UserRecord)
    /// The stream refused the write (deleted under us, or a wrong expected version).
    case conflict
    /// ChangePassword: the password verified is no longer the stored one.
    case passwordChanged
    /// Any other write failure, with the engine's message.
    case failed(String)
}

/// A change to an existing account, with passwords already hashed (off the writer thread).
enum AccountUpdate: Sendable {
    case details(fullName: String, groups: [String])
    case enable
    case disable
    case password(PasswordHash)
    /// ChangePassword: `new` replaces the stored hash only if it is still `verified`.
    case changePassword(verified: PasswordHash, new: PasswordHash)
    case delete

    /// Whether the server also tells its nodes to forget cached passwords (all but Enable).
    var notifiesPasswordChange: Bool {
        if case .enable = self { return false }
        return true
    }
}

/// The writes of EventStoreDB's `UserManagementService`, as writer jobs: each reads the account
/// and writes its events in one job, so two requests on one account cannot interleave.
extension WriterState {
    /// The account stored in `$user-<login>` with its stream's last event number; nil when the
    /// stream is missing, deleted or truncated past its last event, or that event is no account.
    mutating func storedAccount(_ login: String, in log: EventLog) throws(SQLiteError) -> (record: UserRecord, number: Int64)? {
        let stream = UserStreams.account(login)
        let head = try head(of: stream, in: log)
        let truncateBefore = try metadata(of: stream, in: log).truncateBefore ?? 0
        guard head >= 0, head != EventNumber.deletedStream, head >= truncateBefore,
              let event = try log.event(stream: stream, number: head), let record = UserRecord(json: event.data, login: login)
        else { return nil }
        return (record, head)
    }

    /// Create: the stream's ACL, `$UserCreated`, and the login in `$users`; `.exists` when the
    /// account is there already.
    mutating func createAccount(_ record: UserRecord, context: WriteContext, batch: inout WriteBatch) throws -> AccountWriteOutcome {
        if let stored = try storedAccount(record.login, in: batch.log) { return .exists(stored.record) }
        let stream = UserStreams.account(record.login)
        if let refusal = try writeAccountEvent(to: StreamNames.metastream(of: stream), type: SystemEventTypes.metadata,
                                               data: UserStreams.accountStreamMetadata, context: context, batch: &batch) {
            return refusal
        }
        if let refusal = try writeAccountEvent(to: stream, type: UserStreams.created, data: record.json, context: context,
                                               batch: &batch) {
            return refusal
        }
        return try writeAccountEvent(to: UserStreams.index, type: UserStreams.indexEntryType, isJSON: false,
                                     data: Array(record.login.utf8), context: context, batch: &batch) ?? .done
    }

    /// Update, Enable, Disable, ResetPassword, ChangePassword, Delete of `login`.
    mutating func updateAccount(
        _ login: String, _ update: AccountUpdate, context: WriteContext, batch: inout WriteBatch
    ) throws -> AccountWriteOutcome {
        guard let current = try storedAccount(login, in: batch.log) else { return .notFound }
        let (stored, number) = (current.record, current.number)
        var record = stored
        switch update {
        case .details(let fullName, let groups):
            record.fullName = fullName
            record.groups = groups
        case .enable:
            record.disabled = false
        case .disable:
            record.disabled = true
        case .password(let hash):
            record.password = hash
        case .changePassword(let verified, let new):
            guard stored.password == verified else { return .passwordChanged }
            record.password = new
        case .delete:
            let result = try delete(stream: UserStreams.account(login), expected: number, hard: false, context: context,
                                    batch: &batch)
            guard result.result == .success else { return Self.outcome(of: result) }
        }
        if case .delete = update {} else {
            let result = try write(stream: UserStreams.account(login), expected: number, events: [Self.event(
                UserStreams.updated, isJSON: true, data: record.json)], context: context, batch: &batch)
            guard result.result == .success else { return Self.outcome(of: result) }
        }
        guard update.notifiesPasswordChange else { return .done }
        return try notifyPasswordChanged(login, context: context, batch: &batch) ?? .done
    }

    /// Writes `$PasswordChanged` for `login` (and the stream's one-hour `$maxAge` the first time).
    private mutating func notifyPasswordChanged(_ login: String, context: WriteContext, batch: inout WriteBatch) throws
        -> AccountWriteOutcome? {
        let stream = UserStreams.passwordNotifications
        if try head(of: StreamNames.metastream(of: stream), in: batch.log) < 0,
           let refusal = try writeAccountEvent(to: StreamNames.metastream(of: stream), type: SystemEventTypes.metadata,
                                               data: UserStreams.passwordNotificationsMetadata, context: context, batch: &batch) {
            return refusal
        }
        let body = JSONValue.object([("loginName", .string(login))]).compactText
        return try writeAccountEvent(to: stream, type: UserStreams.passwordChanged, data: Array(body.utf8), context: context,
                                     batch: &batch)
    }

    /// Appends one event (expected version any); nil on success, the outcome otherwise.
    private mutating func writeAccountEvent(
        to stream: String, type: String, isJSON: Bool = true, data: [UInt8], context: WriteContext, batch: inout WriteBatch
    ) throws -> AccountWriteOutcome? {
        let result = try write(stream: stream, expected: WireExpectedVersion.any, events: [Self.event(type, isJSON: isJSON, data: data)],
                               context: context, batch: &batch)
        return result.result == .success ? nil : Self.outcome(of: result)
    }

    private static func event(_ type: String, isJSON: Bool, data: [UInt8]) -> ProposedEvent {
        ProposedEvent(eventID: UUID.random().dotNetBytes, type: type, isJSON: isJSON, data: data, metadata: [])
    }

    /// A failed write as the server's `ReplyByWriteResult` sees it.
    private static func outcome(of result: WriteResult) -> AccountWriteOutcome {
        switch result.result {
        case .wrongExpectedVersion, .streamDeleted: .conflict
        default: .failed(result.message ?? "the account could not be written")
        }
    }
}
