import EventStoreGRPC
import GRPCCore

/// `event_store.client.users.Users`: the node's accounts (docs/node-fidelity.md §Accounts), a
/// thin translation onto the engine's account rules (``NodeEngine/createAccount(login:fullName:groups:password:caller:)``).
/// Every method authenticates the caller and honours `requires-leader`; refusals carry the
/// server's statuses and trailers (``GRPCFailure``).
struct UsersService: EventStore_Client_Users_Users.ServiceProtocol {
    let node: NodeContext

    func create(request: ServerRequest<EventStore_Client_Users_CreateReq>, context: ServerContext) async throws
        -> ServerResponse<EventStore_Client_Users_CreateResp> {
        let caller = try node.authorize(request.metadata)
        let options = request.message.options
        try await Self.answering(options.loginName) { () async throws(AccountRefusal) in
            try await node.engine.createAccount(login: options.loginName, fullName: options.fullName, groups: options.groups,
                                                password: options.password, caller: caller)
        }
        return ServerResponse(message: EventStore_Client_Users_CreateResp())
    }

    /// Sets the full name and groups; the request's `password` is ignored, as by the server.
    func update(request: ServerRequest<EventStore_Client_Users_UpdateReq>, context: ServerContext) async throws
        -> ServerResponse<EventStore_Client_Users_UpdateResp> {
        let options = request.message.options
        try await change(options.loginName, .details(fullName: options.fullName, groups: options.groups), request.metadata)
        return ServerResponse(message: EventStore_Client_Users_UpdateResp())
    }

    func delete(request: ServerRequest<EventStore_Client_Users_DeleteReq>, context: ServerContext) async throws
        -> ServerResponse<EventStore_Client_Users_DeleteResp> {
        try await change(request.message.options.loginName, .delete, request.metadata)
        return ServerResponse(message: EventStore_Client_Users_DeleteResp())
    }

    func disable(request: ServerRequest<EventStore_Client_Users_DisableReq>, context: ServerContext) async throws
        -> ServerResponse<EventStore_Client_Users_DisableResp> {
        try await change(request.message.options.loginName, .disable, request.metadata)
        return ServerResponse(message: EventStore_Client_Users_DisableResp())
    }

    func enable(request: ServerRequest<EventStore_Client_Users_EnableReq>, context: ServerContext) async throws
        -> ServerResponse<EventStore_Client_Users_EnableResp> {
        try await change(request.message.options.loginName, .enable, request.metadata)
        return ServerResponse(message: EventStore_Client_Users_EnableResp())
    }

    func changePassword(request: ServerRequest<EventStore_Client_Users_ChangePasswordReq>, context: ServerContext) async throws
        -> ServerResponse<EventStore_Client_Users_ChangePasswordResp> {
        let options = request.message.options
        try await change(options.loginName, .changePassword(current: options.currentPassword, new: options.newPassword),
                         request.metadata)
        return ServerResponse(message: EventStore_Client_Users_ChangePasswordResp())
    }

    func resetPassword(request: ServerRequest<EventStore_Client_Users_ResetPasswordReq>, context: ServerContext) async throws
        -> ServerResponse<EventStore_Client_Users_ResetPasswordResp> {
        let options = request.message.options
        try await change(options.loginName, .resetPassword(options.newPassword), request.metadata)
        return ServerResponse(message: EventStore_Client_Users_ResetPasswordResp())
    }

    /// Authenticates the caller and applies `change` to `login`.
    private func change(_ login: String, _ change: AccountChange, _ metadata: Metadata) async throws {
        let caller = try node.authorize(metadata)
        try await Self.answering(login) { () async throws(AccountRefusal) in
            try await node.engine.changeAccount(login, change, caller: caller)
        }
    }

    /// Runs `body`, turning a refusal into the server's error for `login`.
    static func answering<T>(_ login: String, _ body: () async throws(AccountRefusal) -> T) async throws(RPCError) -> T {
        do throws(AccountRefusal) {
            return try await body()
        } catch {
            throw error.rpcError(login: login)
        }
    }
}

extension AccountRefusal {
    /// The status the server's Users service answers with (its `HandleErrors`).
    func rpcError(login: String) -> RPCError {
        switch self {
        case .accessDenied: GRPCFailure.accessDenied()
        case .notFound: GRPCFailure.userNotFound(login)
        case .conflict: GRPCFailure.userConflict(login)
        case .invalidLogin: GRPCFailure.invalidArgument("An account needs a login name.")
        case .failed(let message): GRPCFailure.unavailable(message)
        }
    }
}
