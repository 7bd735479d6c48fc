@testable import EventStoreClient
import EventStoreWire
import Foundation
import NIOCore
import Testing

/// `OperationTable`: the correlation table and retry rules of docs/protocol.md §4.4, driven with
/// time passed in and a scripted handler.
@Suite struct OperationTableTests {
    // MARK: Queueing and ids

    @Test func queuedWhileDisconnectedAndSentInSubmissionOrderOnConnect() throws {
        let h = TableHarness()
        let credentials = TCPCredentials.password(login: "admin", password: "changeit")
        let a = FakeOperationHandler(), b = FakeOperationHandler(), c = FakeOperationHandler()
        h.enqueue(.readEvent, payload: [1], a)
        #expect(h.actions.isEmpty)
        h.enqueue(.writeEvents, payload: [2, 2], credentials: credentials, b, at: 10)
        #expect(h.actions.isEmpty)
        h.enqueue(.deleteStream, payload: [3], c, at: 20)
        #expect(h.actions.isEmpty)
        #expect(h.snapshots(at: 30).map(\.state) == ["queued", "queued", "queued"])
        #expect(h.snapshots(at: 30).map(\.age) == [.milliseconds(30), .milliseconds(20), .milliseconds(10)])

        h.connect(at: 40)
        #expect(h.actions.count == 3)
        #expect(h.sent.map(\.command) == [.readEvent, .writeEvents, .deleteStream])
        #expect(h.sent.map { Array($0.payload.readableBytesView) } == [[1], [2, 2], [3]])
        #expect(h.sent.map(\.credentials) == [nil, credentials, nil])
        #expect(h.sent[1].flags.contains(.authenticated))
        #expect(Set(h.sent.map(\.correlationID)).count == 3)
        #expect(!h.sent.map(\.correlationID).contains(.zero))
        #expect(h.snapshots(at: 40).map(\.state) == ["sent", "sent", "sent"])
        #expect(h.snapshots(at: 40).map(\.correlationID) == h.sent.map(\.correlationID))

        // Once connected, a submission goes out at once.
        let d = FakeOperationHandler()
        h.enqueue(.readStreamEventsForward, d, at: 50)
        #expect(h.sent.map(\.command) == [.readStreamEventsForward])
        #expect(h.table.count == 4)
    }

    @Test func everyAttemptGetsANewCorrelationID() throws {
        let h = TableHarness()
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(handler)
        let first = try #require(h.sent.first).correlationID

        // Retry after NotHandled.
        #expect(h.receive(Reply.notHandled(first, .tooBusy), at: 5))
        #expect(h.retried == [.init(.readEvent, 2, "server too busy")])
        let second = try #require(h.sent.first).correlationID

        // Retry after a reconnection.
        h.lose("boom")
        #expect(h.retried == [.init(.readEvent, 3, "connection lost: boom")])
        #expect(h.sent.isEmpty)
        h.connect(at: 10)
        let third = try #require(h.sent.first).correlationID

        // Retry after a timeout.
        h.tick(at: 10 + 7_000)
        let fourth = try #require(h.sent.first).correlationID

        #expect(Set([first, second, third, fourth]).count == 4)
        #expect(h.snapshots(at: 7_010).first?.attempt == 4)
        #expect(h.snapshots(at: 7_010).first?.correlationID == fourth)
        #expect(handler.replies.isEmpty)
        #expect(handler.failures.isEmpty)
    }

    // MARK: NotHandled and the generic replies

    @Test(arguments: [ESNotHandled.NotHandledReason.notReady, .tooBusy])
    func notReadyAndTooBusyAreRetried(_ reason: ESNotHandled.NotHandledReason) throws {
        let h = TableHarness()
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(.writeEvents, handler)
        let first = try #require(h.sent.first)
        h.receive(Reply.notHandled(first.correlationID, reason))
        #expect(h.retried.map(\.attempt) == [2])
        #expect(h.retried.map(\.reason) == [reason == .notReady ? "server not ready" : "server too busy"])
        let resent = try #require(h.sent.first)
        #expect(resent.command == .writeEvents)
        #expect(resent.payload == first.payload)
        #expect(resent.correlationID != first.correlationID)
        // The generic rules answer NotHandled; the handler never sees it.
        #expect(handler.replies.isEmpty)
        #expect(handler.failures.isEmpty)
        #expect(h.table.count == 1)
    }

