import EventStoreWire
/// Decides whether a user may do an operation on a stream, as EventStoreDB's legacy ACL
/// provider does (docs/protocol.md §4.3): `$admins` bypass every ACL; a stream's own `$acl` wins;
/// otherwise the `$settings` defaults apply (`$userStreamAcl` or `$systemStreamAcl`), and
/// without those, user streams are open to everyone and system streams to `$admins` only.
public struct AccessControl: Sendable {
    /// When true, anonymous requests are denied on every stream.
    public var denyAnonymous: Bool

    public init(denyAnonymous: Bool = false) {
        self.denyAnonymous = denyAnonymous
    }

    /// Whether `user` (nil = anonymous) may perform `operation` on `stream`.
    ///
    /// - Parameters:
    ///   - streamACL: the `$acl` of the stream's metadata (for a metastream, of the original stream).
    ///   - settings: the current `$settings` body.
    public func allows(
        _ operation: StreamOperation,
        on stream: String,
        user: NodeUser?,
        streamACL: StreamACL?,
        settings: SystemSettings
    ) -> Bool {
        if stream == StreamNames.all, operation == .write || operation == .delete { return false }
        if let user, user.isAdmin { return true }
        if user == nil, denyAnonymous { return false }
        let roles: [String]
        if let own = streamACL?.roles(for: operation) {
            roles = own
        } else if StreamNames.isSystem(stream) {
            roles = settings.systemStreamACL?.roles(for: operation) ?? [SystemRoles.admins]
        } else {
            roles = settings.userStreamACL?.roles(for: operation) ?? [SystemRoles.all]
        }
        if roles.contains(SystemRoles.all) { return true }
        guard let user else { return false }
        return roles.contains(user.login) || user.groups.contains(where: roles.contains)
    }
}
