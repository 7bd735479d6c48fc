import EventStoreGRPC
import Foundation
import SwiftProtobuf
import Testing

/// Pins the gRPC wire contract: messages built with the generated types serialize to bytes written
/// here by hand, field by field (tag = field number << 3 | wire type), and decode back.
///
/// The expected bytes were also checked against `protoc --encode` run on the KurrentDB Rust
/// client's own .proto files, so a renumbered field or a changed type fails here.
@Suite struct WireContractTests {
    // MARK: Streams.Read requests

    @Test func filteredAllSubscriptionRequest() throws {
        var filter = EventStore_Client_Streams_ReadReq.Options.FilterOptions()
        filter.eventType = .with { $0.prefix = ["Order"] }
        filter.max = 32
        filter.checkpointIntervalMultiplier = 1000

        var options = EventStore_Client_Streams_ReadReq.Options()
        options.all = .with { $0.start = .init() }
        options.readDirection = .forwards
        options.resolveLinks = true
        options.subscription = .init()
        options.filter = filter
        options.uuidOption = .with { $0.string = .init() }
        options.controlOption = .with { $0.compatibility = 1 }
        let request = EventStore_Client_Streams_ReadReq.with { $0.options = options }

        let expected = hex("""
            0a 20                       options (1), 32 bytes
              12 02 12 00               all (2) { start (2) {} }
                                        read_direction (3) Forwards = 0: not written
              20 01                     resolve_links (4) true
              32 00                     subscription (6) {}
              3a 0e                     filter (7), 14 bytes
                12 07 12 05 4f72646572  event_type (2) { prefix (2) "Order" }
                18 20                   max (3) 32
                28 e8 07                checkpointIntervalMultiplier (5) 1000
              4a 02 12 00               uuid_option (9) { string (2) {} }
              52 02 08 01               control_option (10) { compatibility (1) 1 }
            """)
        try expectRoundTrip(request, expected)
    }

    @Test func backwardsStreamReadRequest() throws {
        let request = EventStore_Client_Streams_ReadReq.with {
            $0.options.stream = .with {
                $0.streamIdentifier = .with { $0.streamName = Data("orders-1".utf8) }
                $0.end = .init()
            }
            $0.options.readDirection = .backwards
            $0.options.count = 10
            $0.options.noFilter = .init()
            $0.options.uuidOption = .with { $0.structured = .init() }
        }
        let expected = hex("""
            0a 1a                               options (1), 26 bytes
              0a 0e                             stream (1), 14 bytes
                0a 0a 1a 08 6f72646572732d31    stream_identifier (1) { stream_name (3) "orders-1" }
                22 00                           end (4) {}
              18 01                             read_direction (3) Backwards = 1
              28 0a                             count (5) 10
              42 00                             no_filter (8) {}
              4a 02 0a 00                       uuid_option (9) { structured (1) {} }
            """)
        try expectRoundTrip(request, expected)
    }

    // MARK: Streams.Append

