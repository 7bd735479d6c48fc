@testable import EventStoreClient
import Testing

/// `CatchUpStateMachine`: the gap-free hand-off from reads to live events (docs/protocol.md §4.11).
@Suite struct CatchUpStateMachineTests {
    typealias StreamMachine = CatchUpStateMachine<StreamOrdering>
    typealias AllMachine = CatchUpStateMachine<AllOrdering>

    /// Offers `points` as a page and returns the ones delivered.
    func offer<O>(_ points: [O.Point?], to machine: inout CatchUpStateMachine<O>) -> [O.Point] {
        points.compactMap { point in machine.shouldDeliver(point) ? point : nil }
    }

    @Test func readsHistoryThenSubscribesThenClosesTheGapThenGoesLive() {
        var machine = StreamMachine(start: .start)
        #expect(machine.begin() == .read(from: 0, pauseFirst: false))
        #expect(offer([0, 1, 2], to: &machine) == [0, 1, 2])
        #expect(machine.pageRead(next: 3, endOfStream: false, empty: false) == .read(from: 3, pauseFirst: false))
        #expect(offer([3, 4], to: &machine) == [3, 4])
        #expect(machine.pageRead(next: 5, endOfStream: true, empty: false) == .subscribe)
        // Two events were committed between the last read and the confirmation (at 6): read them.
        #expect(machine.subscribed(confirmed: 6) == .read(from: 5, pauseFirst: false))
        #expect(offer([5, 6], to: &machine) == [5, 6])
        #expect(machine.pageRead(next: 7, endOfStream: true, empty: false) == .goLive)
        // Live pushes of events already read are dropped; new ones are delivered once.
        #expect(offer([6, 7, 7, 8], to: &machine) == [7, 8])
        #expect(machine.last == 8)
    }

    @Test func aReadThatHasNotReachedTheConfirmationPointRetriesAfterAPause() {
        var machine = StreamMachine(start: .start)
        _ = machine.pageRead(next: 0, endOfStream: true, empty: true)
        #expect(machine.subscribed(confirmed: 2) == .read(from: 0, pauseFirst: false))
        #expect(offer([0, 1], to: &machine) == [0, 1])
        // Event 2 is committed but not yet readable: the read ends early; try again shortly.
        #expect(machine.pageRead(next: 2, endOfStream: true, empty: false) == .read(from: 2, pauseFirst: false))
        #expect(machine.pageRead(next: 2, endOfStream: true, empty: true) == .read(from: 2, pauseFirst: true))
        #expect(offer([2], to: &machine) == [2])
        #expect(machine.pageRead(next: 3, endOfStream: true, empty: false) == .goLive)
    }

    @Test func anEmptyOrMissingStreamGoesLiveAtOnce() {
        var machine = StreamMachine(start: .start)
        #expect(machine.pageRead(next: 0, endOfStream: true, empty: true) == .subscribe)
        #expect(machine.subscribed(confirmed: -1) == .read(from: 0, pauseFirst: false))
        #expect(machine.pageRead(next: 0, endOfStream: true, empty: true) == .goLive)
        #expect(machine.last == nil)
    }

    @Test func withoutAConfirmedNumberTheEndOfStreamFlagDecides() {
        var machine = StreamMachine(start: .start)
        _ = machine.pageRead(next: 0, endOfStream: true, empty: true)
        _ = machine.subscribed(confirmed: nil)
        #expect(machine.pageRead(next: 4, endOfStream: false, empty: false) == .read(from: 4, pauseFirst: false))
        #expect(machine.pageRead(next: 5, endOfStream: true, empty: false) == .goLive)
    }

    @Test func startingAfterAPointSkipsItAndEverythingBefore() {
        var machine = StreamMachine(start: .after(9))
        #expect(machine.begin() == .read(from: 10, pauseFirst: false))
        #expect(offer([8, 9, 10], to: &machine) == [10])
    }