    @Test func notLeaderReconnectsToTheLeaderAndResendsAfterReconnecting() throws {
        let h = TableHarness()
        let redirected = FakeOperationHandler(), bystander = FakeOperationHandler()
        h.connect()
        h.enqueue(.writeEvents, payload: [7], redirected)
        let original = try #require(h.sent.first).correlationID
        h.enqueue(.readEvent, bystander, at: 1)
        let bystanderID = try #require(h.sent.first).correlationID

        h.receive(Reply.notHandled(original, .notLeader, leader: Reply.leader(tcp: ("10.0.0.9", 1113))), at: 2)
        #expect(h.retried == [.init(.writeEvents, 2, "not leader")])
        #expect(h.reconnects == [Endpoint(host: "10.0.0.9", port: 1113)])
        #expect(h.sent.isEmpty, "not re-sent to the node that refused it")
        #expect(h.snapshots(at: 2).map(\.state) == ["queued", "sent"])

        // The driver closes the connection: the bystander is retried, the redirected one is not charged twice.
        h.lose("redirected")
        #expect(h.retried == [.init(.readEvent, 2, "connection lost: redirected")])
        h.connect(at: 3)
        #expect(h.sent.map(\.command) == [.writeEvents, .readEvent], "original submission order")
        #expect(Array(h.sent[0].payload.readableBytesView) == [7])
        #expect(!h.sent.map(\.correlationID).contains(original))
        #expect(!h.sent.map(\.correlationID).contains(bystanderID))
        #expect(h.snapshots(at: 3).map(\.attempt) == [2, 2])

        h.receive(Reply.completed(h.sent[0].correlationID, .writeEventsCompleted), at: 4)
        #expect(redirected.replies.map(\.command) == [.writeEventsCompleted])
        #expect(redirected.failures.isEmpty)
        #expect(h.table.count == 1)
    }

    @Test func notLeaderUsesTheSecureEndpointWhenOnlyThatIsAdvertised() throws {
        let h = TableHarness()
        h.connect()
        h.enqueue(FakeOperationHandler())
        let id = try #require(h.sent.first).correlationID
        h.receive(Reply.notHandled(id, .notLeader, leader: Reply.leader(secureTCP: ("leader.example", 1115))))
        #expect(h.reconnects == [Endpoint(host: "leader.example", port: 1115)])
    }

    @Test(arguments: [false, true])
    func notLeaderPicksThePlainOrSecureEndpointByTheConnectionsTLS(useTLS: Bool) throws {
        let h = TableHarness(.init(useTLS: useTLS))
        h.connect()
        h.enqueue(FakeOperationHandler())
        let id = try #require(h.sent.first).correlationID
        h.receive(Reply.notHandled(id, .notLeader, leader: Reply.leader(tcp: ("10.0.0.9", 1113), secureTCP: ("10.0.0.9", 1115))))
        #expect(h.reconnects == [Endpoint(host: "10.0.0.9", port: useTLS ? 1115 : 1113)])
    }

    @Test func notLeaderWithoutLeaderInfoFails() throws {
        let h = TableHarness()
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(handler)
        let id = try #require(h.sent.first).correlationID
        h.receive(Reply.notHandled(id, .notLeader))
        #expect(h.reconnects.isEmpty)
        #expect(handler.failureCodes == [.protocolViolation])
        #expect(h.table.count == 0)
    }

    @Test func isReadOnlyFails() throws {
        let h = TableHarness()
        let handler = FakeOperationHandler(isWrite: true)
        h.connect()
        h.enqueue(.writeEvents, handler)
        let id = try #require(h.sent.first).correlationID
        h.receive(Reply.notHandled(id, .isReadOnly, leader: Reply.leader(tcp: ("10.0.0.9", 1113))))
        #expect(h.actions.isEmpty)
        #expect(handler.failureCodes == [.isReadOnly])
        #expect(handler.replies.isEmpty)
        #expect(h.table.count == 0)
    }

