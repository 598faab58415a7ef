import EventCore
import Testing

@Suite struct EscalationTests {
    @Test func eachDeadlineEscalatesOnce() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(trigger(level: .red)).event.id
        #expect(try store.escalateDue(now: t0 + 119_999).isEmpty)
        let first = try store.escalateDue(now: t0 + 120_000)
        #expect(first.map(\.id) == [id])
        #expect(first.first?.overdue == true)
        #expect(try store.escalateDue(now: t0 + 300_000).isEmpty)
        let second = try store.escalateDue(now: t0 + 900_000)
        #expect(second.map(\.id) == [id])
        #expect(try store.escalateDue(now: t0 + 2_000_000).isEmpty)
        let escalations = try store.timeline(of: id).filter { $0.action == "escalated" }
        #expect(escalations.count == 2)
        #expect(escalations[0].note.contains("not acknowledged"))
        #expect(escalations[1].note.contains("nobody on site"))
        #expect(try store.changes(after: 0, limit: 100).filter { $0.action == "escalated" }.count == 2)
    }

    @Test func escalationRaisesToEscalateToLevel() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let event = try store.raise(trigger("manhole:MH-1", level: .yellow, escalateTo: .red, ack: 60)).event
        let escalated = try #require(try store.escalateDue(now: t0 + 60_000).first)
        #expect(escalated.id == event.id)
        #expect(escalated.level == .red)
        #expect(escalated.initialLevel == .yellow)
        #expect(try store.timeline(of: event.id).last?.note.contains("yellow → red") == true)
    }

    @Test func acknowledgedInTimeOnlyOnsiteEscalates() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(trigger(level: .red)).event.id
        try store.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0 + 60_000)
        #expect(try store.escalateDue(now: t0 + 600_000).isEmpty)
        let late = try store.escalateDue(now: t0 + 900_000)
        #expect(late.count == 1)
        #expect(try store.timeline(of: id).last?.note.contains("nobody on site") == true)
        try store.perform(.onsite, on: id, actor: "wang", note: "", at: t0 + 1_000_000)
        #expect(try store.escalateDue(now: t0 + 9_000_000).isEmpty)
    }

    @Test func closedOrClearedEventsDoNotEscalate() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("a", level: .yellow))
        try store.clear(eventKey: "a", at: t0 + 1000, note: "")
        #expect(try store.escalateDue(now: t0 + 86_400_000).isEmpty)
    }

    @Test func deadlineThatPassedWhileStoppedEscalatesOnNextStart() throws {
        let fixture = try StoreFixture()
        let id = try fixture.store.raise(trigger(level: .red)).event.id
        // The daemon stops; an hour later a new process opens the same file.
        let restarted = try fixture.reopen()
        let escalated = try restarted.escalateDue(now: t0 + 3_600_000)
        #expect(escalated.map(\.id) == [id])
        let note = try #require(try restarted.timeline(of: id).last?.note)
        #expect(note.contains("not acknowledged"))
        #expect(note.contains("nobody on site"))
        #expect(try restarted.escalateDue(now: t0 + 3_600_001).isEmpty)
        #expect(try fixture.store.escalateDue(now: t0 + 3_600_002).isEmpty)
    }

    @Test func customDeadlinePolicy() throws {
        var options = StoreOptions()
        options.deadlines = DeadlinePolicy(acknowledgeWithinSeconds: [.green: 10], onsiteWithinSeconds: [:])
        let fixture = try StoreFixture(options: options)
        let red = try fixture.store.raise(trigger("r", level: .red)).event
        #expect(red.ackDeadline == nil)
        #expect(red.onsiteDeadline == nil)
        let green = try fixture.store.raise(trigger("g", level: .green)).event
        #expect(green.ackDeadline == t0 + 10_000)
    }
}
