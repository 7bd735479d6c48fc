import ArgumentParser
import EventStoreNode
import Foundation
import Logging
import NIOCore

/// `esdb node`: runs the embedded node until SIGINT or SIGTERM.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a durable single node that speaks EventStoreDB's TCP protocol and KurrentDB's gRPC API.",
        discussion: """
            The TCP protocol is served on --tcp-port; the gRPC client API and HTTP /gossip, /ping on --http-port.
            Prints one line when ready:
              esdb node ready tcp=HOST:PORT http=HOST:PORT grpc=CONNECTION-STRING db=PATH|memory
            followed by ` tls=on` with TLS, and ` ca=PATH` (the certificate authority to trust) with --dev.
            Security: by default both doors authenticate (accounts, ACLs) in cleartext; --tls-cert/--tls-key or
            --dev add TLS on both ports; --insecure turns authentication and access control off.
            Default accounts: admin/changeit ($admins) and ops/changeit ($ops).
            """
    )

    @Option(name: .long, help: "Directory for the database (default: $XDG_DATA_HOME/esdb/default).")
    var db: String?

    @Flag(name: .long, help: "Keep everything in memory.")
    var mem = false

    @Option(name: .long, help: "Address to listen on.")
    var bind = "127.0.0.1"

    @Option(name: .customLong("tcp-port"), help: "Client TCP port (0 picks a free port).")
    var tcpPort = 1113

    @Option(name: .customLong("http-port"), help: "HTTP port: gRPC, and /gossip and /ping over HTTP/1.1 (0 picks a free port).")
    var httpPort = 2113

    @Option(name: .customLong("user"), help: ArgumentHelp(
        "Add an account LOGIN:PASSWORD[:GROUP,...] (repeatable), stored if the database has no such account yet "
            + "(an existing account keeps its stored password and groups)."))
    var users: [String] = []

    @Flag(name: .customLong("deny-anonymous"), help: "Deny anonymous access to every stream.")
    var denyAnonymous = false

    @Option(name: .customLong("follower-of"), help: "Act as a follower of the leader at HOST:TCPPORT[:HTTPPORT].")
    var followerOf: String?

    @Flag(name: .long, help: "No authentication and no access control (KurrentDB's --insecure); no TLS.")
    var insecure = false

    @Flag(name: .long, help: "Serve TLS with a development certificate for localhost and 127.0.0.1, made at start.")
    var dev = false

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp(
        "Serve TLS on both ports with this PEM certificate chain (server certificate first).", valueName: "PEM"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp(
        "The PEM private key of --tls-cert (unencrypted).", valueName: "PEM"))
    var tlsKey: String?

    @Option(name: .customLong("run-projections"), help: ArgumentHelp(
        "none (the default, as EventStoreDB) or system (the standard projections; user projections are not supported).",
        valueName: "MODE"))
    var runProjections = "none"

    @Flag(name: .customLong("start-standard-projections"),
          help: "Start $streams, $by_category, $by_event_type and $stream_by_category (with --run-projections system).")
    var startStandardProjections = false

    @Option(name: .customLong("max-connections"), help: "Client TCP connections at once; more are refused with a reason.")
    var maxConnections = NodeConfiguration(storage: .memory).maxConnections

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "warning"

    func validate() throws {
        if mem, db != nil { throw ValidationError("--db and --mem exclude each other") }
        if runProjections.lowercased() == "all" {
            throw ValidationError("--run-projections all: user projections are not supported by this node; use system")
        }
        if ProjectionMode(rawValue: runProjections.lowercased()) == nil {
            throw ValidationError("--run-projections '\(runProjections)' is not none or system")
        }
        if startStandardProjections, runProjections.lowercased() == "none" {
            throw ValidationError("--start-standard-projections needs --run-projections system")
        }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        for user in users where NodeUser(commandLine: user) == nil {
            throw ValidationError("--user '\(user)' is not LOGIN:PASSWORD[:GROUP,...]")
        }
        if let followerOf, Self.parseFollower(followerOf) == nil {
            throw ValidationError("--follower-of '\(followerOf)' is not HOST:TCPPORT[:HTTPPORT]")
        }
        if !(0...65535).contains(tcpPort) || !(0...65535).contains(httpPort) {
            throw ValidationError("ports must be within 0...65535")
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown --log-level '\(logLevel)'") }
        if insecure, dev || tlsCert != nil {
            throw ValidationError("--insecure serves no TLS: it excludes --dev and --tls-cert")
        }
        if dev, tlsCert != nil { throw ValidationError("--dev makes its own certificate: it excludes --tls-cert") }
        switch (tlsCert, tlsKey) {
        case (.some, nil): throw ValidationError("--tls-cert needs --tls-key (the certificate's private key)")
        case (nil, .some): throw ValidationError("--tls-key needs --tls-cert (the certificate chain)")
        default: break
        }
    }

    static func parseFollower(_ text: String) -> (NodeConfiguration.Endpoint, Int)? {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 2 || parts.count == 3, let tcp = Int(parts[1]) else { return nil }
        let http = parts.count == 3 ? Int(parts[2]) : 0
        guard let http else { return nil }
        return (NodeConfiguration.Endpoint(host: parts[0], port: tcp), http)
    }

    /// The connection string a gRPC client uses for this node (no credentials: they are the user's).
    static func connectionString(_ endpoint: NodeConfiguration.Endpoint, tls: Bool, caFile: String?) -> String {
        let host = tls && endpoint.host == "127.0.0.1" ? "localhost" : endpoint.host
        if !tls { return "esdb://\(host):\(endpoint.port)?tls=false" }
        return "esdb://\(host):\(endpoint.port)" + (caFile.map { "?tlsCaFile=\($0)" } ?? "")
    }

    /// The default data directory: `$XDG_DATA_HOME/esdb/default` (or `~/.local/share/esdb/default`).
    static func defaultDataDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return base + "/esdb/default"
    }

    func run() async throws {
        let dataDirectory = db ?? Self.defaultDataDirectory()
        var configuration = NodeConfiguration(storage: mem ? .memory : .file(dataDirectory + "/events.sqlite"))
        configuration.bindHost = bind
        configuration.tcpPort = tcpPort
        configuration.httpPort = httpPort
        configuration.users = NodeUser.defaults + users.compactMap(NodeUser.init(commandLine:))
        configuration.denyAnonymous = denyAnonymous
        configuration.runProjections = ProjectionMode(rawValue: runProjections.lowercased()) ?? .none
        configuration.startStandardProjections = startStandardProjections
        configuration.maxConnections = maxConnections
        configuration.insecure = insecure
        if let tlsCert, let tlsKey {
            configuration.tls = NodeConfiguration.TLS(certificateChainPath: tlsCert, privateKeyPath: tlsKey)
        }
        var developmentCertificates: DevelopmentCertificates?
        if dev {
            // Kept with a durable database (clients keep trusting it); per run for --mem.
            let directory = mem
                ? FileManager.default.temporaryDirectory.appendingPathComponent("esdb-dev-\(getpid())").path
                : dataDirectory + "/dev-certs"
            do {
                developmentCertificates = try DevelopmentCertificates.prepare(in: directory)
            } catch {
                printError("esdb node: could not make the development certificate in \(directory): \(error)")
                throw ExitCode(1)
            }
            configuration.tls = developmentCertificates?.tls
        }
        if let followerOf, let (leader, leaderHTTP) = Self.parseFollower(followerOf) {
            configuration.followerOf = leader
            configuration.leaderHTTPPort = leaderHTTP
        }
        var logger = Logger(label: "esdb.node")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let node: EventStoreNodeServer
        do {
            node = try await EventStoreNodeServer.start(configuration, logger: logger)
        } catch {
            printError("esdb node: could not start: \(error)")
            throw ExitCode(1)
        }
        let tls = configuration.tls == nil ? "" : " tls=on"
        let ca = developmentCertificates.map { " ca=\($0.caCertificatePath)" } ?? ""
        let grpc = Self.connectionString(node.httpEndpoint, tls: configuration.tls != nil, caFile: developmentCertificates?.caCertificatePath)
        let ready = "esdb node ready tcp=\(node.tcpEndpoint) http=\(node.httpEndpoint) grpc=\(grpc) "
            + "db=\(node.databaseDescription)\(tls)\(ca)\n"
        FileHandle.standardOutput.write(Data(ready.utf8))
        let signal = await SignalWaiter.waitForTermination()
        logger.notice("received \(signal), shutting down")
        await node.shutdown()
    }
}