    @Test func notAuthenticatedFailsWithTheServersText() throws {
        let h = TableHarness()
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(handler)
        let id = try #require(h.sent.first).correlationID
        h.receive(Reply.text(.notAuthenticated, id, "Not Authenticated"))
        #expect(handler.failureCodes == [.notAuthenticated])
        #expect(handler.failures.first?.message.contains("Not Authenticated") == true)
        #expect(handler.replies.isEmpty)
        #expect(h.table.count == 0)
    }

    @Test func badRequestFailsWithTheServersText() throws {
        let h = TableHarness()
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(.writeEvents, handler)
        let id = try #require(h.sent.first).correlationID
        h.receive(Reply.text(.badRequest, id, "Could not unwrap network package for command WriteEvents."))
        #expect(handler.failureCodes == [.badRequest])
        #expect(handler.failures.first?.message.contains("Could not unwrap network package for command WriteEvents.") == true)
        #expect(h.table.count == 0)
    }

    @Test func handlerDecisionsAreApplied() throws {
        let h = TableHarness()
        let error = EventStoreClientError(.wrongExpectedVersion, "stream s is at 4")
        let failing = FakeOperationHandler([.fail(error)])
        let retrying = FakeOperationHandler([.retry(reason: "CommitTimeout"), .complete])
        h.connect()
        h.enqueue(.writeEvents, failing)
        let failingID = try #require(h.sent.first).correlationID
        h.enqueue(.writeEvents, retrying)
        let retryingID = try #require(h.sent.first).correlationID

        h.receive(Reply.completed(failingID, .writeEventsCompleted))
        #expect(failing.failures == [error])
        #expect(failing.replies.count == 1)

        h.receive(Reply.completed(retryingID, .writeEventsCompleted))
        #expect(h.retried == [.init(.writeEvents, 2, "CommitTimeout")])
        let retryID = try #require(h.sent.first).correlationID
        h.receive(Reply.completed(retryID, .writeEventsCompleted))
        #expect(retrying.replies.map(\.correlationID) == [retryingID, retryID])
        #expect(retrying.failures.isEmpty)
        #expect(h.table.count == 0)
    }

    // MARK: Unknown ids

    @Test func repliesForUnknownOrRetiredIDsAreIgnored() throws {
        let h = TableHarness()
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(handler)
        let first = try #require(h.sent.first).correlationID
        h.tick(at: 7_000)  // timed out: retried with a new id
        let second = try #require(h.sent.first).correlationID

        // The late reply to the first attempt belongs to nobody any more.
        #expect(!h.receive(Reply.completed(first), at: 7_001))
        #expect(h.actions.isEmpty)
        #expect(!h.receive(Reply.notHandled(first, .notLeader, leader: Reply.leader(tcp: ("x", 1))), at: 7_002))
        #expect(h.actions.isEmpty)
        #expect(!h.receive(Reply.completed(UUID()), at: 7_003))
        #expect(handler.replies.isEmpty)
        #expect(h.table.count == 1)

        #expect(h.receive(Reply.completed(second), at: 7_004))
        #expect(handler.replies.map(\.correlationID) == [second])
        #expect(h.table.count == 0)
        #expect(!h.receive(Reply.completed(second), at: 7_005), "a duplicate reply after completion is ignored")
        #expect(handler.replies.count == 1)
    }

    // MARK: Timeouts

    @Test func operationTimeoutRetries() throws {
        let h = TableHarness(.init(operationTimeout: .seconds(7)))
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(handler, at: 100)
        let first = try #require(h.sent.first).correlationID

        h.tick(at: 100 + 6_999)
        #expect(h.actions.isEmpty)
        h.tick(at: 100 + 7_000)
        #expect(h.retried.map(\.attempt) == [2])
        #expect(h.retried.first?.reason.contains("no response") == true)
        let second = try #require(h.sent.first).correlationID
        #expect(second != first)

        // The clock restarts with the new attempt.
        h.tick(at: 100 + 13_999)
        #expect(h.actions.isEmpty)
        h.tick(at: 100 + 14_000)
        #expect(h.retried.map(\.attempt) == [3])
        #expect(handler.failures.isEmpty)
    }

