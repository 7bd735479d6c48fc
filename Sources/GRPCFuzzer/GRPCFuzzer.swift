// libFuzzer entry point for the node's gRPC door: bytes → gRPC calls of the KurrentDB client API, with
// fuzzed metadata and request messages as raw protobuf bytes → grpc-swift's in-process transport → the
// router the node's HTTP port serves (the same services: Streams, Users, Gossip, ServerFeatures, and
// whatever `GRPCServices` lists when this is built) → the engine of an in-memory node.
//
// Built by scripts/fuzz-grpc.sh with `swift build --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address`:
// SwiftPM then compiles this target with -parse-as-library and libFuzzer's runtime supplies main().
// In a plain `swift build` it links as a do-nothing executable (exit 0). One file on purpose: a second
// file would need a main.swift or @main, and either breaks the fuzz build or replaces libFuzzer's main.
//
// What it does not cover: HTTP/2 framing, HPACK, the HTTP port's sniffer and TLS (the in-process
// transport hands grpc-swift's server parsed metadata and whole messages); length-prefixed message
// framing and the 16 MiB request limit. Those belong to grpc-swift-nio-transport and the port's tests.
//
// ## Input format (a small program; every byte sequence is a valid one)
//
// The input is a sequence of operations; the low 3 bits of an operation byte pick it (`Op.table`):
//
//   call  method meta flags count msg…   one RPC, started in the background: method byte (`Methods.pick`:
//                                        every method of the client API, those the node answers
//                                        UNIMPLEMENTED included); metadata byte (`Tables.metadata`, bit 7:
//                                        plus `requires-leader: true`; entry 15 reads a len8 raw
//                                        `authorization` value); flags (bit 0: keep the request stream
//                                        open until the call is cancelled; bit 1: a 30 ms deadline;
//                                        bit 2: the node's follower view, where requires-leader is
//                                        refused); count (`Op.messageCounts`, per kind), then that many
//                                        request messages
//   sync                                 wait until every call that must end by itself has ended
//   cancel slot                          cancel call `slot % calls` (it must end within the bound)
//   pause                                wait until every subscription has answered once or ended
//
// A request message starts with a mode byte: 0 empty, 1 raw (len16 bytes: invalid protobuf reaches the
// server's deserializer), 2/3 protobuf built from field operations: a count byte (mod 32), then per field
// a tag byte (field number = low 5 bits, kind = high 3 bits) and its value — 0 varint from
// `Tables.integers`, 1 varint of 8 raw bytes, 2 string from `Tables.strings`, 3 raw bytes (len8), 4 nested
// message (same grammar, depth ≤ 3), 5 bytes from `Tables.data` (event data, metadata JSON, links), 6 an
// `event_store.client.UUID` message naming `Tables.uuid(slot)` (event ids, so that later requests can
// name events written earlier), 7 varint of one byte (bools, enums, small numbers). Lengths are clamped
// to what is left, so mutations never make the rest unreadable. `GRPC_FUZZ_VERBOSE=1` prints the program,
// every call's end and status; `GRPC_FUZZ_WRITE_SEEDS=dir` writes the seed corpus, the regression inputs
// (dir/../GRPCRegressions) and the dictionary (dir/../grpc.dict), and exits.
//
// ## Per input
//
// The calls go through a `GRPCClient` over an `InProcessTransport` to a `GRPCServer` whose router is
// `DetachedNode.grpcRouter(transport:followerOf:)`: the node's registered services. Each call is a bidirectional
// call with a raw-bytes serializer, whatever the method's kind, so any number of request messages and
// any bytes reach the server; grpc-swift's server enforces the method's kind (UNARY with two messages is
// its INTERNAL "Too many messages"). At the end of the input, every call still open is cancelled.
// A cancel also cancels the server's side of the call (`Cancellations`): the in-process transport does
// not, where HTTP/2's RST_STREAM does; the harness's only addition to the router is the interceptor
// that makes this possible.
//
// The node is shared by `GRPC_FUZZ_RECYCLE` inputs (default 64), then shut down and replaced, as in
// NodeFuzzer: a crash may depend on earlier inputs on the same node; replay the artifact alone with
// GRPC_FUZZ_RECYCLE=1 to see whether it does. Each node has two doors (two servers and clients over the
// same engine): the leader's, and a follower's view (`flags` bit 2).
//
// ## Oracles (failures are crashes libFuzzer reports; the message goes to stderr first)
//
//  1. no trap and no ASan report;
//  2. every call ends with a status: a call that must end by itself (not a subscription, its request
//     stream closed) within GRPC_FUZZ_REPLY_TIMEOUT_MS (default 5000) of a `sync` or the end of the
//     input; a cancelled call (`cancel`, or every call still open at the end) within the same bound of
//     its cancel; a subscription answers once (confirmation or error) within the bound of a `pause`;
//  3. every response message decodes as the method's response type, and no call ends with UNKNOWN
//     unless it was cancelled or had a deadline, or the node chose it (KurrentDB's own UnknownError,
//     "Unexpected …"): UNKNOWN is what grpc-swift answers when a service throws an error that is not
//     an `RPCError`;
//  4. no leak: after the input, the node's volatile subscription count and request task count are zero
//     within GRPC_FUZZ_LEAK_TIMEOUT_MS (default 2000); a node's engine is released once the node has been
//     shut down; the process RSS stays under GRPC_FUZZ_RSS_LIMIT_MB (default 1536);
//  5. the node keeps serving: after each input a well-formed Gossip.Read answers, with one member.

import EventStoreGRPC
import EventStoreNode
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCProtobuf
import NIOPosix
import SwiftProtobuf
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Settings and oracle helpers

/// Environment knobs, read once.
struct Settings: Sendable {
    let verbose = getenv("GRPC_FUZZ_VERBOSE") != nil
    let recycleEvery = max(1, Settings.integer("GRPC_FUZZ_RECYCLE", default: 64))
    let replyTimeout = Double(Settings.integer("GRPC_FUZZ_REPLY_TIMEOUT_MS", default: 5000)) / 1000
    let leakTimeout = Double(Settings.integer("GRPC_FUZZ_LEAK_TIMEOUT_MS", default: 2000)) / 1000
    let rssLimitMB = Settings.integer("GRPC_FUZZ_RSS_LIMIT_MB", default: 1536)

    static func integer(_ name: String, default value: Int) -> Int {
        getenv(name).flatMap { Int(String(cString: $0)) } ?? value
    }
}

let settings = Settings()

/// Writes to stderr without buffering (a crash must not lose it).
func log(_ text: String) {
    let line = text + "\n"
    line.withCString { _ = write(2, $0, strlen($0)) }
}

@inline(never)
func oracleFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    log("GRPCFuzzer oracle failure at \(file):\(line): \(message)")
    preconditionFailure(message, file: file, line: line)
}

/// Monotonic seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

// MARK: - Tables the program indexes into

enum Tables {
    static let integers: [Int64] = [
        0, 1, 2, 3, -1, -2, -3, 10, 100, 4095, 4096, 10_000, Int64(Int32.max), Int64(Int32.min), Int64(Int32.max) + 1,
        Int64(UInt32.max), Int64(UInt32.max) + 1, Int64.max, Int64.min, Int64.max - 1, 1 << 53, 50, 5, 1000,
        315_537_897_599, -315_537_897_600, 999_999_999, 1_000_000_000, -999_999_999,
    ]

