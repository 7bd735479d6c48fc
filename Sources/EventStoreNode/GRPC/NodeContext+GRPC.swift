import Foundation
import GRPCCore

/// Who calls, and whether this node may answer: what every gRPC method checks first.
extension NodeContext {
    /// The caller of a request: nil for anonymous (no `authorization` header), the user whose
    /// `Basic` credentials match, and under `--insecure` always the node's own admin.
    ///
    /// - Throws: `UNAUTHENTICATED` for credentials that match no enabled user, or a malformed header.
    func caller(of metadata: Metadata) throws(RPCError) -> NodeUser? {
        guard configuration.authenticates else { return NodeUser.system }
        guard let header = metadata[stringValues: "authorization"].first(where: { _ in true }) else { return nil }
        guard let credentials = Self.basicCredentials(header) else { throw GRPCFailure.unauthenticated() }
        guard let user = engine.users.authenticate(login: credentials.login, password: credentials.password) else {
            throw GRPCFailure.unauthenticated()
        }
        return user
    }

    /// `Basic base64(login:password)` split; nil for any other scheme or a malformed value.
    static func basicCredentials(_ header: String) -> (login: String, password: String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic", let data = Data(base64Encoded: String(parts[1])),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// On a follower, a request with `requires-leader: true` is refused with the leader's endpoint
    /// (`NOT_FOUND`, `exception: not-leader`); anything else is served here.
    func checkLeader(_ metadata: Metadata) throws(RPCError) {
        guard let leader = configuration.followerOf,
              metadata[stringValues: "requires-leader"].contains(where: { $0.lowercased() == "true" })
        else { return }
        throw GRPCFailure.notLeader(host: leader.host, port: configuration.leaderHTTPPort)
    }

    /// On a follower, refuses what only the leader does whether or not the client asked for the
    /// leader (persistent subscriptions: the server runs them on its leader alone).
    func requireLeader() throws(RPCError) {
        guard let leader = configuration.followerOf else { return }
        throw GRPCFailure.notLeader(host: leader.host, port: configuration.leaderHTTPPort)
    }

    /// ``caller(of:)`` after ``checkLeader(_:)``, for methods that need the leader when asked to.
    func authorize(_ metadata: Metadata) throws(RPCError) -> NodeUser? {
        try checkLeader(metadata)
        return try caller(of: metadata)
    }
}