    @Test func operationTimeoutFailsWithFailOnNoServerResponse() throws {
        let h = TableHarness(.init(operationTimeout: .seconds(2), failOnNoServerResponse: true))
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(handler)
        h.tick(at: 1_999)
        #expect(handler.failures.isEmpty)
        h.tick(at: 2_000)
        #expect(h.retried.isEmpty)
        #expect(h.sent.isEmpty)
        #expect(handler.failureCodes == [.operationTimedOut])
        #expect(h.table.count == 0)
        h.tick(at: 10_000)
        #expect(handler.failures.count == 1)
    }

    @Test func queuedOperationsAndConfirmedSubscriptionsDoNotTimeOut() throws {
        let h = TableHarness(.init(operationTimeout: .seconds(1)))
        let queued = FakeOperationHandler()
        h.enqueue(queued)
        h.tick(at: 60_000)
        #expect(h.actions.isEmpty)

        let subscription = FakeOperationHandler(fallback: .keep)
        h.connect(at: 60_000)
        h.enqueue(.subscribeToStream, subscription, at: 60_000)
        let id = try #require(h.sent.first).correlationID
        h.receive(Reply.completed(id, .subscriptionConfirmation), at: 60_500)
        h.tick(at: 3_600_000)
        #expect(h.retried.map(\.command) == [.readEvent], "only the unanswered read is retried")
        #expect(subscription.failures.isEmpty)
        #expect(h.snapshots(at: 3_600_000).map(\.state) == ["sent", "subscribed"])
    }

    // MARK: Retry budget