    static let strings: [String] = [
        "", "s", "t", "u-1", "$all", "$$s", "$$t", "$$$all", "$settings", "$$$settings", "$ce-u", "$et-x", "$streams",
        "g", "h", "x", "$>", "$metadata", "$streamDeleted", "admin", "ops", "$admins", "$ops", "changeit", "wrong",
        "^s", "^\\$", "(a+)+$", "[", "\\", ".*", "s|t", "$", "(", "\u{0}", "é", "type", "content-type",
        "application/json", "application/octet-stream", "x-y", "u-2", "$user-admin", "$users", "nobody", "Full Name",
        "$persistentSubscriptionConfig", "$$$streams", "$scavenges",
    ]

    static let data: [[UInt8]] = [
        "{}", #"{"a": 1}"#, "[]", "null", "", "{", #"{"a": [1, 2, {"b": null}]}"#,
        #"{"$maxAge": 9223372036854775807}"#, #"{"$maxAge": 1}"#, #"{"$maxAge": -1}"#, #"{"$maxCount": 1}"#,
        #"{"$maxCount": -9223372036854775808}"#, #"{"$tb": 9223372036854775807}"#, #"{"$tb": 1}"#,
        #"{"$cacheControl": 9223372036854775807}"#,
        #"{"$acl": {"$r": "$admins", "$w": ["admin"], "$d": "", "$mr": "$all", "$mw": []}}"#,
        #"{"$acl": {"$r": ["ops", "$admins"], "$w": "$all"}}"#,
        #"{"$userStreamAcl": {"$r": "$admins", "$w": "$admins"}, "$systemStreamAcl": {"$r": "$all", "$w": "$all"}}"#,
        "0@s", "1@s", "9223372036854775807@s", "-1@s", "@", "x@s", "0@$all",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ].map { Array($0.utf8) } + [[0xFF, 0xFE], [0xC3], Array(repeating: 0x41, count: 300)]

    /// Metadata choices: what a call carries (bit 7 of the byte adds `requires-leader: true`).
    static let metadataNames = [
        "none", "admin", "ops", "admin/wrong", "nobody", "Basic !!!", "Bearer", "Basic no-colon",
        "Basic non-UTF-8", "two authorizations", "empty authorization", "basic lower-case", "admin, requires-leader false",
        "requires-leader TRUE", "Basic :", "raw",
    ]

    static func basic(_ text: [UInt8]) -> String { "Basic " + Data(text).base64EncodedString() }

    /// Entry `index` of ``metadataNames`` (15 reads its raw value from the input).
    static func metadata(_ byte: UInt8, _ input: inout InputReader) -> Metadata {
        var metadata = Metadata()
        func authorization(_ value: String) { metadata.addString(value, forKey: "authorization") }
        switch byte & 0x0F {
        case 0: break
        case 1: authorization(basic(Array("admin:changeit".utf8)))
        case 2: authorization(basic(Array("ops:changeit".utf8)))
        case 3: authorization(basic(Array("admin:wrong".utf8)))
        case 4: authorization(basic(Array("nobody:changeit".utf8)))
        case 5: authorization("Basic !!!")
        case 6: authorization("Bearer t")
        case 7: authorization(basic(Array("admin".utf8)))
        case 8: authorization(basic([0xFF, 0x3A, 0xFE]))
        case 9:
            authorization(basic(Array("admin:wrong".utf8)))
            authorization(basic(Array("admin:changeit".utf8)))
        case 10: authorization("")
        case 11: authorization("basic " + Data("admin:changeit".utf8).base64EncodedString())
        case 12:
            authorization(basic(Array("admin:changeit".utf8)))
            metadata.addString("false", forKey: "requires-leader")
        case 13: metadata.addString("TRUE", forKey: "requires-leader")
        case 14: authorization(basic(Array(":".utf8)))
        default: authorization(String(decoding: input.take(Int(input.byte())), as: UTF8.self))
        }
        if byte & 0x80 != 0 { metadata.addString("true", forKey: "requires-leader") }
        return metadata
    }

    /// An event id: a few distinct values, so later requests can name earlier ones.
    static func uuid(_ slot: UInt8) -> UUID {
        let s = slot & 0x0F
        if s == 0x0F { return UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }
        return UUID(uuid: (s, 0x4E, 0x46, 0x5A, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, s))
    }

    /// `event_store.client.UUID` naming `uuid(slot)`: in its string form for slots < 8, structured above.
    static func uuidMessage(_ slot: UInt8) -> [UInt8] {
        var message = EventStore_Client_UUID()
        let id = uuid(slot)
        if slot & 0x08 == 0 {
            message.string = id.uuidString.lowercased()
        } else {
            let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
            var structured = EventStore_Client_UUID.Structured()
            structured.mostSignificantBits = bytes[0..<8].reduce(0) { $0 << 8 | Int64($1) }
            structured.leastSignificantBits = bytes[8..<16].reduce(0) { $0 << 8 | Int64($1) }
            message.structured = structured
        }
        return (try? message.serializedBytes()) ?? []
    }
}

// MARK: - The program

/// Reads the input; past the end every read yields zeros / nothing.
struct InputReader {
    let bytes: [UInt8]
    var index = 0

    var isAtEnd: Bool { index >= bytes.count }

    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, index + max(0, count))
        defer { index = end }
        return Array(bytes[index..<end])
    }

    mutating func length16() -> Int { Int(byte()) | Int(byte()) << 8 }
}

enum Op: CaseIterable {
    case call, sync, cancel, pause

    /// Operation byte (low 3 bits) → operation.
    static let table: [Op] = [.call, .call, .call, .call, .sync, .cancel, .call, .pause]

    /// The smallest operation byte for `op` (for writing seeds).
    var code: UInt8 { UInt8(Op.table.firstIndex(of: self)!) }

    /// Request messages per call, by the count byte's low 3 bits: one for single-request methods
    /// mostly (grpc-swift refuses the others), up to six for streaming ones.
    static func messageCount(_ byte: UInt8, streaming: Bool) -> Int {
        streaming ? Int(byte % 7) : [1, 1, 1, 1, 1, 1, 0, 2][Int(byte & 7)]
    }
}

