import EventStoreWire
import Foundation

/// Why an account request was refused: the server's `UserManagementMessage.Error` cases, plus a
/// login no account can have.
enum AccountRefusal: Error, Equatable, Sendable {
    /// The caller may not do this (the server's `Unauthorized`), or ChangePassword's current password is wrong.
    case accessDenied
    case notFound
    /// Create of an existing account with another password, or a write the stream refused.
    case conflict
    /// Create with an empty login.
    case invalidLogin
    /// The write failed (storage), with the engine's message.
    case failed(String)
}

/// A change to an existing account, as the Users service asks for it (passwords in clear).
enum AccountChange: Sendable {
    case details(fullName: String, groups: [String])
    case enable
    case disable
    case resetPassword(String)
    case changePassword(current: String, new: String)
    case delete
}

/// One account as the Users service's Details reports it.
struct AccountDetails: Sendable, Equatable {
    var login: String
    var fullName: String
    var groups: [String]
    var disabled: Bool
    /// When its stream's last event was written, ms since 1970.
    var updatedMs: Int64
}

/// User management, with the server's rules (docs/node-fidelity.md §Accounts): who may do what,
/// and what each request writes. Passwords are hashed here, off the writer thread; the reads come
/// from ``UserStore``, the writes are writer jobs (``WriterState/createAccount(_:context:batch:)``).
extension NodeEngine {
    /// Whether `user` may manage accounts: a member of `$admins`, or the account named `admin`
    /// (the server's legacy policy matches either claim).
    static func managesAccounts(_ user: NodeUser?) -> Bool {
        guard let user else { return false }
        return user.isAdmin || user.login == "admin"
    }

    /// Create. An account that exists already is a success when `password` is its password (the
    /// server answers so, writing nothing), a conflict otherwise.
    func createAccount(login: String, fullName: String, groups: [String], password: String, caller: NodeUser?)
        async throws(AccountRefusal) {
        guard Self.managesAccounts(caller) else { throw .accessDenied }
        guard !login.isEmpty else { throw .invalidLogin }
        let record = UserRecord(login: login, fullName: fullName, groups: groups, password: PasswordHash(password: password))
        let outcome = try await accountJob { state, batch, context in
            try state.createAccount(record, context: context, batch: &batch)
        }
        if case .exists(let stored) = outcome {
            guard stored.password.verifies(password) else { throw .conflict }
            return
        }
        try Self.check(outcome)
    }

    /// Update, Enable, Disable, ResetPassword, Delete (`$admins`), and ChangePassword (any
    /// authenticated caller who knows the account's current password, as the server allows).
    func changeAccount(_ login: String, _ change: AccountChange, caller: NodeUser?) async throws(AccountRefusal) {
        if case .changePassword = change {
            guard caller != nil else { throw .accessDenied }
        } else {
            guard Self.managesAccounts(caller) else { throw .accessDenied }
        }
        let update: AccountUpdate
        switch change {
        case .changePassword(let current, let new):
            guard let stored = users.account(login)?.record else { throw .notFound }
            guard stored.password.verifies(current) else { throw .accessDenied }
            update = .changePassword(verified: stored.password, new: PasswordHash(password: new))
        case .details(let fullName, let groups):
            update = .details(fullName: fullName, groups: groups)
        case .enable:
            update = .enable
        case .disable:
            update = .disable
        case .resetPassword(let password):
            update = .password(PasswordHash(password: password))
        case .delete:
            update = .delete
        }
        try Self.check(try await accountJob { state, batch, context in
            try state.updateAccount(login, update, context: context, batch: &batch)
        })
    }

    /// Details: one account, or every account `$users` lists (by login) when `login` is blank.
    /// Any authenticated caller may read them (the server's policy passes the caller's own name
    /// as the account asked about).
    func accountDetails(_ login: String, caller: NodeUser?) throws(AccountRefusal) -> [AccountDetails] {
        guard caller != nil else { throw .accessDenied }
        let accounts: [(record: UserRecord, updatedMs: Int64)]
        if login.allSatisfy(\.isWhitespace) {
            accounts = users.listedAccounts()
        } else {
            guard let account = users.account(login) else { throw .notFound }
            accounts = [account]
        }
        return accounts.map {
            AccountDetails(login: $0.record.login, fullName: $0.record.fullName, groups: $0.record.groups,
                           disabled: $0.record.disabled, updatedMs: $0.updatedMs)
        }
    }

    /// Runs an account write as the node itself; a job that throws resets the writer's caches.
    private func accountJob(
        _ job: @escaping @Sendable (inout WriterState, inout WriteBatch, WriteContext) throws -> AccountWriteOutcome
    ) async throws(AccountRefusal) -> AccountWriteOutcome {
        let context = WriteContext(user: .system, access: access, now: currentEpochMilliseconds())
        do {
            return try await writer.submit { state, batch in
                do {
                    return try job(&state, &batch, context)
                } catch {
                    state.reset()
                    throw error
                }
            }
        } catch {
            throw .failed("Storage failure: \(error)")
        }
    }

    /// Throws the refusal an outcome stands for.
    private static func check(_ outcome: AccountWriteOutcome) throws(AccountRefusal) {
        switch outcome {
        case .done, .exists: return
        case .notFound: throw .notFound
        case .conflict: throw .conflict
        case .passwordChanged: throw .accessDenied
        case .failed(let message): throw .failed(message)
        }
    }
}