    @Test func startingAtTheEndSubscribesFirstAndStartsAfterTheConfirmation() {
        var machine = StreamMachine(start: .end)
        #expect(machine.begin() == .subscribe)
        #expect(machine.subscribed(confirmed: 41) == .goLive)
        #expect(offer([41, 42], to: &machine) == [42])
    }

    @Test func afterALostLiveFeedItCatchesUpFromTheLastDeliveredEvent() {
        var machine = StreamMachine(start: .start)
        _ = offer([0, 1, 2], to: &machine)
        _ = machine.pageRead(next: 3, endOfStream: true, empty: false)
        _ = machine.subscribed(confirmed: 2)
        #expect(machine.pageRead(next: 3, endOfStream: true, empty: true) == .goLive)
        _ = offer([3, 4], to: &machine)
        // Connection dropped: read again after 4, then subscribe again, then the gap, then live.
        #expect(machine.fellBehind() == .read(from: 5, pauseFirst: false))
        #expect(offer([5, 6], to: &machine) == [5, 6])
        #expect(machine.pageRead(next: 7, endOfStream: true, empty: false) == .subscribe)
        #expect(machine.subscribed(confirmed: 8) == .read(from: 7, pauseFirst: false))
        #expect(offer([7, 8], to: &machine) == [7, 8])
        #expect(machine.pageRead(next: 9, endOfStream: true, empty: false) == .goLive)
        #expect(offer([8, 9], to: &machine) == [9])
    }

    @Test func aLossWhileClosingTheGapStartsOverWithoutDuplicates() {
        var machine = StreamMachine(start: .start)
        _ = machine.pageRead(next: 0, endOfStream: true, empty: true)
        _ = machine.subscribed(confirmed: 5)
        _ = offer([0, 1, 2], to: &machine)
        #expect(machine.fellBehind() == .read(from: 3, pauseFirst: false))
        #expect(offer([2, 3], to: &machine) == [3], "a replayed page delivers only what is new")
        #expect(machine.pageRead(next: 4, endOfStream: false, empty: false) == .read(from: 4, pauseFirst: false),
                "back to plain history reading: no live subscription any more")
    }

    @Test func eventsWithoutAPointAreNotDelivered() {
        var machine = StreamMachine(start: .start)
        #expect(offer([nil, 0, nil], to: &machine) == [0])
    }

    // MARK: $all

    @Test func allResumesAtTheLastPositionAndSkipsTheEventThere() {
        var machine = AllMachine(start: .start)
        #expect(machine.begin() == .read(from: .start, pauseFirst: false))
        let a = Position(commit: 100, prepare: 100), b = Position(commit: 200, prepare: 200)
        #expect(offer([a, b], to: &machine) == [a, b])
        #expect(machine.fellBehind() == .read(from: b, pauseFirst: false))
        #expect(offer([b, Position(commit: 300, prepare: 300)], to: &machine) == [Position(commit: 300, prepare: 300)])
    }

    @Test func allGoesLiveOnceTheReadReachesTheConfirmedPosition() {
        var machine = AllMachine(start: .start)
        _ = machine.pageRead(next: Position(commit: 500, prepare: 500), endOfStream: true, empty: false)
        let confirmed = Position(commit: 900, prepare: 900)
        #expect(machine.subscribed(confirmed: confirmed) == .read(from: .start, pauseFirst: false))
        #expect(machine.pageRead(next: Position(commit: 800, prepare: 800), endOfStream: true, empty: false)
                == .read(from: Position(commit: 800, prepare: 800), pauseFirst: false))
        #expect(machine.pageRead(next: confirmed, endOfStream: true, empty: false) == .goLive)
    }

    @Test func anEmptyAllGoesLiveAtTheEnd() {
        var machine = AllMachine(start: .start)
        _ = machine.pageRead(next: .start, endOfStream: true, empty: true)
        #expect(machine.subscribed(confirmed: Position(commit: 0, prepare: 0)) == .read(from: .start, pauseFirst: false))
        #expect(machine.pageRead(next: .start, endOfStream: true, empty: true) == .goLive)
    }
}
