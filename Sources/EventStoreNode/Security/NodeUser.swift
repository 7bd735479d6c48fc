/// A user: an account to seed (`--user`), or the principal a request runs as once its
/// credentials matched a stored account (``UserStore``), which carries no password.
public struct NodeUser: Sendable, Hashable {
    /// The login name.
    public var login: String
    /// The password of an account to seed; empty for an authenticated principal.
    public var password: String
    /// Group (role) names, e.g. `$admins`.
    public var groups: [String]

    /// Creates a user.
    public init(login: String, password: String, groups: [String] = []) {
        self.login = login
        self.password = password
        self.groups = groups
    }

    /// Whether the user bypasses ACLs (member of `$admins`).
    public var isAdmin: Bool { groups.contains(SystemRoles.admins) }

    /// The accounts every node has: `admin`/`changeit` in `$admins`, `ops`/`changeit` in `$ops`.
    public static let defaults: [NodeUser] = [
        NodeUser(login: "admin", password: "changeit", groups: [SystemRoles.admins]),
        NodeUser(login: "ops", password: "changeit", groups: [SystemRoles.ops]),
    ]

    /// Parses `LOGIN:PASSWORD[:GROUP,...]` as given to `esdb node --user`.
    public init?(commandLine text: String) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        let groups = parts.count == 3 ? parts[2].split(separator: ",").map(String.init) : []
        self.init(login: parts[0], password: parts[1], groups: groups)
    }
}

/// Well-known role names.
public enum SystemRoles {
    /// Administrators: bypass every stream ACL.
    public static let admins = "$admins"
    /// Operators.
    public static let ops = "$ops"
    /// Everyone, anonymous included.
    public static let all = "$all"
}
