import EventStoreNode
import EventStoreTesting
import EventStoreWire
import Foundation
import Testing

/// Where EventStoreDB 23.10 behaves differently from what the node used to do (docs/node-fidelity.md):
/// metadata and `$settings` as the server reads them, deletes, links, idempotency, small replies.
@Suite struct FidelityTests {
    static let closedDefaults = """
        {"$userStreamAcl":{"$r":"$admins","$w":"$admins","$d":"$admins","$mr":"$admins","$mw":"$admins"}}
        """

    // MARK: $settings and metadata

    @Test func settingsCountWhateverTheirEventType() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            #expect(try await client.fill("before-acl", count: 1).result == .success)
            // The documented way to set default ACLs posts them as `update-default-acl`.
            let written = try await client.write(
                "$settings", events: [TCPTestClient.newEvent("update-default-acl", json: Self.closedDefaults)], credentials: admin)
            #expect(written.result == .success)
            #expect(try await client.fill("after-acl", count: 1).result == .accessDenied)
            #expect(try await client.readStream("before-acl", from: 0, count: 1).result == .accessDenied)
            #expect(try await client.fill("after-acl", count: 1, credentials: admin).result == .success)
        }
    }

    @Test func settingsOfAnyTypeApplyAfterARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-fidelity-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let first = try await EventStoreNodeServer.start(configuration)
        let client = try await first.connect()
        // Also a metastream whose last event is not JSON: after a restart (a cold load) it still voids.
        try await client.fill("cold-1", count: 3)
        _ = try await client.setMetadata("cold-1", json: #"{"$maxCount":1}"#)
        var binary = TCPTestClient.newEvent("$metadata", json: #"{"$maxCount":2}"#)
        binary.dataContentType = 0
        _ = try await client.write("$$cold-1", events: [binary])
        _ = try await client.write(
            "$settings", events: [TCPTestClient.newEvent("update-default-acl", json: Self.closedDefaults)], credentials: admin)
        await client.close()
        await first.shutdown()
        let second = try await EventStoreNodeServer.startAgain(configuration)
        let again = try await second.connect()
        #expect(try await again.fill("closed-after-restart", count: 1).result == .accessDenied)
        #expect(try await again.readStream("cold-1", from: 0, count: 10, credentials: admin).numbers == [0, 1, 2])
        await again.close()
        await second.shutdown()
    }

    @Test func metastreamsLastEventCountsOnlyWhenJSONAndNonEmpty() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("m-type", count: 5)
            // Any event type counts...
            _ = try await client.write("$$m-type", events: [TCPTestClient.newEvent("SomethingElse", json: #"{"$maxCount":2}"#)])
            #expect(try await client.readStream("m-type", from: 0, count: 10).numbers == [3, 4])
            // ...but a non-JSON last event voids the metadata.
            var binary = TCPTestClient.newEvent("$metadata", json: #"{"$maxCount":1}"#)
            binary.dataContentType = 0
            _ = try await client.write("$$m-type", events: [binary])
            #expect(try await client.readStream("m-type", from: 0, count: 10).numbers == [0, 1, 2, 3, 4])
            // ...and so does an empty one.
            _ = try await client.write("$$m-type", events: [TCPTestClient.newEvent("$metadata", json: #"{"$maxCount":1}"#)])
            #expect(try await client.readStream("m-type", from: 0, count: 10).numbers == [4])
            _ = try await client.write("$$m-type", events: [TCPTestClient.newEvent("$metadata", json: "")])
            #expect(try await client.readStream("m-type", from: 0, count: 10).numbers == [0, 1, 2, 3, 4])
        }
    }

    @Test(arguments: [
        (#"{"$maxCount":"2","$acl":{"$r":"$admins"}}"#, "a string where an integer belongs"),
        (#"{"$maxCount":2.5,"$acl":{"$r":"$admins"}}"#, "a float"),
        (#"{"$acl":{"$r":["$admins",1]}}"#, "a role that is not a string"),
        (#"{"$acl":{"$r":"$admins","$x":"y"}}"#, "an unknown $acl key"),
        (#"{"$tempStream":"yes","$acl":{"$r":"$admins"}}"#, "$tempStream not a boolean"),
        (#"{"$maxAge":9223372036854775807,"$acl":{"$r":"$admins"}}"#, "a $maxAge too large for a TimeSpan"),
        (#"[1,2]"#, "not an object"),
    ])
    func aWrongTypeVoidsTheWholeDocument(json: String, why: String) async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("void-1", count: 3)
            #expect(try await client.setMetadata("void-1", json: json).result == .success)
            // No ACL survives, so anonymous reads still work, and no $maxCount applies.
            let read = try await client.readStream("void-1", from: 0, count: 10)
            #expect(read.result == .success, "\(why)")
            #expect(read.numbers == [0, 1, 2], "\(why)")
        }
    }

    @Test func nonPositiveLimitsMeanNotSet() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("limits-1", count: 3)
            _ = try await client.setMetadata("limits-1", json: #"{"$maxCount":0,"$maxAge":-5,"$tb":-1,"$cacheControl":0}"#)
            #expect(try await client.readStream("limits-1", from: 0, count: 10).numbers == [0, 1, 2])
        }
    }

    // MARK: A hostile client cannot crash the node with metadata

    @Test(arguments: [
        #"{"$maxAge":9223372036854775807}"#, #"{"$maxAge":-9223372036854775808}"#, #"{"$maxAge":922337203685}"#,
        #"{"$maxCount":9223372036854775807}"#, #"{"$maxCount":-9223372036854775808}"#, #"{"$tb":9223372036854775806}"#,
    ])
    func extremeMetadataValuesDoNotCrashReads(json: String) async throws {
        try await withInMemoryNode(configure: SystemStreamTests.projecting) { node in
            let client = try await node.connect()
            try await client.fill("extreme-1", count: 3)
            #expect(try await client.setMetadata("extreme-1", json: json).result == .success)
            let forward = try await client.readStream("extreme-1", from: 0, count: 10)
            #expect(forward.result == .success)
            _ = try await client.readStream("extreme-1", from: -1, count: 10, forward: false)
            _ = try await client.readStream("extreme-1", from: Int64.max - 1, count: 4096)
            _ = try await client.readStream("extreme-1", from: Int64.max, count: 4096, forward: false)
            _ = try await client.readEvent("extreme-1", -1)
            _ = try await client.readEvent("$ce-extreme", 0, resolve: true)
            // Still alive for everyone else.
            #expect(try await client.fill("extreme-other", count: 1).result == .success)
        }
    }

    // MARK: Deletes

    @Test func softDeleteWritesOnlyTheTruncation() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("sd-1", count: 2)
            _ = try await client.setMetadata("sd-1", json: #"{"$maxCount":5,"custom":"x","$acl":{"$r":"$all"}}"#)
            #expect(try await client.delete("sd-1", hard: false).result == .success)
            #expect(try await client.readEvent("$$sd-1", -1).event.event.json == #"{"$tb":9223372036854775807}"#)
            // Recreating by a write rewrites that raw JSON with $tb = last + 1.
            #expect(try await client.fill("sd-1", count: 1).firstEventNumber == 2)
            #expect(try await client.readEvent("$$sd-1", -1).event.event.json == #"{"$tb":2}"#)
        }
    }

    @Test func writingMetadataToASoftDeletedStreamUndeletesItKeepingOldEventsHidden() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("sd-2", count: 3)
            _ = try await client.delete("sd-2", hard: false)
            #expect(try await client.setMetadata("sd-2", json: #"{"owner":"me"}"#).result == .success)
            // The delete (0), the user's body (1), then the server's rewrite of it (2).
            let meta = try await client.readEvent("$$sd-2", -1)
            #expect(meta.event.event.eventNumber == 2)
            #expect(meta.event.event.json == #"{"owner":"me","$tb":3}"#)
            let read = try await client.readStream("sd-2", from: 0, count: 10)
            #expect(read.result == .success && read.events.isEmpty && read.lastEventNumber == 2)
            #expect(try await client.fill("sd-2", count: 1).firstEventNumber == 3)
            #expect(try await client.readStream("sd-2", from: 0, count: 10).numbers == [3])
        }
    }

    @Test func aHardDeletedStreamsMetastreamIsDeletedToo() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("hd-1", count: 1)
            _ = try await client.setMetadata("hd-1", json: #"{"k":1}"#)
            _ = try await client.delete("hd-1", hard: true)
            #expect(try await client.readEvent("$$hd-1", -1).result == .streamDeleted)
            #expect(try await client.readStream("$$hd-1", from: 0, count: 10).result == .streamDeleted)
            #expect(try await client.setMetadata("hd-1", json: #"{"k":2}"#).result == .streamDeleted)
        }
    }

    @Test func nobodyDeletesAMetastream() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            _ = try await client.setMetadata("md-1", json: #"{"k":1}"#)
            #expect(try await client.delete("$$md-1", hard: false, credentials: admin).result == .accessDenied)
            #expect(try await client.delete("$$md-1", hard: true, credentials: admin).result == .accessDenied)
        }
    }

    @Test func softDeletingANeverCreatedStreamIsAWrongExpectedVersion() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let reply = try await client.delete("never-1", hard: false)
            #expect(reply.result == .wrongExpectedVersion)
            #expect(!reply.hasCurrentVersion)
            let success = try await client.delete("never-1", hard: true)
            #expect(success.result == .success && !success.hasCurrentVersion)
        }
    }

    @Test func theTombstoneIsPushedAndIsNotJSON() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            try await subscriber.identify()
            let writer = try await node.connect()
            try await writer.fill("tomb-1", count: 1)
            let (streamID, _) = try await SubscriptionTests.subscribe(subscriber, "tomb-1")
            let (allID, _) = try await SubscriptionTests.subscribe(subscriber, "", credentials: admin)
            _ = try await writer.delete("tomb-1", hard: true)
            let pushed = try await SubscriptionTests.nextEvent(subscriber, streamID).event
            #expect(pushed.eventType == "$streamDeleted" && pushed.eventNumber == Int64.max && pushed.dataContentType == 0)
            let onAll = try await SubscriptionTests.nextEvent(subscriber, allID).event
            #expect(onAll.eventType == "$streamDeleted" && onAll.dataContentType == 0)
            let page = try await writer.readAll(commit: -1, prepare: -1, count: 1, forward: false)
            #expect(page.events.first?.event.eventType == "$streamDeleted")
            #expect(page.events.first?.event.dataContentType == 0)
        }
    }

    // MARK: Links

    @Test func linksResolveWithoutCheckingTheTargetsACL() async throws {
        try await withInMemoryNode(configure: { $0.users.append(NodeUser(login: "carol", password: "pw")) }) { node in
            let client = try await node.connect()
            let carol = TCPCredentials.password(login: "carol", password: "pw")
            try await client.fill("secret-1", count: 1)
            _ = try await client.setMetadata("secret-1", json: #"{"$acl":{"$r":"$admins"}}"#)
            _ = try await client.write("links-1", events: [TCPTestClient.newEvent("$>", json: "0@secret-1")])
            #expect(try await client.readStream("secret-1", from: 0, count: 1, credentials: carol).result == .accessDenied)
            let read = try await client.readStream("links-1", from: 0, count: 1, resolve: true, credentials: carol)
            #expect(read.events.first?.hasLink == true)
            #expect(read.events.first?.event.eventStreamID == "secret-1")
        }
    }

    @Test func unreadableAndMalformedLinks() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("target-1", count: 3)
            _ = try await client.setMetadata("target-1", json: #"{"$tb":2}"#)
            let links = ["0@target-1", "9@target-1", "2@target-1", "x@target-1", "5", "0@nowhere"]
            _ = try await client.write("links-2", events: links.map { TCPTestClient.newEvent("$>", json: $0) })
            let read = try await client.readStream("links-2", from: 0, count: 10, resolve: true)
            let shapes = read.events.map { ($0.hasEvent ? $0.event.eventStreamID : "-") + "|" + ($0.hasLink ? "link" : "-") }
            // Truncated, missing and unknown targets give the link alone; a number that does not
            // parse gives the record as an event; no `@` gives the link alone.
            #expect(shapes == ["-|link", "-|link", "target-1|link", "links-2|-", "-|link", "-|link"])
        }
    }

    // MARK: Idempotency

    @Test func anyIsDecidedByTheFirstEventID() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let (a, b, c) = (UUID(), UUID(), UUID())
            let first = try await client.write("idem-1", events: [TCPTestClient.newEvent(id: a), TCPTestClient.newEvent(id: b)])
            #expect(first.firstEventNumber == 0 && first.lastEventNumber == 1)
            // First id unknown: everything is written, even the known one.
            let written = try await client.write("idem-1", events: [TCPTestClient.newEvent(id: c), TCPTestClient.newEvent(id: a)])
            #expect(written.result == .success && written.firstEventNumber == 2 && written.lastEventNumber == 3)
            // First id known, a later one unknown: conflict.
            let conflict = try await client.write("idem-1", events: [TCPTestClient.newEvent(id: b), TCPTestClient.newEvent()])
            #expect(conflict.result == .wrongExpectedVersion)
            // All known: idempotent, first/last from the first and last ids.
            let again = try await client.write("idem-1", events: [TCPTestClient.newEvent(id: a), TCPTestClient.newEvent(id: b)])
            #expect(again.result == .success)
        }
    }

    // MARK: Requests the server refuses

    @Test(arguments: [Int64(-3), -5, -100])
    func invalidExpectedVersionsAreBadRequests(expected: Int64) async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var request = ESWriteEvents()
            request.eventStreamID = "ev-1"
            request.expectedVersion = expected
            request.events = [TCPTestClient.newEvent()]
            let reply = try await client.request(TCPPackage(command: .writeEvents, correlationID: UUID(), message: request))
            #expect(reply.command == .badRequest)
            var delete = ESDeleteStream()
            delete.eventStreamID = "ev-1"
            delete.expectedVersion = expected
            let deleted = try await client.request(TCPPackage(command: .deleteStream, correlationID: UUID(), message: delete))
            #expect(deleted.command == .badRequest)
            #expect(try await client.readStream("ev-1", from: 0, count: 1).result == .noStream)
        }
    }

    @Test func emptyStreamIDsAreBadRequests() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var request = ESWriteEvents()
            request.eventStreamID = ""
            request.expectedVersion = -2
            request.events = [TCPTestClient.newEvent()]
            #expect(try await client.request(TCPPackage(command: .writeEvents, correlationID: UUID(), message: request)).command
                == .badRequest)
            var delete = ESDeleteStream()
            delete.eventStreamID = ""
            delete.expectedVersion = -2
            #expect(try await client.request(TCPPackage(command: .deleteStream, correlationID: UUID(), message: delete)).command
                == .badRequest)
            var start = ESTransactionStart()
            start.eventStreamID = ""
            start.expectedVersion = -2
            #expect(try await client.request(TCPPackage(command: .transactionStart, correlationID: UUID(), message: start)).command
                == .badRequest)
        }
    }

    @Test func unsubscribingAnUnknownIDGetsNoReply() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            let unknown = UUID()
            try await client.send(TCPPackage(command: .unsubscribeFromStream, correlationID: unknown))
            // A ping sent after it comes back first and alone.
            let ping = try await client.request(TCPPackage(command: .ping, correlationID: UUID()))
            #expect(ping.command == .pong)
            await #expect(throws: (any Error).self) { try await client.receive(id: unknown, timeout: .milliseconds(300)) }
        }
    }

    @Test func anUnsubscribeWhileTheSubscribeIsAuthorizedWins() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            for _ in 0..<20 {
                var request = ESSubscribeToStream()
                request.eventStreamID = "race-1"
                let id = UUID()
                // Both in one write: the unsubscribe reaches the node before the subscribe is authorized.
                try await client.send(TCPPackage(command: .subscribeToStream, correlationID: id, message: request))
                try await client.send(TCPPackage(command: .unsubscribeFromStream, correlationID: id))
                let first = try await client.receive(id: id)
                if first.command == .subscriptionConfirmation {
                    #expect(try await client.receive(id: id).command == .subscriptionDropped)
                } else {
                    #expect(first.command == .subscriptionDropped)
                }
            }
            #expect(await eventually(timeout: .seconds(10)) { node.subscriptionCount == 0 })
        }
    }

    @Test func aDeniedFilteredReadIsAnsweredWithTheUnfilteredReply() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var request = ESFilteredReadAllEvents()
            request.commitPosition = 0
            request.preparePosition = 0
            request.maxCount = 10
            request.filter.context = .eventType
            request.filter.type = .prefix
            request.filter.data = ["x"]
            for (command, reply) in [(TCPCommand.filteredReadAllEventsForward, TCPCommand.readAllEventsForwardCompleted),
                                     (.filteredReadAllEventsBackward, .readAllEventsBackwardCompleted)] {
                let answer = try await client.request(TCPPackage(command: command, correlationID: UUID(), message: request))
                #expect(answer.command == reply)
                #expect(try answer.decodeMessage(as: ESReadAllEventsCompleted.self).result == .accessDenied)
            }
        }
    }

    @Test func checkpointIntervalZeroMeansEveryEvent() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            let writer = try await node.connect()
            let (id, confirmation) = try await subscriber.subscribeFiltered(.eventType, .prefix, ["Wanted"], checkpointInterval: 0)
            #expect(confirmation.command == .subscriptionConfirmation)
            try await writer.fill("cp-1", count: 2)
            #expect(try await subscriber.receive(id: id).command == .checkpointReached)
        }
    }

    // MARK: Persistent subscriptions

    @Test func persistentGroupsAsTheServerRunsThem() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.fill("pg-1", count: 3)
            #expect(try await client.createGroup(PersistentSubscriptionTests.settings("pg-1", "")).result == .success,
                    "an empty group name is accepted")
            #expect(try await client.createGroup(PersistentSubscriptionTests.settings("pg-1", "g")).result == .success)
            // Anonymous consumers are refused.
            let anonymous = try await client.request(
                TCPPackage(command: .connectToPersistentSubscription, correlationID: UUID(), message: {
                    var request = ESConnectToPersistentSubscription()
                    request.eventStreamID = "pg-1"
                    request.subscriptionID = "g"
                    request.allowedInFlightMessages = 10
                    return request
                }()))
            #expect(try anonymous.decodeMessage(as: ESSubscriptionDropped.self).reason == .accessDenied)
            // Nak with Stop finishes the message like Skip: it is not delivered again.
            let consumer = try await node.connect()
            let (id, confirmation) = try await consumer.connectGroup("pg-1", "g", allowed: 10)
            let first = try await consumer.nextPersistentEvent(id)
            try await consumer.nak(confirmation.subscriptionID, id: id, [first.event.event.eventID], action: .stop)
            let second = try await consumer.nextPersistentEvent(id)
            #expect(second.event.event.eventNumber == 1)
            // Update drops the consumers with Unsubscribed; the group restarts from its checkpoint
            // (none yet), so the in-flight message 1 is delivered again.
            #expect(try await client.updateGroup(PersistentSubscriptionTests.settings("pg-1", "g")).result == .success)
            let dropped = try await consumer.receive(id: id)
            #expect(try dropped.decodeMessage(as: ESSubscriptionDropped.self).reason == .unsubscribed)
            let (again, _) = try await consumer.connectGroup("pg-1", "g", allowed: 10)
            #expect(try await consumer.nextPersistentEvent(again).event.event.eventNumber == 0)
            #expect(try await consumer.nextPersistentEvent(again).event.event.eventNumber == 1)
        }
    }

    @Test func theGroupConfigurationIsStoredAs2310WritesIt() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            var settings = PersistentSubscriptionTests.settings("cfg-1", "g", startFrom: 5)
            settings.resolveLinkTos = true
            #expect(try await client.createGroup(settings).result == .success)
            let stored = try await client.readEvent("$persistentSubscriptionConfig", -1, credentials: admin).event.event
            #expect(stored.eventType == "$PersistentConfig")
            let json = try JSONValue(parsing: Array(stored.data))
            #expect(json["version"] == .string("2"))
            #expect(json["updatedBy"] == .string("admin"))
            guard case .array(let entries)? = json["entries"], let entry = entries.first else {
                Issue.record("no entries in \(stored.json)")
                return
            }
            #expect(entry["stream"] == .string("cfg-1") && entry["group"] == .string("g"))
            #expect(entry["startPosition"] == .string("5"))
            #expect(entry["resolveLinkTos"] == .bool(true))
            #expect(entry["historyBufferSize"] == .int(500))
            #expect(entry["namedConsumerStrategy"] == .string("RoundRobin"))
            #expect(entry["maxSubscriberCount"] == nil, "zero is left out, as the server's serializer does")
            #expect(entry["extraStatistics"] == nil, "false is left out")
        }
    }

    @Test func parkedLinksPointAtTheDeliveredEventAndDeleteRemovesTheGroupsStreams() async throws {
        try await withInMemoryNode(configure: SystemStreamTests.projecting) { node in
            let client = try await node.connect()
            try await client.fill("park-1", count: 1)
            _ = try await SystemStreamTests.readWhenLinked(client, "$ce-park", count: 1)
            var settings = PersistentSubscriptionTests.settings("$ce-park", "g")
            settings.resolveLinkTos = true
            #expect(try await client.createGroup(settings).result == .success)
            let consumer = try await node.connect()
            let (id, confirmation) = try await consumer.connectGroup("$ce-park", "g", allowed: 10)
            let delivered = try await consumer.nextPersistentEvent(id)
            #expect(delivered.event.event.eventStreamID == "park-1")
            try await consumer.nak(confirmation.subscriptionID, id: id, [delivered.event.link.eventID], action: .park)
            let parked = try await SystemStreamTests.readWhenLinked(client, "$persistentsubscription-$ce-park::g-parked", count: 1)
            #expect(parked.events.map(\.event.json) == ["0@park-1"], "a link to the resolved event, not to the $ce- link")
            #expect(try await client.deleteGroup("$ce-park", "g").result == .success)
            for stream in ["$persistentsubscription-$ce-park::g-parked", "$persistentsubscription-$ce-park::g-checkpoint"] {
                #expect(try await client.readStream(stream, from: 0, count: 10, credentials: admin).result == .noStream)
            }
        }
    }

    /// As 20.10–23.10: a live subscription is authorized when it starts, not again when the ACL changes.
    @Test func anACLChangeDoesNotDropALiveSubscription() async throws {
        try await withInMemoryNode { node in
            let subscriber = try await node.connect()
            let (id, _) = try await SubscriptionTests.subscribe(subscriber, "acl-live-1")
            let writer = try await node.connect()
            _ = try await writer.setMetadata("acl-live-1", json: #"{"$acl":{"$r":"$admins"}}"#, credentials: admin)
            try await writer.fill("acl-live-1", count: 1, credentials: admin)
            let next = try await subscriber.receive(id: id)
            #expect(next.command == .streamEventAppeared)
        }
    }

    // MARK: Transactions

    @Test func transactionStepsAreAuthorizedForTheirOwnCaller() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            _ = try await client.setMetadata("tx-secure", json: #"{"$acl":{"$w":"$admins"}}"#, credentials: admin)
            var start = ESTransactionStart()
            start.eventStreamID = "tx-secure"
            start.expectedVersion = -2
            let started = try await client.request(.transactionStart, message: start, credentials: admin,
                                                   as: ESTransactionStartCompleted.self)
            #expect(started.result == .success)
            // An anonymous client that guesses the id may neither write into nor commit it.
            var write = ESTransactionWrite()
            write.transactionID = started.transactionID
            write.events = [TCPTestClient.newEvent()]
            #expect(try await client.request(.transactionWrite, message: write, as: ESTransactionWriteCompleted.self).result
                == .accessDenied)
            var commit = ESTransactionCommit()
            commit.transactionID = started.transactionID
            #expect(try await client.request(.transactionCommit, message: commit, as: ESTransactionCommitCompleted.self).result
                == .accessDenied)
            // The owner still can.
            #expect(try await client.request(.transactionWrite, message: write, credentials: admin,
                                             as: ESTransactionWriteCompleted.self).result == .success)
            #expect(try await client.request(.transactionCommit, message: commit, credentials: admin,
                                             as: ESTransactionCommitCompleted.self).result == .success)
            #expect(try await client.readStream("tx-secure", from: 0, count: 10).numbers == [0])
        }
    }

    @Test func openTransactionsAreBounded() async throws {
        try await withInMemoryNode(configure: {
            $0.transactionLimits.count = 2
            $0.transactionLimits.bytes = 4_096
        }) { node in
            let client = try await node.connect()
            var ids: [Int64] = []
            for _ in 0..<2 { ids.append(try await TransactionTests.start(client, "tx-bound", expected: -2).transactionID) }
            let third = try await TransactionTests.start(client, "tx-bound", expected: -2)
            #expect(third.result == .invalidTransaction)
            #expect(third.message.contains("Too many open transactions"))
            // Growing past the byte limit ends the transaction.
            var big = ESTransactionWrite()
            big.transactionID = ids[0]
            big.events = [TCPTestClient.newEvent(json: "\"" + String(repeating: "x", count: 5_000) + "\"")]
            let refused = try await client.request(.transactionWrite, message: big, as: ESTransactionWriteCompleted.self)
            #expect(refused.result == .invalidTransaction)
            #expect(try await TransactionTests.commit(client, ids[0]).result == .accessDenied)
            // Its slot is free again.
            #expect(try await TransactionTests.start(client, "tx-bound", expected: -2).result == .success)
        }
    }

    // MARK: Small reply details

    @Test func replyDetailsAsTheServerSendsThem() async throws {
        try await withInMemoryNode { node in
            let client = try await node.connect()
            try await client.identify()
            try await client.fill("details-1", count: 3)
            _ = try await client.delete("details-1", hard: false)
            let soft = try await client.readStream("details-1", from: 0, count: 10)
            #expect(soft.result == .noStream && soft.lastEventNumber == 2, "a soft-deleted stream reports its real last number")
            // A read of $all from (-1, -1) echoes the writer checkpoint: just after the last record.
            let last = try await client.readAll(commit: -1, prepare: -1, count: 1, forward: false)
            let end = try await client.readAll(commit: -1, prepare: -1, count: 1, forward: true)
            #expect(end.commitPosition > last.events[0].commitPosition)
            #expect(end.commitPosition == last.commitPosition)
            // current_version is -1 for StreamDeleted and AccessDenied.
            try await client.fill("details-2", count: 1)
            _ = try await client.delete("details-2", hard: true)
            let deleted = try await client.write("details-2", events: [TCPTestClient.newEvent()])
            #expect(deleted.result == .streamDeleted && deleted.currentVersion == -1)
            let denied = try await client.write("$details", events: [TCPTestClient.newEvent()])
            #expect(denied.result == .accessDenied && denied.currentVersion == -1)
        }
    }

    // MARK: A fresh database

    @Test func aFreshDatabaseHoldsWhatAFreshServerWritesFirst() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("esdb-fresh-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NodeConfiguration.durable(in: directory)
        let first = try await EventStoreNodeServer.start(configuration)
        let client = try await first.connect()
        let all = try await client.readAll(commit: 0, prepare: 0, count: 100)
        #expect(all.events.map(\.event.eventStreamID) == [
            "$$$user-admin", "$user-admin", "$users", "$$$user-ops", "$user-ops", "$users", "$$$scavenges",
        ])
        let created = try await client.readEvent("$user-admin", 0, credentials: admin).event.event
        #expect(created.eventType == "$UserCreated")
        let json = try JSONValue(parsing: Array(created.data))
        guard case .string(let hash)? = json["hash"], case .string(let salt)? = json["salt"] else {
            Issue.record("no hash and salt in \(created.json)")
            return
        }
        #expect(PasswordHash(hash: hash, salt: salt).verifies("changeit"))
        #expect(!PasswordHash(hash: hash, salt: salt).verifies("wrong"))
        #expect(json["groups"] == .array([.string("$admins")]))
        let users = try await client.readStream("$users", from: 0, count: 10, credentials: admin)
        #expect(users.events.map(\.event.json) == ["admin", "ops"])
        await client.close()
        await first.shutdown()
        // Only once: a restart finds the log not empty.
        let second = try await EventStoreNodeServer.start(configuration)
        let again = try await second.connect()
        #expect(try await again.readAll(commit: 0, prepare: 0, count: 100).events.count == 7)
        await again.close()
        await second.shutdown()
    }

    @Test func passwordHashesAreTheServersPBKDF2() {
        // Expected value from Python's hashlib.pbkdf2_hmac("sha1", b"changeit", bytes([7] * 16), 1000, 20).
        let hashed = PasswordHash(password: "changeit", salt: Array(repeating: 7, count: 16))
        #expect(hashed.hash == "g7T5JHuZksz+JRm0DZfqGcY7vpo=")
        #expect(Data(base64Encoded: hashed.hash)?.count == 20)
        #expect(Data(base64Encoded: hashed.salt)?.count == 16)
        #expect(hashed.verifies("changeit"))
        #expect(PasswordHash(password: "changeit").hash != PasswordHash(password: "changeit").hash, "salted")
    }
}
