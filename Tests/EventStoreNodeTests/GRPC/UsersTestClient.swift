import EventStoreGRPC
import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// The Users service of a test node, each call made with `metadata` (the default admin unless
/// given), and checks of whether credentials authenticate on either door.
struct UsersTestClient {
    let users: EventStore_Client_Users_Users.Client<HTTP2ClientTransport.Posix>

    init(_ client: NodeGRPCClient) {
        users = EventStore_Client_Users_Users.Client(wrapping: client)
    }

    func create(_ login: String, password: String, fullName: String = "", groups: [String] = [],
                as metadata: Metadata = .admin) async throws {
        var request = EventStore_Client_Users_CreateReq()
        request.options.loginName = login
        request.options.password = password
        request.options.fullName = fullName
        request.options.groups = groups
        _ = try await users.create(request, metadata: metadata)
    }

    func update(_ login: String, fullName: String, groups: [String], as metadata: Metadata = .admin) async throws {
        var request = EventStore_Client_Users_UpdateReq()
        request.options.loginName = login
        request.options.fullName = fullName
        request.options.groups = groups
        _ = try await users.update(request, metadata: metadata)
    }

    func delete(_ login: String, as metadata: Metadata = .admin) async throws {
        var request = EventStore_Client_Users_DeleteReq()
        request.options.loginName = login
        _ = try await users.delete(request, metadata: metadata)
    }

    func disable(_ login: String, as metadata: Metadata = .admin) async throws {
        var request = EventStore_Client_Users_DisableReq()
        request.options.loginName = login
        _ = try await users.disable(request, metadata: metadata)
    }

    func enable(_ login: String, as metadata: Metadata = .admin) async throws {
        var request = EventStore_Client_Users_EnableReq()
        request.options.loginName = login
        _ = try await users.enable(request, metadata: metadata)
    }

    func changePassword(_ login: String, current: String, new: String, as metadata: Metadata) async throws {
        var request = EventStore_Client_Users_ChangePasswordReq()
        request.options.loginName = login
        request.options.currentPassword = current
        request.options.newPassword = new
        _ = try await users.changePassword(request, metadata: metadata)
    }

    func resetPassword(_ login: String, new: String, as metadata: Metadata = .admin) async throws {
        var request = EventStore_Client_Users_ResetPasswordReq()
        request.options.loginName = login
        request.options.newPassword = new
        _ = try await users.resetPassword(request, metadata: metadata)
    }

    /// Details of `login`, or of every account when it is empty.
    func details(_ login: String = "", as metadata: Metadata = .admin) async throws
        -> [EventStore_Client_Users_DetailsResp.UserDetails] {
        var request = EventStore_Client_Users_DetailsReq()
        request.options.loginName = login
        return try await users.details(request, metadata: metadata) { response in
            var details: [EventStore_Client_Users_DetailsResp.UserDetails] = []
            for try await message in response.messages { details.append(message.userDetails) }
            return details
        }
    }

    /// Whether `login`/`password` authenticate over gRPC (a Details call of the account itself);
    /// false when the node answers UNAUTHENTICATED.
    func authenticates(_ login: String, _ password: String) async throws -> Bool {
        do {
            _ = try await details(login, as: .basic(login, password))
            return true
        } catch let error as RPCError where error.code == .unauthenticated {
            return false
        }
    }
}

extension TCPTestClient {
    /// Whether `login`/`password` authenticate on the TCP door (`Authenticate` → `Authenticated`).
    func authenticates(_ login: String, _ password: String) async throws -> Bool {
        let reply = try await request(TCPPackage(command: .authenticate, correlationID: UUID(),
                                                 credentials: .password(login: login, password: password)))
        return reply.command == .authenticated
    }
}

extension TCPTestClient {
    /// The command a stream read is answered with: its completion, or `NotAuthenticated`.
    func readReply(_ stream: String, credentials: TCPCredentials? = nil) async throws -> TCPCommand {
        var read = ESReadStreamEvents()
        read.eventStreamID = stream
        read.fromEventNumber = 0
        read.maxCount = 1
        read.resolveLinkTos = false
        read.requireLeader = false
        return try await request(TCPPackage(command: .readStreamEventsForward, correlationID: UUID(), credentials: credentials,
                                            message: read)).command
    }
}

/// Runs `body` and returns the RPCError it throws (nil when it succeeds).
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(code: .unknown, message: "not an RPCError: \(error)")
    }
}