    @Test func appendRequestOptionsThenProposedMessage() throws {
        let options = EventStore_Client_Streams_AppendReq.with {
            $0.options = .with {
                $0.streamIdentifier = .with { $0.streamName = Data("orders-1".utf8) }
                $0.revision = 5
            }
        }
        try expectRoundTrip(options, hex("""
            0a 0e                               options (1), 14 bytes
              0a 0a 1a 08 6f72646572732d31      stream_identifier (1) { stream_name (3) "orders-1" }
              10 05                             revision (2) 5
            """))

        let event = EventStore_Client_Streams_AppendReq.with {
            $0.proposedMessage = .with {
                // A negative half pins int64 (ten-byte varint), not sint64 (zigzag).
                $0.id = .with { $0.structured = .with { $0.mostSignificantBits = -1; $0.leastSignificantBits = 2 } }
                $0.metadata = ["type": "OrderPlaced", "content-type": "application/json"]
                $0.data = Data(#"{"a":1}"#.utf8)
            }
        }
        try expectRoundTrip(event, hex("""
            12 51                                       proposed_message (2), 81 bytes
              0a 0f 0a 0d                               id (1) { structured (1), 13 bytes
                08 ffffffffffffffffff01                   most_significant_bits (1) -1
                10 02                                     least_significant_bits (2) 2 }
              12 20 0a 0c 636f6e74656e742d74797065      metadata (2) entry { key (1) "content-type"
                    12 10 6170706c69636174696f6e2f6a736f6e                value (2) "application/json" }
              12 13 0a 04 74797065                      metadata (2) entry { key (1) "type"
                    12 0b 4f72646572506c61636564                  value (2) "OrderPlaced" }
              22 07 7b2261223a317d                      data (4) {"a":1}
            """))
    }

    @Test func wrongExpectedVersionIsAResponseBody() throws {
        let bytes = hex("""
            12 08               wrong_expected_version (2), 8 bytes
              08 04             current_revision_20_6_0 (1) 4
              18 01             expected_revision_20_6_0 (3) 1
              30 04             current_revision (6) 4
              5a 00             expected_no_stream (11) {}
            """)
        let response = try EventStore_Client_Streams_AppendResp(serializedBytes: bytes)
        guard case .wrongExpectedVersion(let wrong)? = response.result else {
            Issue.record("expected wrong_expected_version, got \(String(describing: response.result))")
            return
        }
        #expect(wrong.currentRevision2060 == 4)
        #expect(wrong.expectedRevision2060 == 1)
        #expect(wrong.currentRevision == 4)
        #expect(wrong.expectedRevisionOption == .expectedNoStream(.init()))
        #expect(try serialize(response) == bytes)
    }

    // MARK: Streams.Read responses

    @Test func readResponseEvent() throws {
        let bytes = hex("""
            0a 46                                   event (1), 70 bytes
              0a 42                                 event (1) RecordedEvent, 66 bytes
                0a 26 12 24 3030313132323333 2d 34343535 2d 36363737 2d 38383939 2d 616162626363646465656666
                                                    id (1) { string (2) "00112233-4455-6677-8899-aabbccddeeff" }
                12 03 1a 01 73                      stream_identifier (2) { stream_name (3) "s" }
                18 03                               stream_revision (3) 3
                20 c8 01                            prepare_position (4) 200
                28 64                               commit_position (5) 100
                32 09 0a 04 74797065 12 01 54       metadata (6) { "type": "T" }
                42 01 78                            data (8) "x"
              18 64                                 commit_position (3) 100
            """)
        let response = try EventStore_Client_Streams_ReadResp(serializedBytes: bytes)
        guard case .event(let read)? = response.content else {
            Issue.record("expected an event, got \(String(describing: response.content))")
            return
        }
        #expect(read.event.id.string == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(read.event.streamIdentifier.streamName == Data("s".utf8))
        #expect(read.event.streamRevision == 3)
        #expect(read.event.preparePosition == 200)
        #expect(read.event.commitPosition == 100)
        #expect(read.event.metadata == ["type": "T"])
        #expect(read.event.data == Data("x".utf8))
        #expect(!read.hasLink)
        #expect(read.position == .commitPosition(100))
        #expect(try serialize(response) == bytes)
    }

    @Test func caughtUpKeepsAnExplicitZeroRevision() throws {
        // `optional int64 stream_revision = 2`: revision 0 is written, and told apart from absent.
        let bytes = hex("""
            42 0a                       caught_up (8), 10 bytes
              0a 06 08 80e2cfaa06       timestamp (1) { seconds (1) 1700000000 }
              10 00                     stream_revision (2) 0
            """)
        let response = try EventStore_Client_Streams_ReadResp(serializedBytes: bytes)
        guard case .caughtUp(let caughtUp)? = response.content else {
            Issue.record("expected caught_up, got \(String(describing: response.content))")
            return
        }
        #expect(caughtUp.timestamp.seconds == 1_700_000_000)
        #expect(caughtUp.hasStreamRevision && caughtUp.streamRevision == 0)
        #expect(!caughtUp.hasPosition)
        #expect(try serialize(response) == bytes)
        // An empty CaughtUp (servers before 25.1) is the two bytes 42 00.
        #expect(try serialize(EventStore_Client_Streams_ReadResp.with { $0.caughtUp = .init() }) == [0x42, 0x00])
    }

    // MARK: Streams.BatchAppend

    @Test func batchAppendErrorCarriesAPackedDetail() throws {
        let detail = EventStore_Client_WrongExpectedVersion.with {
            $0.currentStreamRevision = 4
            $0.expectedNoStream = .init()
        }
        let response = try EventStore_Client_Streams_BatchAppendResp.with {
            $0.correlationID = .with { $0.string = "c" }
            $0.error = try .with {
                $0.code = .alreadyExists
                $0.message = "WrongExpectedVersion"
                $0.details = try Google_Protobuf_Any(message: detail)
            }
            $0.streamIdentifier = .with { $0.streamName = Data("s".utf8) }
            $0.any = .init()
        }
        let typeURL = Array("type.googleapis.com/event_store.client.WrongExpectedVersion".utf8)
        let expected = hex("""
            0a 03 12 01 63              correlation_id (1) { string (2) "c" }
            12 5d                       error (2) google.rpc.Status, 93 bytes
              08 06                     code (1) ALREADY_EXISTS = 6
              12 14
            """) + Array("WrongExpectedVersion".utf8) + hex("""
              1a 43                     details (3) Any, 67 bytes (one Any, not repeated)
                0a 3b
            """) + typeURL + hex("""
                12 04 08 04 32 00       value (2) { current_stream_revision (1) 4, expected_no_stream (6) {} }
            22 03 1a 01 73              stream_identifier (4) { stream_name (3) "s" }
            3a 00                       any (7) {}
            """)
        #expect(try serialize(response) == expected)
        // An Any made from a message does not compare equal to one decoded from bytes, so compare parts.
        let decoded = try EventStore_Client_Streams_BatchAppendResp(serializedBytes: expected)
        #expect(decoded.correlationID == response.correlationID)
        #expect(decoded.error.code == .alreadyExists && decoded.error.message == "WrongExpectedVersion")
        #expect(decoded.error.details.typeURL == "type.googleapis.com/event_store.client.WrongExpectedVersion")
        #expect(try EventStore_Client_WrongExpectedVersion(unpackingAny: decoded.error.details) == detail)
        #expect(decoded.streamIdentifier == response.streamIdentifier)
        #expect(decoded.expectedStreamPosition == .any(.init()))
        #expect(try serialize(decoded) == expected)
    }

    // MARK: Persistent subscriptions

    @Test func persistentReadRequests() throws {
        try expectRoundTrip(EventStore_Client_PersistentSubscriptions_ReadReq.with {
            $0.options = .with {
                $0.all = .init()
                $0.groupName = "g"
                $0.bufferSize = 10
                $0.uuidOption = .with { $0.string = .init() }
            }
        }, hex("""
            0a 0b                   options (1), 11 bytes
              12 01 67              group_name (2) "g"
              18 0a                 buffer_size (3) 10
              22 02 12 00           uuid_option (4) { string (2) {} }
              2a 00                 all (5) {}: field 5, after 2-4
            """))
        try expectRoundTrip(EventStore_Client_PersistentSubscriptions_ReadReq.with {
            $0.nack = .with {
                $0.ids = [.with { $0.string = "x" }]
                $0.action = .park
                $0.reason = "bad"
            }
        }, hex("""
            1a 0c                   nack (3), 12 bytes
              12 03 12 01 78        ids (2) [{ string (2) "x" }]
              18 01                 action (3) Park = 1
              22 03 626164          reason (4) "bad"
            """))
    }

    @Test func persistentCreateForFilteredAll() throws {
        let request = EventStore_Client_PersistentSubscriptions_CreateReq.with {
            $0.options.groupName = "g"
            $0.options.all = .with {
                $0.start = .init()
                $0.filter = .with {
                    $0.streamIdentifier = .with { $0.regex = "^o" }
                    $0.count = .init()
                    $0.checkpointIntervalMultiplier = 2
                }
            }
            $0.options.settings = .with {
                $0.resolveLinks = true
                $0.messageTimeoutMs = 30_000
                $0.consumerStrategy = "RoundRobin"
            }
        }
        try expectRoundTrip(request, hex("""
            0a 28                               options (1), 40 bytes
              12 01 67                          group_name (2) "g"
              1a 13                             settings (3), 19 bytes
                08 01                           resolve_links (1) true
                70 b0ea01                       message_timeout_ms (14) 30000
                8201 0a 526f756e64526f62696e    consumer_strategy (16) "RoundRobin" (two-byte tag)
              2a 0e                             all (5), 14 bytes
                12 00                           start (2) {}
                22 0a                           filter (4), 10 bytes
                  0a 04 0a 02 5e6f              stream_identifier (1) { regex (1) "^o" }
                  22 00                         count (4) {}
                  28 02                         checkpointIntervalMultiplier (5) 2
            """))
    }

    // MARK: Gossip

    @Test func gossipClusterInfo() throws {
        let info = EventStore_Client_Gossip_ClusterInfo.with {
            $0.members = [.with {
                $0.instanceID = .with { $0.string = "00112233-4455-6677-8899-aabbccddeeff" }
                $0.timeStamp = 638_000_000_000_000_000
                $0.state = .leader
                $0.isAlive = true
                $0.httpEndPoint = .with { $0.address = "127.0.0.1"; $0.port = 2113 }
            }]
        }
        let expected = hex("""
            0a 46                               members (1), 70 bytes
              0a 26 12 24 3030313132323333 2d 34343535 2d 36363737 2d 38383939 2d 616162626363646465656666
                                                instance_id (1) { string (2) "00112233-…" }
              10 8080ccb5eab3a8ed08             time_stamp (2) 638000000000000000
              18 08                             state (3) Leader = 8
              20 01                             is_alive (4) true
              2a 0e                             http_end_point (5), 14 bytes
                0a 09 3132372e302e302e31        address (1) "127.0.0.1"
                10 c110                         port (2) 2113
            """)
        try expectRoundTrip(info, expected)
    }

    @Test func vNodeStateNumbers() {
        typealias State = EventStore_Client_Gossip_MemberInfo.VNodeState
        let states: [State] = [.initializing, .discoverLeader, .unknown, .preReplica, .catchingUp, .clone,
                               .follower, .preLeader, .leader, .manager, .shuttingDown, .shutdown,
                               .readOnlyLeaderless, .preReadOnlyReplica, .readOnlyReplica, .resigningLeader]
        #expect(states.map(\.rawValue) == Array(0...15))
    }

    // MARK: helpers

    private func serialize(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true  // map entries sorted by key
        return try message.serializedBytes(options: options)
    }

    private func expectRoundTrip<M: SwiftProtobuf.Message & Equatable>(
        _ message: M, _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let bytes = try serialize(message)
        #expect(bytes == expected, "got \(bytes.map { String(format: "%02x", $0) }.joined())",
                sourceLocation: sourceLocation)
        #expect(try M(serializedBytes: expected) == message, sourceLocation: sourceLocation)
    }
}

/// Bytes from hex pairs; everything from two spaces after a hex group to the line's end is a comment,
/// and so is any word that is not made of hex digits.
fileprivate func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        for word in line.split(separator: " ") {
            guard word.count.isMultiple(of: 2), word.allSatisfy(\.isHexDigit) else { break }
            var index = word.startIndex
            while index < word.endIndex {
                let next = word.index(index, offsetBy: 2)
                bytes.append(UInt8(word[index..<next], radix: 16)!)
                index = next
            }
        }
    }
    return bytes
}
