import EventStoreWire

/// One account as EventStoreDB stores it: the JSON body of the last event of `$user-<login>`
/// (the server's `UserData`): `loginName`, `fullName`, `salt`, `hash`, `disabled` (written only
/// when true) and `groups`. The stream's event types and the other streams involved are in
/// ``UserStreams``.
struct UserRecord: Sendable, Hashable {
    var login: String
    var fullName: String
    var groups: [String]
    var password: PasswordHash
    var disabled: Bool

    init(login: String, fullName: String, groups: [String], password: PasswordHash, disabled: Bool = false) {
        self.login = login
        self.fullName = fullName
        self.groups = groups
        self.password = password
        self.disabled = disabled
    }

    /// Reads a stored body of `login`'s stream (whose name, not the body's `loginName`, says whose
    /// account it is); nil when it is not a JSON object with a hash and a salt (the server cannot
    /// use such an account either). Missing `fullName`, `groups` and `disabled` take their
    /// defaults, as the server's deserializer gives them.
    init?(json bytes: [UInt8], login: String) {
        guard let json = try? JSONValue(parsing: bytes), case .string(let hash)? = json["hash"],
              case .string(let salt)? = json["salt"]
        else { return nil }
        var groups: [String] = []
        if case .array(let values)? = json["groups"] {
            groups = values.compactMap { value in
                if case .string(let group) = value { return group }
                return nil
            }
        }
        var fullName = ""
        if case .string(let name)? = json["fullName"] { fullName = name }
        var disabled = false
        if case .bool(let flag)? = json["disabled"] { disabled = flag }
        self.init(login: login, fullName: fullName, groups: groups, password: PasswordHash(hash: hash, salt: salt),
                  disabled: disabled)
    }

    /// The body written, in the server's key order; `disabled` only when true (the server omits
    /// default values).
    var json: [UInt8] {
        var pairs: [(String, JSONValue)] = [
            ("loginName", .string(login)), ("fullName", .string(fullName)),
            ("salt", .string(password.salt)), ("hash", .string(password.hash)),
        ]
        if disabled { pairs.append(("disabled", .bool(true))) }
        pairs.append(("groups", .array(groups.map(JSONValue.string))))
        return Array(JSONValue.object(pairs).compactText.utf8)
    }

    /// The principal requests run as once this account has authenticated (no password kept).
    var principal: NodeUser {
        NodeUser(login: login, password: "", groups: groups)
    }
}

/// The streams and event types of EventStoreDB's internal accounts (its `UserManagementService`).
enum UserStreams {
    /// Every account's login, once per creation, as a `$User` event whose body is the login.
    static let index = "$users"
    /// The `$users` entries' type.
    static let indexEntryType = "$User"
    /// The first event of an account.
    static let created = "$UserCreated"
    /// Every later change of an account.
    static let updated = "$UserUpdated"
    /// Where the server tells its nodes to forget cached passwords (`{"loginName":…}` events, kept an hour).
    static let passwordNotifications = "$users-password-notifications"
    /// The type of those events.
    static let passwordChanged = "$PasswordChanged"
    /// The prefix of account streams.
    static let accountPrefix = "$user-"
    /// The metadata an account stream gets at creation: only `$admins` may write, delete or change it.
    static let accountStreamMetadata = Array(#"{"$acl":{"$w":"$admins","$d":"$admins","$mw":"$admins"}}"#.utf8)
    /// The metadata of ``passwordNotifications``, written with its first event.
    static let passwordNotificationsMetadata = Array(#"{"$maxAge":3600}"#.utf8)

    /// `$user-<login>`.
    static func account(_ login: String) -> String { accountPrefix + login }

    /// The login of an account stream, or nil for any other stream.
    static func login(ofAccountStream stream: String) -> String? {
        stream.hasPrefix(accountPrefix) ? String(stream.dropFirst(accountPrefix.count)) : nil
    }
}