    @Test func retryLimitReached() throws {
        let h = TableHarness(.init(maxRetries: 2))
        let handler = FakeOperationHandler()
        h.connect()
        h.enqueue(.readEvent, handler)
        for attempt in 2...3 {
            h.receive(Reply.notHandled(try #require(h.sent.first).correlationID, .tooBusy))
            #expect(h.retried.map(\.attempt) == [attempt])
        }
        #expect(h.snapshots().first?.maxAttempts == 3)
        h.receive(Reply.notHandled(try #require(h.sent.first).correlationID, .tooBusy))
        #expect(h.retried.isEmpty)
        #expect(h.sent.isEmpty)
        #expect(handler.failureCodes == [.retryLimitReached])
        #expect(handler.failures.first?.message.contains("3 attempts") == true)
        #expect(h.table.count == 0)
    }

    @Test func retryLimitOnASentWriteMeansOutcomeUnknown() throws {
        let h = TableHarness(.init(maxRetries: 1))
        let write = FakeOperationHandler(isWrite: true)
        h.connect()
        h.enqueue(.writeEvents, write)
        h.tick(at: 7_000)
        #expect(h.retried.map(\.attempt) == [2])
        h.tick(at: 14_000)
        #expect(write.failureCodes == [.outcomeUnknown])
        #expect(write.failures.first?.message.contains("may or may not have been applied") == true)
    }

    @Test func zeroRetriesFailsOnTheFirstRetryableReply() throws {
        let h = TableHarness(.init(maxRetries: 0))
        let read = FakeOperationHandler(), write = FakeOperationHandler(isWrite: true)
        h.connect()
        h.enqueue(.readEvent, read)
        let readID = try #require(h.sent.first).correlationID
        h.enqueue(.writeEvents, write)
        let writeID = try #require(h.sent.first).correlationID
        h.receive(Reply.notHandled(readID, .notReady))
        h.receive(Reply.notHandled(writeID, .notReady))
        #expect(read.failureCodes == [.retryLimitReached])
        #expect(write.failureCodes == [.outcomeUnknown])
        #expect(h.snapshots().isEmpty)
    }

    @Test func minusOneRetriesForever() throws {
        let h = TableHarness(.init(maxRetries: -1))
        let handler = FakeOperationHandler(isWrite: true)
        h.connect()
        h.enqueue(.writeEvents, handler)
        var ids: Set<UUID> = [try #require(h.sent.first).correlationID]
        for attempt in 2...51 {
            // Alternate retryable replies and timeouts; the clock only moves forward.
            let now = Int64(attempt) * 7_000
            if attempt.isMultiple(of: 2) {
                h.receive(Reply.notHandled(try #require(h.sent.first).correlationID, .tooBusy), at: now)
            } else {
                h.tick(at: now)
            }
            #expect(h.retried.map(\.attempt) == [attempt])
            ids.insert(try #require(h.sent.first).correlationID)
        }
        #expect(ids.count == 51)
        #expect(handler.failures.isEmpty)
        #expect(h.snapshots().first?.attempt == 51)
        #expect(h.snapshots().first?.maxAttempts == -1)
        h.receive(Reply.completed(try #require(h.sent.first).correlationID, .writeEventsCompleted))
        #expect(handler.replies.count == 1)
        #expect(h.table.count == 0)
    }

    @Test func reconnectionsCountAgainstTheRetryBudget() throws {
        let h = TableHarness(.init(maxRetries: 2))
        let read = FakeOperationHandler()
        h.connect()
        h.enqueue(read)
        h.lose()
        h.connect()
        h.lose()
        h.connect()
        #expect(read.failures.isEmpty)
        h.lose()
        #expect(h.retried.isEmpty)
        #expect(read.failureCodes == [.retryLimitReached])
        h.connect()
        #expect(h.sent.isEmpty)
    }

    // MARK: Connection loss

    @Test func inFlightOperationsAreResentInOriginalOrderOnTheNextConnection() throws {
        let h = TableHarness()
        let handlers = (0..<4).map { _ in FakeOperationHandler() }
        h.connect()
        h.enqueue(.readEvent, payload: [0], handlers[0])
        h.enqueue(.readEvent, payload: [1], handlers[1])
        let secondID = try #require(h.sent.first).correlationID
        h.enqueue(.readEvent, payload: [2], handlers[2])
        // The second one is answered and retried before the drop: it must still keep its place.
        h.receive(Reply.notHandled(secondID, .tooBusy))
        let before = h.snapshots().map(\.correlationID)

        h.lose("reset by peer")
        #expect(h.retried.map(\.attempt) == [2, 3, 2])
        #expect(h.retried.allSatisfy { $0.reason == "connection lost: reset by peer" })
        #expect(h.sent.isEmpty)
        #expect(h.snapshots().map(\.state) == ["queued", "queued", "queued"])

        h.enqueue(.readEvent, payload: [3], handlers[3])
        #expect(h.sent.isEmpty)
        h.connect(at: 100)
        #expect(h.sent.map { Array($0.payload.readableBytesView) } == [[0], [1], [2], [3]])
        #expect(Set(h.sent.map(\.correlationID)).isDisjoint(with: before))
        #expect(h.table.isConnected)
    }

    @Test func confirmedSubscriptionsAreDroppedOnConnectionLossUnlessTheySurvive() throws {
        let h = TableHarness()
        let volatile = FakeOperationHandler(fallback: .keep, survivesReconnect: false)
        let resumable = FakeOperationHandler(fallback: .keep, survivesReconnect: true)
        let unconfirmed = FakeOperationHandler(fallback: .keep, survivesReconnect: false)
        h.connect()
        h.enqueue(.subscribeToStream, volatile)
        h.receive(Reply.completed(try #require(h.sent.first).correlationID, .subscriptionConfirmation))
        h.enqueue(.subscribeToStream, resumable)
        h.receive(Reply.completed(try #require(h.sent.first).correlationID, .subscriptionConfirmation))
        h.enqueue(.subscribeToStream, unconfirmed)
        #expect(h.snapshots().map(\.state) == ["subscribed", "subscribed", "sent"])

        h.lose("eof")
        #expect(volatile.failureCodes == [.connectionClosed])
        #expect(volatile.failures.first?.message.contains("eof") == true)
        #expect(resumable.failures.isEmpty)
        #expect(unconfirmed.failures.isEmpty, "not yet confirmed: retried like any operation")
        #expect(h.retried.map(\.attempt) == [2, 2])
        h.connect()
        #expect(h.sent.map(\.command) == [.subscribeToStream, .subscribeToStream])
        #expect(h.table.count == 2)
    }

    // MARK: Concurrency limit

    @Test func maxConcurrentIsRespected() throws {
        let h = TableHarness(.init(maxConcurrent: 2))
        let handlers = (0..<5).map { _ in FakeOperationHandler() }
        h.connect()
        var ids: [UUID] = []
        for (index, handler) in handlers.enumerated() {
            h.enqueue(.readEvent, payload: [UInt8(index)], handler)
            ids += h.sent.map(\.correlationID)
        }
        #expect(ids.count == 2)
        #expect(h.snapshots().map(\.state) == ["sent", "sent", "queued", "queued", "queued"])

        // A completion frees a slot for the next queued operation.
        h.receive(Reply.completed(ids[0]))
        #expect(h.sent.map { Array($0.payload.readableBytesView) } == [[2]])
        ids += h.sent.map(\.correlationID)
        // So does a failure.
        handlers[1].script = [.fail(EventStoreClientError(.serverError, "nope"))]
        h.receive(Reply.completed(ids[1]))
        #expect(h.sent.map { Array($0.payload.readableBytesView) } == [[3]])
        ids += h.sent.map(\.correlationID)
        // A retry goes back in line in submission order, before the later operation still queued.
        h.receive(Reply.notHandled(ids[2], .tooBusy))
        #expect(h.sent.map { Array($0.payload.readableBytesView) } == [[2]])
        #expect(h.snapshots().map(\.state) == ["sent", "sent", "queued"])

        // After a drop, the re-sent ones still respect the limit.
        h.lose()
        h.connect()
        #expect(h.sent.map { Array($0.payload.readableBytesView) } == [[2], [3]])
        h.receive(Reply.completed(h.sent[1].correlationID))
        #expect(h.sent.map { Array($0.payload.readableBytesView) } == [[4]])
    }

    /// Bug fixed: an operation failing on its own (timeout with failOnNoServerResponse) freed its
    /// slot without sending the next queued operation, which then waited for unrelated traffic.
    @Test func aTimeoutFailureFreesItsSlotForTheQueue() throws {
        let h = TableHarness(.init(operationTimeout: .seconds(1), maxConcurrent: 1, failOnNoServerResponse: true))
        let first = FakeOperationHandler(), second = FakeOperationHandler()
        h.connect()
        h.enqueue(first)
        h.enqueue(second, at: 10)
        #expect(h.sent.isEmpty)
        h.tick(at: 1_000)
        #expect(first.failureCodes == [.operationTimedOut])
        #expect(h.sent.count == 1, "the queued operation goes out in the same tick")
        #expect(h.snapshots(at: 1_000).map(\.state) == ["sent"])
    }

    /// Bug fixed: running out of retries freed the slot without sending the next queued operation.
    @Test func anExhaustedRetryBudgetFreesItsSlotForTheQueue() throws {
        let h = TableHarness(.init(maxRetries: 0, maxConcurrent: 1))
        let first = FakeOperationHandler(), second = FakeOperationHandler()
        h.connect()
        h.enqueue(first)
        let id = try #require(h.sent.first).correlationID
        h.enqueue(second)
        h.receive(Reply.notHandled(id, .tooBusy))
        #expect(first.failureCodes == [.retryLimitReached])
        #expect(h.sent.count == 1, "the queued operation goes out at once")

        let t = TableHarness(.init(maxRetries: 0, maxConcurrent: 1))
        let third = FakeOperationHandler(), fourth = FakeOperationHandler()
        t.connect()
        t.enqueue(third)
        t.enqueue(fourth)
        t.tick(at: 7_000)
        #expect(third.failureCodes == [.retryLimitReached])
        #expect(t.sent.count == 1, "the queued operation goes out in the same tick")

        let r = TableHarness(.init(maxRetries: 0, maxConcurrent: 1))
        let redirected = FakeOperationHandler(), waiting = FakeOperationHandler()
        r.connect()
        r.enqueue(redirected)
        let redirectedID = try #require(r.sent.first).correlationID
        r.enqueue(waiting)
        r.receive(Reply.notHandled(redirectedID, .notLeader, leader: Reply.leader(tcp: ("10.0.0.9", 1113))))
        #expect(redirected.failureCodes == [.retryLimitReached])
        #expect(r.reconnects.isEmpty)
        #expect(r.sent.count == 1)
    }

    // MARK: Cancel

    @Test func cancelRemovesQueuedAndSentOperations() throws {
        let h = TableHarness()
        let queued = FakeOperationHandler()
        let id = h.enqueue(queued)
        h.cancel(id)
        #expect(h.actions.isEmpty)
        #expect(queued.failureCodes == [.cancelled])
        h.connect()
        #expect(h.sent.isEmpty)

        let sent = FakeOperationHandler(fallback: .keep)
        let sentID = h.enqueue(.readStreamEventsForward, sent)
        let correlation = try #require(h.sent.first).correlationID
        h.cancel(sentID)
        #expect(h.actions.isEmpty, "a read has nothing to undo on the server")
        #expect(sent.failureCodes == [.cancelled])
        #expect(!h.receive(Reply.completed(correlation, .readStreamEventsForwardCompleted)))
        #expect(sent.replies.isEmpty)

        h.cancel(sentID)
        h.cancel(12_345)
        #expect(sent.failures.count == 1, "a second cancel is a no-op")
        #expect(h.table.count == 0)
    }

    @Test func cancellingAConfirmedSubscriptionUnsubscribes() throws {
        let h = TableHarness()
        let credentials = TCPCredentials.password(login: "ops", password: "changeit")
        let subscription = FakeOperationHandler(fallback: .keep)
        h.connect()
        let id = h.enqueue(.subscribeToStream, credentials: credentials, subscription)
        let correlation = try #require(h.sent.first).correlationID
        h.receive(Reply.completed(correlation, .subscriptionConfirmation))
        h.receive(Reply.completed(correlation, .streamEventAppeared))
        #expect(subscription.replies.count == 2)

        h.cancel(id)
        #expect(h.actions == [.send(TCPPackage(command: .unsubscribeFromStream, correlationID: correlation,
                                               credentials: credentials))])
        #expect(h.sent.first?.payload.readableBytes == 0)
        #expect(subscription.failureCodes == [.cancelled])
        #expect(!h.receive(Reply.completed(correlation, .subscriptionDropped)))
        #expect(h.table.count == 0)
    }

    @Test func cancellingASubscriptionBeforeItsConfirmationStillUnsubscribes() throws {
        let h = TableHarness()
        let subscription = FakeOperationHandler(fallback: .keep)
        h.connect()
        let id = h.enqueue(.filteredSubscribeToStream, subscription)
        let correlation = try #require(h.sent.first).correlationID
        h.cancel(id)
        #expect(h.sent.map(\.command) == [.unsubscribeFromStream])
        #expect(h.sent.map(\.correlationID) == [correlation])
        #expect(subscription.failureCodes == [.cancelled])
        // The late confirmation and the drop are ignored.
        #expect(!h.receive(Reply.completed(correlation, .subscriptionConfirmation)))
        #expect(!h.receive(Reply.completed(correlation, .subscriptionDropped)))

        // Queued (never sent) subscriptions and plain operations send nothing when cancelled.
        let read = FakeOperationHandler()
        let readID = h.enqueue(read)
        h.cancel(readID)
        #expect(h.sent.isEmpty)
    }

    @Test func unsubscribeDecisionTellsTheServer() throws {
        let h = TableHarness()
        let subscription = FakeOperationHandler([.keep, .unsubscribe])
        h.connect()
        h.enqueue(.subscribeToStream, subscription)
        let correlation = try #require(h.sent.first).correlationID
        h.receive(Reply.completed(correlation, .subscriptionConfirmation))
        h.receive(Reply.completed(correlation, .streamEventAppeared))
        #expect(h.sent.map(\.command) == [.unsubscribeFromStream])
        #expect(h.sent.map(\.correlationID) == [correlation])
        #expect(subscription.failures.isEmpty)
        #expect(h.table.count == 0)
    }

    /// Bug fixed: cancelling an in-flight operation freed its slot, but the next queued operation
    /// waited for unrelated traffic (the cancelled one's reply is ignored). It now goes out on the next tick.
    @Test func aCancelledOperationsSlotIsReusedByTheNextTick() throws {
        let h = TableHarness(.init(maxConcurrent: 1))
        let first = FakeOperationHandler(), second = FakeOperationHandler()
        h.connect()
        let id = h.enqueue(first)
        let firstID = try #require(h.sent.first).correlationID
        h.enqueue(second, at: 1)
        h.cancel(id)
        #expect(!h.receive(Reply.completed(firstID), at: 2))
        h.tick(at: 50)
        #expect(h.sent.count == 1)
        #expect(h.snapshots(at: 50).map(\.state) == ["sent"])
    }

    // MARK: Subscriptions after confirmation

    /// Bug fixed: a NotHandled after confirmation silently re-subscribed (a new SubscribeToStream,
    /// a gap in the events) instead of ending the subscription with an error (docs/protocol.md §4.4).
    @Test func notHandledAfterConfirmationEndsTheSubscription() throws {
        let h = TableHarness()
        let subscription = FakeOperationHandler(fallback: .keep)
        h.connect()
        h.enqueue(.subscribeToStream, subscription)
        let correlation = try #require(h.sent.first).correlationID
        h.receive(Reply.completed(correlation, .subscriptionConfirmation))
        h.receive(Reply.notHandled(correlation, .notReady))
        #expect(h.sent.isEmpty)
        #expect(h.retried.isEmpty)
        #expect(subscription.failureCodes == [.subscriptionDropped])
        #expect(h.table.count == 0)
    }

    @Test func notHandledBeforeConfirmationRetriesTheSubscription() throws {
        let h = TableHarness()
        let subscription = FakeOperationHandler(fallback: .keep)
        h.connect()
        h.enqueue(.subscribeToStream, subscription)
        let correlation = try #require(h.sent.first).correlationID
        h.receive(Reply.notHandled(correlation, .notReady))
        #expect(h.retried.map(\.attempt) == [2])
        #expect(h.sent.map(\.command) == [.subscribeToStream])
        #expect(subscription.failures.isEmpty)
    }

    // MARK: failAll and snapshots

    @Test func failAllFailsEveryOperationOnce() throws {
        let h = TableHarness(.init(maxConcurrent: 2))
        let subscribed = FakeOperationHandler(fallback: .keep), sent = FakeOperationHandler(), queued = FakeOperationHandler()
        h.connect()
        h.enqueue(.subscribeToStream, subscribed)
        let subscriptionID = try #require(h.sent.first).correlationID
        h.receive(Reply.completed(subscriptionID, .subscriptionConfirmation))
        h.enqueue(sent)
        let sentID = try #require(h.sent.first).correlationID
        h.enqueue(queued)
        #expect(h.snapshots().map(\.state) == ["subscribed", "sent", "queued"])

        let error = EventStoreClientError(.connectionClosed, "connection closed: bye")
        h.table.failAll(error)
        for handler in [subscribed, sent, queued] { #expect(handler.failures == [error]) }
        #expect(h.table.count == 0)
        #expect(h.snapshots().isEmpty)

        h.table.failAll(error)
        #expect(!h.receive(Reply.completed(sentID)))
        h.tick(at: 3_600_000)
        h.lose()
        for handler in [subscribed, sent, queued] { #expect(handler.failures.count == 1) }
        #expect(sent.replies.isEmpty)
    }

    @Test func snapshotsDescribeEveryOperation() throws {
        let h = TableHarness(.init(maxRetries: 4, maxConcurrent: 2))
        h.connect()
        h.enqueue(.subscribeToStream, FakeOperationHandler(fallback: .keep), at: 0)
        let subscriptionID = try #require(h.sent.first).correlationID
        h.receive(Reply.completed(subscriptionID, .subscriptionConfirmation), at: 5)
        h.enqueue(.readEvent, FakeOperationHandler(), at: 100)
        let readID = try #require(h.sent.first).correlationID
        h.receive(Reply.notHandled(readID, .tooBusy), at: 150)
        let retriedID = try #require(h.sent.first).correlationID
        h.enqueue(.writeEvents, FakeOperationHandler(isWrite: true), at: 200)

        let snapshots = h.snapshots(at: 1_000)
        #expect(snapshots == [
            OperationSnapshot(command: "SubscribeToStream", correlationID: subscriptionID, age: .milliseconds(1_000),
                              attempt: 1, maxAttempts: 5, state: "subscribed"),
            OperationSnapshot(command: "ReadEvent", correlationID: retriedID, age: .milliseconds(900),
                              attempt: 2, maxAttempts: 5, state: "sent"),
            OperationSnapshot(command: "WriteEvents", correlationID: snapshots[2].correlationID, age: .milliseconds(800),
                              attempt: 1, maxAttempts: 5, state: "queued"),
        ])
    }
}
