import EventStoreGRPC
import Foundation
import GRPCCore

/// `event_store.client.gossip.Gossip`: the cluster as this node sees it — itself, and its leader
/// when it follows one (`--follower-of`). Each member's HTTP endpoint is where clients reach gRPC.
struct GossipService: EventStore_Client_Gossip_Gossip.SimpleServiceProtocol {
    let members: @Sendable () -> [GossipMember]

    func read(request: EventStore_Client_Empty, context: ServerContext) async throws -> EventStore_Client_Gossip_ClusterInfo {
        var info = EventStore_Client_Gossip_ClusterInfo()
        let now = Int64(Date().timeIntervalSince1970 * 1000) * 10_000
        info.members = members().map { member in
            var info = EventStore_Client_Gossip_MemberInfo()
            info.instanceID = EventStore_Client_UUID(member.instanceID, asString: false)
            info.timeStamp = now
            info.state = member.state == "Leader" ? .leader : .follower
            info.isAlive = true
            var endpoint = EventStore_Client_Gossip_EndPoint()
            endpoint.address = member.tcp.host
            endpoint.port = UInt32(clamping: member.httpPort)
            info.httpEndPoint = endpoint
            return info
        }
        return info
    }
}
