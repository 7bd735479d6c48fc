import EventStoreGRPC
import GRPCCore

extension UsersService {
    /// One account, or every account (by login) when `login_name` is blank; any authenticated
    /// caller may ask, as on the server.
    func details(request: ServerRequest<EventStore_Client_Users_DetailsReq>, context: ServerContext) async throws
        -> StreamingServerResponse<EventStore_Client_Users_DetailsResp> {
        let caller = try node.authorize(request.metadata)
        let login = request.message.options.loginName
        let accounts: [AccountDetails]
        do throws(AccountRefusal) {
            accounts = try node.engine.accountDetails(login, caller: caller)
        } catch {
            throw error.rpcError(login: login)
        }
        return StreamingServerResponse { writer in
            for account in accounts {
                try await writer.write(EventStore_Client_Users_DetailsResp(account))
            }
            return [:]
        }
    }
}

extension EventStore_Client_Users_DetailsResp {
    /// An account as Details sends it: `last_updated` in .NET ticks since the Unix epoch.
    init(_ account: AccountDetails) {
        self.init()
        userDetails.loginName = account.login
        userDetails.fullName = account.fullName
        userDetails.groups = account.groups
        userDetails.disabled = account.disabled
        userDetails.lastUpdated.ticksSinceEpoch = account.updatedMs * 10_000
    }
}
