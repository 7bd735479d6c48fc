import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw protocol exchange over TLS: one request at a time; heartbeat requests are answered.
struct TLSExchange {
    var inbound: NIOAsyncChannelInboundStream<TCPPackage>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<TCPPackage>

    mutating func request(_ package: TCPPackage) async throws -> TCPPackage {
        try await outbound.write(package)
        while let reply = try await inbound.next() {
            if reply.command == .heartbeatRequest {
                try await outbound.write(TCPPackage(command: .heartbeatResponse, correlationID: reply.correlationID))
            } else if reply.correlationID == package.correlationID {
                return reply
            }
        }
        throw TCPTestClient.Failure.closed
    }

    /// Sends `package` and fails unless the reply is `package`'s reply command.
    mutating func expectReply(to package: TCPPackage) async throws -> TCPPackage {
        let reply = try await request(package)
        guard reply.command == package.command.replyCommand else { throw UnexpectedReply(package: reply) }
        return reply
    }

    mutating func identify() async throws {
        var identify = ESIdentifyClient()
        identify.version = 1
        identify.connectionName = "tls-tests"
        let reply = try await request(TCPPackage(command: .identifyClient, correlationID: UUID(), message: identify))
        guard reply.command == .clientIdentified else { throw UnexpectedReply(package: reply) }
    }
}

/// Connects to `127.0.0.1:port` over TLS, verifying the server as `localhost` against `caFile`.
func withTLSConnection(port: Int, trusting caFile: String, _ body: (inout TLSExchange) async throws -> Void)
    async throws {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .file(caFile)
    let context = try NIOSSLContext(configuration: tls)
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                try pipeline.addHandler(ByteToMessageHandler(TCPFrameDecoder()))
                try pipeline.addHandler(MessageToByteHandler(TCPFrameEncoder()))
                return try NIOAsyncChannel<TCPPackage, TCPPackage>(wrappingChannelSynchronously: channel)
            }
        }
    try await channel.executeThenClose { inbound, outbound in
        var exchange = TLSExchange(inbound: inbound.makeAsyncIterator(), outbound: outbound)
        try await body(&exchange)
    }
}

/// `esdb` run as a subprocess with stdout and stderr going to files.
final class ESDBRun: Sendable {
    private let process: Process
    private let stdoutPath: String
    private let stderrPath: String

    init(_ arguments: [String], in directory: URL) throws {
        let id = UUID().uuidString.prefix(8)
        stdoutPath = directory.appendingPathComponent("esdb-\(id).out").path
        stderrPath = directory.appendingPathComponent("esdb-\(id).err").path
        guard FileManager.default.createFile(atPath: stdoutPath, contents: nil),
              FileManager.default.createFile(atPath: stderrPath, contents: nil),
              let stdout = FileHandle(forWritingAtPath: stdoutPath), let stderr = FileHandle(forWritingAtPath: stderrPath)
        else { throw NodeProcessError(description: "cannot create output files in \(directory.path)") }
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process = Process()
        process.executableURL = try ESDBBinary.locate()
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The first complete line of stdout.
    func firstLine(timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let newline = stdout.firstIndex(of: "\n") { return String(stdout[..<newline]) }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw NodeProcessError(description: "no line on stdout; stderr: \(stderr)")
    }

    /// Waits for the exit and returns the status (SIGKILL after `timeout`).
    func exitStatus(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                signal(SIGKILL)
                throw NodeProcessError(description: "esdb still running after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// Sends `number` to the process, if it still runs.
    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }
}