/// A protobuf message written field by field (wire format only; any field number and wire type).
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: UInt8, wireType: UInt8) { varint(UInt64(field) << 3 | UInt64(wireType)) }

    mutating func varintField(_ field: UInt8, _ value: Int64) {
        key(field, wireType: 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func bytesField(_ field: UInt8, _ value: [UInt8]) {
        key(field, wireType: 2)
        varint(UInt64(value.count))
        bytes += value
    }
}

/// Turns program bytes into a protobuf message (see the file header for the grammar).
func protobufMessage(_ input: inout InputReader, depth: Int) -> [UInt8] {
    var writer = ProtoWriter()
    let count = Int(input.byte() % 32)
    for _ in 0..<count where !input.isAtEnd {
        let tag = input.byte()
        let field = tag & 0x1F
        switch tag >> 5 {
        case 0: writer.varintField(field, Tables.integers[Int(input.byte()) % Tables.integers.count])
        case 1:
            let raw = input.take(8) + [UInt8](repeating: 0, count: 8)
            writer.varintField(field, raw.prefix(8).enumerated().reduce(0) { $0 | Int64($1.element) << (8 * $1.offset) })
        case 2: writer.bytesField(field, Array(Tables.strings[Int(input.byte()) % Tables.strings.count].utf8))
        case 3: writer.bytesField(field, input.take(Int(input.byte())))
        case 4: writer.bytesField(field, depth < 3 ? protobufMessage(&input, depth: depth + 1) : [])
        case 5: writer.bytesField(field, Tables.data[Int(input.byte()) % Tables.data.count])
        case 6: writer.bytesField(field, Tables.uuidMessage(input.byte()))
        default: writer.varintField(field, Int64(input.byte()))
        }
    }
    return writer.bytes
}

/// One request message of a call.
func requestMessage(_ input: inout InputReader) -> [UInt8] {
    switch input.byte() % 4 {
    case 0: []
    case 1: input.take(input.length16())
    default: protobufMessage(&input, depth: 0)
    }
}

// MARK: - The methods

/// A method's kind, as its `.proto` declares it.
enum RPCKind: Sendable {
    case unary, clientStreaming, serverStreaming, bidirectional

    /// Whether the client may send more than one message.
    var streamsRequests: Bool { self == .clientStreaming || self == .bidirectional }
}

/// A method of the client API, with what the harness needs to judge its calls.
struct FuzzMethod: Sendable {
    let descriptor: MethodDescriptor
    let kind: RPCKind
    /// Whether bytes decode as the method's response message.
    let decodesResponse: @Sendable ([UInt8]) -> Bool
    /// Whether a call with these request messages (its request stream closed) is a subscription: it
    /// answers once, then may stay open until cancelled.
    let isSubscription: @Sendable ([[UInt8]]) -> Bool

    var name: String { "\(descriptor.service.fullyQualifiedService.split(separator: ".").last ?? "")/\(descriptor.method)" }
}

enum Methods {
    static func method<Output: SwiftProtobuf.Message>(
        _ descriptor: MethodDescriptor, _ kind: RPCKind, _ output: Output.Type,
        subscription: @escaping @Sendable ([[UInt8]]) -> Bool = { _ in false }
    ) -> FuzzMethod {
        FuzzMethod(descriptor: descriptor, kind: kind,
                   decodesResponse: { (try? Output(serializedBytes: $0)) != nil }, isSubscription: subscription)
    }

    typealias Streams = EventStore_Client_Streams_Streams.Method
    typealias Persistent = EventStore_Client_PersistentSubscriptions_PersistentSubscriptions.Method
    typealias Users = EventStore_Client_Users_Users.Method
    typealias Operations = EventStore_Client_Operations_Operations.Method
    typealias Projections = EventStore_Client_Projections_Projections.Method

    /// Streams.Read with one request whose options ask for a subscription.
    static func isStreamsSubscription(_ messages: [[UInt8]]) -> Bool {
        guard messages.count == 1, let request = try? EventStore_Client_Streams_ReadReq(serializedBytes: messages[0]),
              case .subscription = request.options.countOption
        else { return false }
        return true
    }

    /// The methods the node serves or is expected to serve (the program's method byte picks these
    /// below 0xE0), then the rest of the client API.
    static let primary: [FuzzMethod] = [
        method(Streams.Read.descriptor, .serverStreaming, Streams.Read.Output.self, subscription: isStreamsSubscription),
        method(Streams.Append.descriptor, .clientStreaming, Streams.Append.Output.self),
        method(Streams.Delete.descriptor, .unary, Streams.Delete.Output.self),
        method(Streams.Tombstone.descriptor, .unary, Streams.Tombstone.Output.self),
        method(Streams.BatchAppend.descriptor, .bidirectional, Streams.BatchAppend.Output.self),
        method(Persistent.Create.descriptor, .unary, Persistent.Create.Output.self),
        method(Persistent.Update.descriptor, .unary, Persistent.Update.Output.self),
        method(Persistent.Delete.descriptor, .unary, Persistent.Delete.Output.self),
        method(Persistent.Read.descriptor, .bidirectional, Persistent.Read.Output.self, subscription: { !$0.isEmpty }),
        method(Persistent.GetInfo.descriptor, .unary, Persistent.GetInfo.Output.self),
        method(Persistent.ReplayParked.descriptor, .unary, Persistent.ReplayParked.Output.self),
        method(Persistent.List.descriptor, .unary, Persistent.List.Output.self),
        method(Persistent.RestartSubsystem.descriptor, .unary, Persistent.RestartSubsystem.Output.self),
        method(Users.Create.descriptor, .unary, Users.Create.Output.self),
        method(Users.Update.descriptor, .unary, Users.Update.Output.self),
        method(Users.Delete.descriptor, .unary, Users.Delete.Output.self),
        method(Users.Disable.descriptor, .unary, Users.Disable.Output.self),
        method(Users.Enable.descriptor, .unary, Users.Enable.Output.self),
        method(Users.Details.descriptor, .serverStreaming, Users.Details.Output.self),
        method(Users.ChangePassword.descriptor, .unary, Users.ChangePassword.Output.self),
        method(Users.ResetPassword.descriptor, .unary, Users.ResetPassword.Output.self),
        method(EventStore_Client_Gossip_Gossip.Method.Read.descriptor, .unary, EventStore_Client_Gossip_ClusterInfo.self),
        method(EventStore_Client_ServerFeatures_ServerFeatures.Method.GetSupportedMethods.descriptor, .unary,
               EventStore_Client_ServerFeatures_SupportedMethods.self),
    ]

    /// Services the node does not serve (UNIMPLEMENTED), and a method no service has.
    static let secondary: [FuzzMethod] = [
        method(Operations.StartScavenge.descriptor, .unary, Operations.StartScavenge.Output.self),
        method(Operations.StopScavenge.descriptor, .unary, Operations.StopScavenge.Output.self),
        method(Operations.Shutdown.descriptor, .unary, Operations.Shutdown.Output.self),
        method(Operations.MergeIndexes.descriptor, .unary, Operations.MergeIndexes.Output.self),
        method(Operations.ResignNode.descriptor, .unary, Operations.ResignNode.Output.self),
        method(Operations.SetNodePriority.descriptor, .unary, Operations.SetNodePriority.Output.self),
        method(Operations.RestartPersistentSubscriptions.descriptor, .unary, Operations.RestartPersistentSubscriptions.Output.self),
        method(Projections.Create.descriptor, .unary, Projections.Create.Output.self),
        method(Projections.Update.descriptor, .unary, Projections.Update.Output.self),
        method(Projections.Delete.descriptor, .unary, Projections.Delete.Output.self),
        method(Projections.Statistics.descriptor, .serverStreaming, Projections.Statistics.Output.self),
        method(Projections.Disable.descriptor, .unary, Projections.Disable.Output.self),
        method(Projections.Enable.descriptor, .unary, Projections.Enable.Output.self),
        method(Projections.Reset.descriptor, .unary, Projections.Reset.Output.self),
        method(Projections.State.descriptor, .unary, Projections.State.Output.self),
        method(Projections.Result.descriptor, .unary, Projections.Result.Output.self),
        method(Projections.RestartSubsystem.descriptor, .unary, Projections.RestartSubsystem.Output.self),
        method(EventStore_Client_Monitoring_Monitoring.Method.Stats.descriptor, .serverStreaming,
               EventStore_Client_Monitoring_StatsResp.self),
        method(MethodDescriptor(fullyQualifiedService: "event_store.client.streams.Streams", method: "Nope"), .unary,
               EventStore_Client_Empty.self),
    ]

    /// Method byte → method.
    static func pick(_ byte: UInt8) -> FuzzMethod {
        byte < 0xE0 ? primary[Int(byte) % primary.count] : secondary[Int(byte - 0xE0) % secondary.count]
    }

    /// The method byte for `descriptor` (for writing seeds).
    static func code(_ descriptor: MethodDescriptor) -> UInt8 {
        if let index = primary.firstIndex(where: { $0.descriptor == descriptor }) { return UInt8(index) }
        if let index = secondary.firstIndex(where: { $0.descriptor == descriptor }) { return 0xE0 + UInt8(index) }
        oracleFailure("seed: \(descriptor) is not in the method tables")
    }
}

/// Bytes as they are: the client's serializer and deserializer, so that any bytes reach the server's
/// deserializer and the harness sees exactly what the server sent.
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

// MARK: - Calls

/// What happened to one call so far (written by its task, read by the fuzzing thread).
final class CallRecord: Sendable {
    struct State {
        var responses = 0
        var undecodable: Int?
        var ended = false
        var code: RPCError.Code?
        var message = ""
        var cancelledAt: Double?
    }

    let method: FuzzMethod
    let index: Int
    /// The call's id in ``Cancellations``.
    let id: Int
    let keepOpen: Bool
    let hasDeadline: Bool
    let isSubscription: Bool
    let state = Mutex(State())
    let changed: DispatchSemaphore

    init(method: FuzzMethod, index: Int, id: Int, keepOpen: Bool, hasDeadline: Bool, isSubscription: Bool, changed: DispatchSemaphore) {
        self.method = method
        self.index = index
        self.id = id
        self.keepOpen = keepOpen
        self.hasDeadline = hasDeadline
        self.isSubscription = isSubscription
        self.changed = changed
    }

    /// Whether the call must end by itself: its request stream closes and it is no subscription.
    var mustEnd: Bool { !keepOpen && !isSubscription }

    func received(_ bytes: [UInt8]) {
        let decodes = method.decodesResponse(bytes)
        state.withLock {
            $0.responses += 1
            if !decodes, $0.undecodable == nil { $0.undecodable = $0.responses }
        }
        changed.signal()
    }

    func ended(_ code: RPCError.Code?, _ message: String) {
        state.withLock {
            $0.ended = true
            $0.code = code
            $0.message = message
        }
        changed.signal()
    }

    var description: String {
        let state = state.withLock { $0 }
        let status = state.ended ? (state.code.map { "\($0)" } ?? "ok") : "open"
        return "#\(index) \(method.name)\(keepOpen ? " (kept open)" : "")\(isSubscription ? " (subscription)" : "")"
            + ": \(state.responses) response(s), \(status)\(state.message.isEmpty ? "" : " — \(state.message)")"
    }
}

/// The server-side cancellation handles of the calls in flight, by call id (unique over the run).
///
/// grpc-swift's in-process transport never cancels a server's RPC when its client cancels the call
/// (only when the server shuts down): the server's handler merely sees its request stream end, which
/// a subscription (its one request long received) never looks at. Over HTTP/2 the client's cancel is
/// an RST_STREAM, and grpc-swift-nio-transport cancels the RPC's handle. The harness does the same:
/// every call carries its id in `x-fuzz-call`, ``CancelInterceptor`` records the handle, and the
/// harness cancels it together with the client's call. The server may start a call after its client
/// cancelled it, even after the input ended (its client side ends at once): its id is remembered until
/// then, and the handle is cancelled as soon as it is registered.
final class Cancellations: Sendable {
    private struct State {
        var nextID = 0
        var handles: [Int: ServerContext.RPCCancellationHandle] = [:]
        /// Calls cancelled before their server side started.
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    static let header = "x-fuzz-call"

    /// A new call id.
    func makeID() -> Int {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// A call's handle, from the server side (cancelled at once if its client already cancelled).
    func register(_ call: Int, _ handle: ServerContext.RPCCancellationHandle) {
        let cancelled = state.withLock { state -> Bool in
            if state.cancelled.remove(call) != nil { return true }
            state.handles[call] = handle
            return false
        }
        if cancelled { handle.cancel() }
    }

    /// The client cancelled call `call`: what an RST_STREAM makes the HTTP/2 transport do.
    func cancel(_ call: Int) {
        let handle = state.withLock { state -> ServerContext.RPCCancellationHandle? in
            guard let handle = state.handles.removeValue(forKey: call) else {
                state.cancelled.insert(call)
                return nil
            }
            return handle
        }
        handle?.cancel()
    }

    /// Forgets the handles of calls that ended (their server side is done).
    func forget(_ calls: [Int]) {
        state.withLock { state in
            for call in calls { state.handles[call] = nil }
        }
    }
}

/// Records each call's server-side cancellation handle in ``Cancellations``; changes nothing else.
struct CancelInterceptor: ServerInterceptor {
    let cancellations: Cancellations

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if let call = request.metadata[stringValues: Cancellations.header].first(where: { _ in true }).flatMap({ Int($0) }) {
            cancellations.register(call, context.cancellation)
        }
        return try await next(request, context)
    }
}

/// One of the node's two doors: a gRPC server over the node's router and a client of it, joined by an
/// in-process transport.
final class Door: Sendable {
    let client: GRPCClient<InProcessTransport.Client>
    private let server: GRPCServer<InProcessTransport.Server>
    private let serving: Task<Void, any Error>
    private let connecting: Task<Void, any Error>

    init(node: DetachedNode, follower: Bool, cancellations: Cancellations) {
        let transport = InProcessTransport()
        let leader = follower ? NodeConfiguration.Endpoint(host: "10.0.0.1", port: 2113) : nil
        var router = node.grpcRouter(transport: InProcessTransport.Server.self, followerOf: leader)
        router.registerInterceptors(pipeline: [.apply(CancelInterceptor(cancellations: cancellations), to: .all)])
        let server = GRPCServer(transport: transport.server, router: router)
        let client = GRPCClient(transport: transport.client)
        self.server = server
        self.client = client
        serving = Task { try await server.serve() }
        connecting = Task { try await client.runConnections() }
    }

    /// Stops both sides; every call has ended by then (the harness waited for them).
    func stop() async {
        client.beginGracefulShutdown()
        server.beginGracefulShutdown()
        _ = try? await connecting.value
        _ = try? await serving.value
    }
}

/// Runs `body` in a task and blocks libFuzzer's thread until it is done.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0 }!
}

// MARK: - The harness

/// Owns the node and its doors; used only from libFuzzer's thread.
final class Harness: @unchecked Sendable {
    let threadPool: NIOThreadPool
    private var node: DetachedNode?
    private var doors: [Door] = []
    private var inputsOnNode = 0
    private var inputs = 0
    let cancellations = Cancellations()

    init() {
        threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
    }

    /// The fuzzed node: `esdb node --mem` (authenticating, default accounts) with the standard
    /// projections on, so more of the engine runs.
    static let configuration: NodeConfiguration = {
        var configuration = NodeConfiguration(storage: .memory)
        configuration.enableStandardProjections()
        return configuration
    }()

    func currentNode() -> (DetachedNode, [Door]) {
        if let node, inputsOnNode < settings.recycleEvery {
            inputsOnNode += 1
            return (node, doors)
        }
        retireNode()
        let fresh: DetachedNode
        do {
            fresh = try DetachedNode(configuration: Self.configuration, threadPool: threadPool)
        } catch {
            oracleFailure("cannot start an in-memory node: \(error)")
        }
        node = fresh
        doors = [Door(node: fresh, follower: false, cancellations: cancellations),
                 Door(node: fresh, follower: true, cancellations: cancellations)]
        inputsOnNode = 1
        return (fresh, doors)
    }

    /// Stops the doors and the node; the engine must then be released (no call, task or cycle keeps it).
    func retireNode() {
        guard node != nil else { return }
        let released = stopNode()
        let deadline = now() + settings.leakTimeout
        var spins = 0
        while !released() {
            if now() > deadline {
                oracleFailure("the stopped node's engine was not released within \(settings.leakTimeout) s")
            }
            spins += 1
            if spins < 100 { sched_yield() } else { usleep(200) }
        }
    }

    @inline(never)
    private func stopNode() -> () -> Bool {
        let doors = doors
        blocking { for door in doors { await door.stop() } }
        self.doors = []
        weak let engine = node?.engineObject
        node?.shutdown()
        node = nil
        return { engine == nil }
    }

    func run(_ bytes: [UInt8]) {
        inputs += 1
        let (node, doors) = currentNode()
        let session = Session(node: node, doors: doors, cancellations: cancellations)
        session.run(bytes)
        if inputs % 256 == 0 { checkRSS() }
    }

    private func checkRSS() {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return }
        let megabytes = pages * Int(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
        if megabytes > settings.rssLimitMB {
            oracleFailure("RSS \(megabytes) MB after \(inputs) inputs is over GRPC_FUZZ_RSS_LIMIT_MB=\(settings.rssLimitMB)")
        }
    }
}

/// One input: a few calls to the node.
final class Session {
    let node: DetachedNode
    let doors: [Door]
    let cancellations: Cancellations
    private var calls: [(record: CallRecord, task: Task<Void, Never>)] = []
    /// Signalled whenever a call receives a response or ends.
    private let changed = DispatchSemaphore(value: 0)

    init(node: DetachedNode, doors: [Door], cancellations: Cancellations) {
        self.node = node
        self.doors = doors
        self.cancellations = cancellations
    }

    func run(_ bytes: [UInt8]) {
        var input = InputReader(bytes: bytes)
        while !input.isAtEnd {
            switch Op.table[Int(input.byte() & 0x07)] {
            case .call: call(&input)
            case .sync:
                if settings.verbose { log("sync") }
                waitUntil("ended by itself", { $0.mustEnd }) { $0.ended }
            case .cancel:
                let slot = Int(input.byte())
                guard !calls.isEmpty else { continue }
                let call = calls[slot % calls.count]
                if settings.verbose { log("cancel #\(call.record.index)") }
                cancel(call)
            case .pause:
                if settings.verbose { log("pause") }
                waitUntil("answered (confirmation or error)", { $0.isSubscription }) { $0.ended || $0.responses > 0 }
            }
        }
        for call in calls where call.record.mustEnd == false { cancel(call) }
        waitUntil("ended", { _ in true }) { $0.ended }
        cancellations.forget(calls.map(\.record.id))
        for call in calls { check(call.record) }
        checkLeaks()
        checkServing()
    }

    private func call(_ input: inout InputReader) {
        let method = Methods.pick(input.byte())
        var metadata = Tables.metadata(input.byte(), &input)
        let id = cancellations.makeID()
        metadata.addString(String(id), forKey: Cancellations.header)
        let flags = input.byte()
        let count = Op.messageCount(input.byte(), streaming: method.kind.streamsRequests)
        let messages = (0..<count).map { _ in requestMessage(&input) }
        let keepOpen = flags & 1 != 0
        let options = {
            var options = CallOptions.defaults
            if flags & 2 != 0 { options.timeout = .milliseconds(30) }
            return options
        }()
        let door = doors[flags & 4 == 0 ? 0 : 1]
        let record = CallRecord(method: method, index: calls.count, id: id, keepOpen: keepOpen, hasDeadline: flags & 2 != 0,
                                isSubscription: !keepOpen && method.isSubscription(messages), changed: changed)
        if settings.verbose {
            log("call #\(record.index) \(method.name) metadata=\(metadata) flags=\(flags) "
                + "messages=\(messages.map { $0.count <= 48 ? "[\($0.map { String(format: "%02x", $0) }.joined())]" : "\($0.count) B" })")
        }
        let client = door.client
        let task = Task {
            let request = StreamingClientRequest(of: [UInt8].self, metadata: metadata) { writer in
                try await writer.write(contentsOf: messages)
                if keepOpen { try await Task.sleep(for: .seconds(3600)) }
            }
            do {
                try await client.bidirectionalStreaming(
                    request: request, descriptor: method.descriptor, serializer: RawBytes(), deserializer: RawBytes(),
                    options: options
                ) { response in
                    for try await message in response.messages { record.received(message) }
                }
                record.ended(nil, "")
            } catch let error as RPCError {
                record.ended(error.code, error.message)
            } catch {
                record.ended(.unknown, "client-side \(type(of: error)): \(error)")
            }
        }
        calls.append((record, task))
    }

    private func cancel(_ call: (record: CallRecord, task: Task<Void, Never>)) {
        let time = now()
        let first = call.record.state.withLock { state -> Bool in
            guard state.cancelledAt == nil, !state.ended else { return false }
            state.cancelledAt = time
            return true
        }
        if first {
            call.task.cancel()
            cancellations.cancel(call.record.id)
        }
    }

    /// Waits until `done` holds for every call `applies` to; a call that was cancelled is judged from
    /// its cancel. Fails when the bound passes first.
    private func waitUntil(_ what: String, _ applies: (CallRecord) -> Bool, _ done: (CallRecord.State) -> Bool) {
        let start = now()
        while true {
            let late = calls.filter { call in
                guard applies(call.record) || call.record.state.withLock({ $0.cancelledAt != nil }) else { return false }
                return call.record.state.withLock { state in
                    if done(state) || state.ended { return false }
                    return now() > max(start, state.cancelledAt ?? start) + settings.replyTimeout
                }
            }
            if let call = late.first {
                oracleFailure("call not \(what) within \(settings.replyTimeout) s: \(call.record.description)")
            }
            let pending = calls.contains { call in
                (applies(call.record) || call.record.state.withLock { $0.cancelledAt != nil })
                    && !call.record.state.withLock { done($0) || $0.ended }
            }
            if !pending { return }
            _ = changed.wait(timeout: .now() + .milliseconds(20))
        }
    }

    /// A call that ended: its responses decode, and it did not end with UNKNOWN on its own.
    private func check(_ record: CallRecord) {
        let state = record.state.withLock { $0 }
        if settings.verbose { log("  \(record.description)") }
        if let index = state.undecodable {
            oracleFailure("response \(index) does not decode as the method's response: \(record.description)")
        }
        // The node's own UNKNOWN (KurrentDB's `RpcExceptions.UnknownError`, `GRPCFailure.unknownError`)
        // says "Unexpected …"; any other is grpc-swift's, for an error that is not an `RPCError`.
        if state.code == .unknown, state.cancelledAt == nil, !record.hasDeadline, !state.message.hasPrefix("Unexpected ") {
            oracleFailure("the call ended with UNKNOWN (a service threw an error that is not an RPCError): \(record.description)")
        }
    }

    /// After the input, no subscription and no request task may be left.
    private func checkLeaks() {
        let deadline = now() + settings.leakTimeout
        while node.subscriptionCount != 0 || node.requestTaskCount != 0 {
            if now() > deadline {
                oracleFailure("\(node.subscriptionCount) subscription(s) and \(node.requestTaskCount) request task(s) "
                    + "left \(settings.leakTimeout) s after every call ended")
            }
            usleep(200)
        }
    }

    /// The node still answers a well-formed Gossip.Read.
    private func checkServing() {
        let client = doors[0].client
        let result = blocking { () -> Result<Int, any Error> in
            var options = CallOptions.defaults
            options.timeout = .seconds(settings.replyTimeout)
            do {
                return .success(try await client.unary(
                    request: ClientRequest(message: EventStore_Client_Empty()),
                    descriptor: EventStore_Client_Gossip_Gossip.Method.Read.descriptor,
                    serializer: ProtobufSerializer<EventStore_Client_Empty>(),
                    deserializer: ProtobufDeserializer<EventStore_Client_Gossip_ClusterInfo>(), options: options
                ) { try $0.message.members.count })
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(1): break
        case .success(let count): oracleFailure("Gossip.Read after the input listed \(count) members")
        case .failure(let error): oracleFailure("Gossip.Read after the input failed: \(error)")
        }
    }
}

// MARK: - Seeds and dictionary (GRPC_FUZZ_WRITE_SEEDS=dir)

/// Writes programs in the input format.
struct ProgramWriter {
    var bytes: [UInt8] = []

    /// A message in the field grammar when it can be written so (every field number ≤ 31, varints and
    /// length-delimited fields only), else nil.
    static func fields(_ message: [UInt8], depth: Int = 0) -> [UInt8]? {
        var ops: [UInt8] = []
        var count = 0
        var index = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < message.count, shift < 64 {
                let byte = message[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while index < message.count {
            guard let key = varint(), key >> 3 >= 1, key >> 3 <= 31 else { return nil }
            let field = UInt8(key >> 3)
            switch key & 7 {
            case 0:
                guard let value = varint() else { return nil }
                if value < 256 {
                    ops += [7 << 5 | field, UInt8(value)]
                } else if let entry = Tables.integers.firstIndex(of: Int64(bitPattern: value)) {
                    ops += [0 << 5 | field, UInt8(entry)]
                } else {
                    ops += [1 << 5 | field] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
                }
            case 2:
                guard let length = varint(), length <= UInt64(message.count - index) else { return nil }
                let payload = Array(message[index..<index + Int(length)])
                index += Int(length)
                if let entry = Tables.strings.firstIndex(where: { Array($0.utf8) == payload }) {
                    ops += [2 << 5 | field, UInt8(entry)]
                } else if let entry = Tables.data.firstIndex(of: payload) {
                    ops += [5 << 5 | field, UInt8(entry)]
                } else if let slot = (0...15).first(where: { Tables.uuidMessage(UInt8($0)) == payload }) {
                    ops += [6 << 5 | field, UInt8(slot)]
                } else if depth < 3, let nested = fields(payload, depth: depth + 1) {
                    ops += [4 << 5 | field] + nested
                } else if payload.count <= 255 {
                    ops += [3 << 5 | field, UInt8(payload.count)] + payload
                } else {
                    return nil
                }
            default:
                return nil
            }
            count += 1
        }
        guard count < 32 else { return nil }
        return [UInt8(count)] + ops
    }

    /// A request message: in the field grammar when possible, raw otherwise.
    static func request(_ message: [UInt8]) -> [UInt8] {
        if message.isEmpty { return [0] }
        if let fields = fields(message) { return [2] + fields }
        return [1, UInt8(message.count & 0xFF), UInt8(message.count >> 8)] + message
    }

    /// A call: `metadata` indexes `Tables.metadataNames` (+0x80: requires-leader), `flags` as in the header.
    mutating func call(_ descriptor: MethodDescriptor, metadata: UInt8 = 1, flags: UInt8 = 0,
                       _ messages: [any SwiftProtobuf.Message], raw: [[UInt8]] = []) {
        var deterministic = BinaryEncodingOptions()
        deterministic.useDeterministicOrdering = true  // map fields (event metadata) in key order
        let encoded = messages.map { (try? $0.serializedBytes(options: deterministic)) ?? [] }.map(Self.request) + raw.map {
            [1, UInt8($0.count & 0xFF), UInt8($0.count >> 8)] + $0
        }
        let method = Methods.pick(Methods.code(descriptor))
        let total = encoded.count
        let countByte: UInt8
        if method.kind.streamsRequests {
            countByte = UInt8(total)
        } else {
            countByte = total == 0 ? 6 : total == 2 ? 7 : 0
        }
        bytes += [Op.call.code, Methods.code(descriptor), metadata, flags, countByte] + encoded.joined()
    }

    mutating func sync() { bytes.append(Op.sync.code) }
    mutating func pause() { bytes.append(Op.pause.code) }
    mutating func cancel(_ slot: UInt8) { bytes += [Op.cancel.code, slot] }
}

enum Seeds {
    typealias Streams = EventStore_Client_Streams_Streams.Method
    typealias Users = EventStore_Client_Users_Users.Method
    typealias Persistent = EventStore_Client_PersistentSubscriptions_PersistentSubscriptions.Method

    static func stream(_ name: String) -> EventStore_Client_StreamIdentifier {
        var identifier = EventStore_Client_StreamIdentifier()
        identifier.streamName = Data(name.utf8)
        return identifier
    }

    static func uuid(_ slot: UInt8) -> EventStore_Client_UUID {
        (try? EventStore_Client_UUID(serializedBytes: Tables.uuidMessage(slot))) ?? EventStore_Client_UUID()
    }

    static func appendOptions(_ name: String, revision: UInt64? = nil) -> EventStore_Client_Streams_AppendReq {
        var request = EventStore_Client_Streams_AppendReq()
        request.options.streamIdentifier = stream(name)
        if let revision { request.options.revision = revision } else { request.options.any = EventStore_Client_Empty() }
        return request
    }

    static func event(_ slot: UInt8, type: String = "x", json: Bool = true, data: String = "{}") -> EventStore_Client_Streams_AppendReq {
        var request = EventStore_Client_Streams_AppendReq()
        request.proposedMessage.id = uuid(slot)
        request.proposedMessage.metadata = ["type": type, "content-type": json ? "application/json" : "application/octet-stream"]
        request.proposedMessage.data = Data(data.utf8)
        return request
    }

    static func append(_ w: inout ProgramWriter, _ name: String, metadata: UInt8 = 1, _ events: [EventStore_Client_Streams_AppendReq]) {
        w.call(Streams.Append.descriptor, metadata: metadata, [appendOptions(name)] + events)
    }

    static func readStream(_ name: String, forward: Bool = true, count: UInt64 = 10, subscribe: Bool = false) -> EventStore_Client_Streams_ReadReq {
        var request = EventStore_Client_Streams_ReadReq()
        request.options.stream.streamIdentifier = stream(name)
        if forward { request.options.stream.start = EventStore_Client_Empty() } else { request.options.stream.end = EventStore_Client_Empty() }
        request.options.readDirection = forward ? .forwards : .backwards
        request.options.resolveLinks = true
        if subscribe { request.options.subscription = .init() } else { request.options.count = count }
        request.options.noFilter = EventStore_Client_Empty()
        request.options.uuidOption.string = EventStore_Client_Empty()
        return request
    }

    static func readAll(forward: Bool = true, subscribe: Bool = false, filter: String? = nil) -> EventStore_Client_Streams_ReadReq {
        var request = EventStore_Client_Streams_ReadReq()
        if forward { request.options.all.start = EventStore_Client_Empty() } else { request.options.all.end = EventStore_Client_Empty() }
        request.options.readDirection = forward ? .forwards : .backwards
        if subscribe { request.options.subscription = .init() } else { request.options.count = 10 }
        if let filter {
            request.options.filter.streamIdentifier.regex = filter
            request.options.filter.max = 10
            request.options.filter.checkpointIntervalMultiplier = 1
        } else {
            request.options.noFilter = EventStore_Client_Empty()
        }
        request.options.uuidOption.structured = EventStore_Client_Empty()
        return request
    }

    /// Where a seed goes.
    enum Kind {
        /// Fuzz/GRPCCorpus: replayed by every run, the starting corpus.
        case corpus
        /// Fuzz/GRPCRegressions: reproduced a bug this fuzzer found, now fixed; replayed by every run.
        case regression
    }

    /// The seeds: name, program, kind.
    static func all() -> [(name: String, bytes: [UInt8], kind: Kind)] {
        var seeds: [(name: String, bytes: [UInt8], kind: Kind)] = []
        func seed(_ name: String, _ kind: Kind = .corpus, _ build: (inout ProgramWriter) -> Void) {
            var w = ProgramWriter()
            build(&w)
            seeds.append((name, w.bytes, kind))
        }

        seed("append-read") { w in
            append(&w, "s", [event(1), event(2, type: "x-y", json: false, data: "1")])
            w.sync()
            w.call(Streams.Read.descriptor, [readStream("s")])
            w.call(Streams.Read.descriptor, [readStream("s", forward: false)])
            w.call(Streams.Read.descriptor, [readAll()])
            w.call(Streams.Read.descriptor, [readAll(forward: false)])
        }
        seed("append-expected-revision") { w in
            w.call(Streams.Append.descriptor, [appendOptions("s", revision: 0), event(1)])
            w.call(Streams.Append.descriptor, metadata: 0, [appendOptions("t"), event(2)])
            w.call(Streams.Append.descriptor, [event(3)])
            w.call(Streams.Append.descriptor, [appendOptions("s"), appendOptions("s"), event(4)])
        }
        seed("subscribe-stream-then-append") { w in
            w.call(Streams.Read.descriptor, [readStream("s", subscribe: true)])
            w.pause()
            append(&w, "s", [event(1), event(2)])
            w.sync()
            w.pause()
        }
        seed("subscribe-all-filtered") { w in
            append(&w, "s", [event(1)])
            w.call(Streams.Read.descriptor, [readAll(subscribe: true, filter: "^s")])
            w.call(Streams.Read.descriptor, [readAll(subscribe: true)])
            w.pause()
            append(&w, "t", [event(2, type: "$>", json: false, data: "0@s")])
            w.sync()
            w.cancel(1)
        }
        seed("batch-append") { w in
            var first = EventStore_Client_Streams_BatchAppendReq()
            first.correlationID = uuid(1)
            first.options.streamIdentifier = stream("s")
            first.options.any = .init()
            first.options.deadline = .init(seconds: 10, nanos: 0)
            var message = EventStore_Client_Streams_BatchAppendReq.ProposedMessage()
            message.id = uuid(2)
            message.metadata = ["type": "x", "content-type": "application/json"]
            message.data = Data("{}".utf8)
            first.proposedMessages = [message]
            var last = EventStore_Client_Streams_BatchAppendReq()
            last.correlationID = uuid(1)
            message.id = uuid(3)
            last.proposedMessages = [message]
            last.isFinal = true
            w.call(Streams.BatchAppend.descriptor, [first, last])
        }
        seed("delete-tombstone") { w in
            append(&w, "s", [event(1)])
            w.sync()
            var delete = EventStore_Client_Streams_DeleteReq()
            delete.options.streamIdentifier = stream("s")
            delete.options.any = .init()
            w.call(Streams.Delete.descriptor, [delete])
            w.sync()
            w.call(Streams.Read.descriptor, [readStream("s")])
            var tombstone = EventStore_Client_Streams_TombstoneReq()
            tombstone.options.streamIdentifier = stream("s")
            tombstone.options.any = .init()
            w.call(Streams.Tombstone.descriptor, [tombstone])
            w.sync()
            append(&w, "s", [event(2)])
            w.call(Streams.Read.descriptor, [readStream("s", subscribe: true)])
            w.pause()
        }
        seed("stream-metadata") { w in
            append(&w, "s", [event(1), event(2)])
            append(&w, "$$s", [event(3, type: "$metadata", data: #"{"$maxAge": 9223372036854775807}"#)])
            w.sync()
            w.call(Streams.Read.descriptor, metadata: 0, [readStream("s")])
            append(&w, "$$s", [event(4, type: "$metadata",
                                     data: #"{"$acl": {"$r": "$admins", "$w": ["admin"], "$d": "", "$mr": "$all", "$mw": []}}"#)])
            w.sync()
            w.call(Streams.Read.descriptor, metadata: 0, [readStream("s")])
            w.call(Streams.Read.descriptor, metadata: 2, [readStream("s", subscribe: true)])
            w.pause()
        }
        seed("users") { w in
            var create = EventStore_Client_Users_CreateReq()
            create.options.loginName = "u-1"
            create.options.password = "changeit"
            create.options.fullName = "Full Name"
            create.options.groups = ["$ops"]
            w.call(Users.Create.descriptor, [create])
            w.sync()
            var details = EventStore_Client_Users_DetailsReq()
            details.options.loginName = "u-1"
            w.call(Users.Details.descriptor, [details])
            w.call(Users.Details.descriptor, [EventStore_Client_Users_DetailsReq()])
            var update = EventStore_Client_Users_UpdateReq()
            update.options.loginName = "u-1"
            update.options.fullName = "x"
            w.call(Users.Update.descriptor, [update])
            var disable = EventStore_Client_Users_DisableReq()
            disable.options.loginName = "u-1"
            w.call(Users.Disable.descriptor, [disable])
            var enable = EventStore_Client_Users_EnableReq()
            enable.options.loginName = "u-1"
            w.call(Users.Enable.descriptor, [enable])
            var change = EventStore_Client_Users_ChangePasswordReq()
            change.options.loginName = "u-1"
            change.options.currentPassword = "changeit"
            change.options.newPassword = "x"
            w.call(Users.ChangePassword.descriptor, [change])
            var reset = EventStore_Client_Users_ResetPasswordReq()
            reset.options.loginName = "u-1"
            reset.options.newPassword = "changeit"
            w.call(Users.ResetPassword.descriptor, [reset])
            w.sync()
            var delete = EventStore_Client_Users_DeleteReq()
            delete.options.loginName = "u-1"
            w.call(Users.Delete.descriptor, [delete])
        }
        seed("metadata-variants") { w in
            for metadata: UInt8 in [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x81, 0x80] {
                w.call(Streams.Read.descriptor, metadata: metadata, [readStream("s")])
            }
            w.call(Streams.Delete.descriptor, metadata: 0x81, flags: 4, [EventStore_Client_Streams_DeleteReq()])
            // The raw entry: `authorization: Basic` (len8 then the value), flags 0, one message with no fields.
            w.bytes += [Op.call.code, Methods.code(Streams.Read.descriptor), 0x0F, 5] + Array("Basic".utf8) + [0, 0, 2, 0]
        }
        seed("gossip-features-unimplemented") { w in
            w.call(EventStore_Client_Gossip_Gossip.Method.Read.descriptor, metadata: 0, [EventStore_Client_Empty()])
            w.call(EventStore_Client_ServerFeatures_ServerFeatures.Method.GetSupportedMethods.descriptor, metadata: 0,
                   [EventStore_Client_Empty()])
            w.call(EventStore_Client_Operations_Operations.Method.Shutdown.descriptor, [EventStore_Client_Empty()])
            w.call(EventStore_Client_Projections_Projections.Method.Statistics.descriptor,
                   [EventStore_Client_Projections_StatisticsReq()])
            w.call(EventStore_Client_Monitoring_Monitoring.Method.Stats.descriptor, [EventStore_Client_Monitoring_StatsReq()])
        }
        seed("persistent") { w in
            var create = EventStore_Client_PersistentSubscriptions_CreateReq()
            create.options.stream.streamIdentifier = stream("s")
            create.options.stream.start = .init()
            create.options.groupName = "g"
            create.options.settings.resolveLinks = true
            create.options.settings.maxRetryCount = 10
            create.options.settings.checkpointAfterMs = 1000
            create.options.settings.minCheckpointCount = 1
            create.options.settings.maxCheckpointCount = 10
            create.options.settings.maxSubscriberCount = 10
            create.options.settings.liveBufferSize = 100
            create.options.settings.readBatchSize = 10
            create.options.settings.historyBufferSize = 100
            create.options.settings.consumerStrategy = "RoundRobin"
            w.call(Persistent.Create.descriptor, [create])
            append(&w, "s", [event(1), event(2)])
            w.sync()
            var read = EventStore_Client_PersistentSubscriptions_ReadReq()
            read.options.streamIdentifier = stream("s")
            read.options.groupName = "g"
            read.options.bufferSize = 10
            read.options.uuidOption.string = .init()
            var ack = EventStore_Client_PersistentSubscriptions_ReadReq()
            ack.ack.id = Data("s::g".utf8)
            ack.ack.ids = [uuid(1)]
            var nack = EventStore_Client_PersistentSubscriptions_ReadReq()
            nack.nack.ids = [uuid(2)]
            nack.nack.action = .park
            nack.nack.reason = "x"
            w.call(Persistent.Read.descriptor, flags: 1, [read, ack, nack])
            w.pause()
            w.call(Persistent.List.descriptor, [EventStore_Client_PersistentSubscriptions_ListReq()])
            var info = EventStore_Client_PersistentSubscriptions_GetInfoReq()
            info.options.streamIdentifier = stream("s")
            info.options.groupName = "g"
            w.call(Persistent.GetInfo.descriptor, [info])
            var delete = EventStore_Client_PersistentSubscriptions_DeleteReq()
            delete.options.streamIdentifier = stream("s")
            delete.options.groupName = "g"
            w.call(Persistent.Delete.descriptor, [delete])
        }
        seed("bad-messages-and-counts") { w in
            w.call(Streams.Read.descriptor, [], raw: [[0xFF, 0xFF, 0xFF]])
            w.call(Streams.Delete.descriptor, [])
            w.call(Streams.Delete.descriptor, [EventStore_Client_Streams_DeleteReq(), EventStore_Client_Streams_DeleteReq()])
            w.call(Streams.Append.descriptor, [], raw: [[0x0A, 0x05, 0x0A]])
            w.call(Users.Create.descriptor, [], raw: [[0x08]])
            w.call(Streams.BatchAppend.descriptor, [], raw: [[0x12, 0x80]])
        }
        seed("cancel-early-and-deadlines") { w in
            w.call(Streams.Read.descriptor, [readAll(subscribe: true)])
            w.cancel(0)
            w.call(Streams.Append.descriptor, flags: 1, [appendOptions("s"), event(1)])
            w.call(Streams.Read.descriptor, flags: 2, [readStream("s", subscribe: true)])
            w.call(Streams.BatchAppend.descriptor, flags: 3, [])
            w.sync()
            w.cancel(1)
        }
        // Trapped (Int overflow: window × checkpointIntervalMultiplier in StreamsReadRequest.Filter.checkpointInterval).
        seed("filtered-subscription-checkpoint-overflow", .regression) { w in
            var read = readAll(subscribe: true, filter: "^s")
            read.options.filter.max = UInt32.max
            read.options.filter.checkpointIntervalMultiplier = UInt32.max
            w.call(Streams.Read.descriptor, [read])
            w.pause()
        }
        seed("follower-requires-leader") { w in
            append(&w, "s", metadata: 0x81, [event(1)])
            w.call(Streams.Read.descriptor, metadata: 0x81, flags: 4, [readStream("s")])
            w.call(Streams.Read.descriptor, metadata: 0x01, flags: 4, [readStream("s")])
            w.call(Users.Details.descriptor, metadata: 0x81, flags: 4, [EventStore_Client_Users_DetailsReq()])
        }
        return seeds
    }

    /// Dictionary entries: each kind of call as one operation, and field keys of the API.
    static func dictionary() -> [String] {
        var entries: [String] = []
        func quote(_ bytes: [UInt8]) -> String {
            "\"" + bytes.map { String(format: "\\x%02X", $0) }.joined() + "\""
        }
        var calls: [(String, ProgramWriter)] = []
        func call(_ name: String, _ build: (inout ProgramWriter) -> Void) {
            var w = ProgramWriter()
            build(&w)
            calls.append((name, w))
        }
        call("append") { append(&$0, "s", [event(1)]) }
        call("read_stream") { $0.call(Streams.Read.descriptor, [readStream("s")]) }
        call("subscribe_stream") { $0.call(Streams.Read.descriptor, [readStream("s", subscribe: true)]) }
        call("subscribe_all") { $0.call(Streams.Read.descriptor, [readAll(subscribe: true, filter: "^s")]) }
        call("gossip") { $0.call(EventStore_Client_Gossip_Gossip.Method.Read.descriptor, [EventStore_Client_Empty()]) }
        for (name, writer) in calls where writer.bytes.count <= 96 {
            entries.append("op_\(name)=" + quote(writer.bytes))
        }
        for method in Methods.primary + Methods.secondary {
            entries.append("method_\(method.descriptor.method.lowercased())=" + quote([Op.call.code, Methods.code(method.descriptor)]))
        }
        return entries
    }

    static func write(to directory: String) {
        let folders: [Kind: String] = [.corpus: directory, .regression: directory + "/../GRPCRegressions"]
        for folder in folders.values {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for seed in all() {
            _ = FileManager.default.createFile(atPath: "\(folders[seed.kind]!)/\(seed.name).bin", contents: Data(seed.bytes))
        }
        let dictionary = "# libFuzzer dictionary for GRPCFuzzer, written by GRPC_FUZZ_WRITE_SEEDS (Sources/GRPCFuzzer).\n"
            + dictionary().joined(separator: "\n") + "\n"
        _ = FileManager.default.createFile(atPath: "\(directory)/../grpc.dict", contents: Data(dictionary.utf8))
        log("wrote \(all().count) seeds to \(directory) and ../GRPCRegressions, and the dictionary ../grpc.dict")
    }
}

// MARK: - libFuzzer entry points

let harness = Harness()

@_cdecl("LLVMFuzzerInitialize")
public func fuzzGRPCInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    if let directory = getenv("GRPC_FUZZ_WRITE_SEEDS") {
        Seeds.write(to: String(cString: directory))
        exit(0)
    }
    _ = harness
    // A clean exit deletes the last node's database from /dev/shm (a crash leaves it: the script cleans up).
    atexit { harness.retireNode() }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGRPCInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    harness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
