import Logging
import NIOCore

/// Builds the discovery function the driver calls before every connection attempt.
enum ClientDiscovery {
    static func make(for configuration: ClientConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger)
        -> ConnectionDriver.Discover {
        switch configuration.discovery {
        case .singleNode(let endpoint):
            return { _ in endpoint }
        case .gossipSeeds, .clusterDNS:
            return { _ in throw EventStoreClientError(.cannotConnect, "cluster discovery is not available yet") }
        }
    }
}

/// TLS in front of the framing handlers, when configured.
enum ClientTLS {
    static func channelSetup(for configuration: ClientConfiguration) -> ConnectionDriver.ChannelSetup {
        guard configuration.tls != nil else { return { _, _ in } }
        return { _, _ in throw EventStoreClientError(.invalidConfiguration, "TLS is not available yet") }
    }
}
