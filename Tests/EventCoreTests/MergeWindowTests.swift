import EventCore
import Testing
import Vocabulary

/// Call-button presses within the merge window are one call (docs/domain.md situation 9).
@Suite struct MergeWindowTests {
    /// A call-button press trigger with a 5-minute merge window.
    func press(at: EpochMillis, level: AlertLevel = .red, merge: Int64? = 300) -> EventTrigger {
        var press = trigger("sos_call:SOS-0007", level: level, device: "SOS-0007", at: at)
        press.mergeWithinSeconds = merge
        return press
    }

    @Test func pressWithinWindowReopensTheClearedEvent() throws {
        let fixture = try StoreFixture()
        let first = try fixture.store.raise(press(at: t0)).event
        try #require(try fixture.store.clear(eventKey: first.eventKey, at: t0 + 10_000, note: "cleared") != nil)
        let again = try fixture.store.raise(press(at: t0 + 200_000))
        #expect(again.created == false)
        #expect(again.event.id == first.id)
        #expect(again.event.status == .open)
        #expect(again.event.count == 2)
        #expect(again.event.lastSeen == t0 + 200_000)
        // Someone must respond again: the deadlines run from the new press.
        #expect(again.event.ackDeadline == t0 + 200_000 + 120_000)
        let timeline = try fixture.store.timeline(of: first.id)
        #expect(timeline.map(\.action) == ["raised", "cleared", "reopened"])
        #expect(timeline.last?.note.contains("reopened") == true)
        #expect(timeline.last?.status == .open)
        // The reopened event is the open one of its key: the next press folds in as usual.
        let third = try fixture.store.raise(press(at: t0 + 210_000)).event
        #expect(third.id == first.id)
        #expect(third.count == 3)
    }

    @Test func resolvedEventIsReopenedAndLevelGoesBackUp() throws {
        let fixture = try StoreFixture()
        let first = try fixture.store.raise(press(at: t0)).event
        try fixture.store.downgrade(eventKey: first.eventKey, to: .yellow, at: t0 + 5_000, note: "cancel press")
        try fixture.store.perform(.resolve, on: first.id, actor: "li.wei", note: "errand", at: t0 + 60_000)
        let again = try fixture.store.raise(press(at: t0 + 100_000)).event
        #expect(again.id == first.id)
        #expect(again.status == .open)
        #expect(again.level == .red)
        #expect(try fixture.store.events(EventFilter()).map(\.id) == [first.id])
    }

    @Test func pressAfterTheWindowRaisesANewEvent() throws {
        let fixture = try StoreFixture()
        let first = try fixture.store.raise(press(at: t0)).event
        try fixture.store.clear(eventKey: first.eventKey, at: t0 + 1_000, note: "")
        let later = try fixture.store.raise(press(at: t0 + 301_000))
        #expect(later.created)
        #expect(later.event.id != first.id)
        #expect(try fixture.store.event(id: first.id)?.status == .cleared)
    }

    @Test func closedAndMergedEventsAreNeverReopened() throws {
        let fixture = try StoreFixture()
        let first = try fixture.store.raise(press(at: t0)).event
        try fixture.store.clear(eventKey: first.eventKey, at: t0 + 1_000, note: "")
        try fixture.store.perform(.close, on: first.id, actor: "li.wei", note: "", at: t0 + 2_000)
        let second = try fixture.store.raise(press(at: t0 + 3_000))
        #expect(second.created)
        #expect(try fixture.store.event(id: first.id)?.status == .closed)
    }

    @Test func withoutAMergeWindowAClearedEventStaysCleared() throws {
        let fixture = try StoreFixture()
        let first = try fixture.store.raise(press(at: t0, merge: nil)).event
        try fixture.store.clear(eventKey: first.eventKey, at: t0 + 1_000, note: "")
        let second = try fixture.store.raise(press(at: t0 + 2_000, merge: nil))
        #expect(second.created)
        #expect(second.event.id != first.id)
    }
}
