import EventCore
import Testing
import Vocabulary

/// Issue 15 item 1: escalation chains ("the grid raises the alarm, departments report in"): steps run when due,
/// only while their condition holds, bring teams in, and each team brought in with `report in` reports in on its own.
@Suite struct EscalationChainTests {
    /// A red call with the shipped call button's shape of chain.
    static func call(at: EpochMillis = t0, key: String = "sos:SOS-1") -> EventTrigger {
        var call = trigger(key, level: .red, device: "SOS-1", ack: 3600, at: at)
        call.teams = ["community-office", "grid-03"]
        call.escalation = [
            EscalationStep(afterMillis: 0, teams: ["fire"], reportIn: true),
            EscalationStep(afterMillis: 120_000, condition: .unacknowledged, teams: ["medical", "police"], reportIn: true),
            EscalationStep(afterMillis: 600_000, condition: .notOnsite, teams: ["street-office"]),
        ]
        return call
    }

    @Test func stepsRunWhenDueBringTeamsInAndSayWhatTheyDid() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(Self.call()).event.id
        let first = try store.runEscalations(now: t0)
        #expect(first.map(\.step) == [1] && first.first?.broughtIn == ["fire"])
        #expect(try store.runEscalations(now: t0 + 119_999).isEmpty)
        let second = try #require(try store.runEscalations(now: t0 + 120_000).first)
        #expect(second.broughtIn == ["medical", "police"])
        #expect(second.note.contains("brought in medical, police") && second.note.contains("each must report in"), "\(second.note)")
        #expect(!second.note.contains("→"), "an event already red changes no level: \(second.note)")
        #expect(second.event.teams == ["community-office", "grid-03", "fire", "medical", "police"])
        // Each step runs once.
        #expect(try store.runEscalations(now: t0 + 130_000).isEmpty)
        let teams = try store.teams(of: id)
        #expect(teams.map(\.team) == ["community-office", "grid-03", "fire", "medical", "police"])
        #expect(teams.filter(\.reportRequired).map(\.team) == ["fire", "medical", "police"])
        #expect(teams.first { $0.team == "medical" }?.broughtInAt == t0 + 120_000)
        #expect(try store.timeline(of: id).filter { $0.action == "escalated" }.count == 2)
    }

    /// The step runner keeps the event it wrote in the active-event cache: a repeat right after it (an alarm that
    /// keeps sounding) sees the event as the step left it, exactly as a fresh read of its row would.
    @Test func aRepeatAfterAStepSeesTheEventAsTheStepWroteIt() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(Self.call()).event.id
        #expect(try store.runEscalations(now: t0).first?.broughtIn == ["fire"])
        let repeated = try store.raise(Self.call(at: t0 + 1_000))
        #expect(!repeated.created)
        #expect(repeated.event.teams == ["community-office", "grid-03", "fire"])
        let stored = try #require(try store.event(id: id))
        #expect(repeated.event == stored, "the cached event differs from its row")
    }

    @Test func aStepWhoseConditionNoLongerHoldsIsSkippedQuietly() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(Self.call()).event.id
        try store.perform(.onsite, on: id, actor: "wang", note: "", at: t0 + 60_000)
        let ran = try store.runEscalations(now: t0 + 700_000)
        #expect(ran.compactMap(\.step) == [1], "only the unconditional step: the call was taken and someone is on site")
        #expect(try store.event(id: id)?.teams == ["community-office", "grid-03", "fire"])
    }

    @Test func eachTeamReportsInOnItsOwnAndTheFirstAcknowledgementStays() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(Self.call()).event.id
        try store.runEscalations(now: t0)
        try store.runEscalations(now: t0 + 120_000)
        let fire = try store.reportIn(id, team: "fire", actor: "li", note: "engine 3", at: t0 + 150_000)
        #expect(fire.status == .acknowledged)
        try store.reportIn(id, team: "medical", actor: "zhao", note: "", at: t0 + 200_000)
        #expect(throws: EventStoreError.alreadyReportedIn(id: id, team: "fire", at: t0 + 150_000, by: "li")) {
            try store.reportIn(id, team: "fire", actor: "li", note: "", at: t0 + 210_000)
        }
        #expect(throws: EventStoreError.unknownTeam(id: id, team: "water", teams: fire.teams)) {
            try store.reportIn(id, team: "water", actor: "li", note: "", at: t0 + 210_000)
        }
        let teams = try store.teams(of: id)
        #expect(teams.first { $0.team == "fire" }?.reportedAt == t0 + 150_000)
        #expect(teams.first { $0.team == "medical" }?.reportedBy == "zhao")
        #expect(teams.first { $0.team == "police" }?.reportedAt == nil)
        let notes = try store.timeline(of: id).filter { $0.action == "reported_in" }.map(\.note)
        #expect(notes.first?.contains("the event's first acknowledgement") == true)
        #expect(notes.last?.contains("waiting for police") == true, "\(notes)")
        // The event's time to acknowledge is the first report-in; each team's time is its own figure.
        let statistics = try store.statistics(since: t0 - 1, until: t0 + 1_000_000)
        #expect(statistics.timeToAcknowledge.medianMillis == 150_000)
        let byTeam = try store.reportInStatistics(from: t0 - 1, to: t0 + 1_000_000)
        #expect(byTeam.map(\.team) == ["fire", "medical", "police"])
        #expect(byTeam.first { $0.team == "medical" }?.medianMillis == 80_000)
        #expect(byTeam.first { $0.team == "police" }?.reportedIn == 0)
    }

    @Test func aHiddenEventStartsItsChainWhenShownAndAReopenedOneRunsItAgain() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .device("SOS-1"), until: t0 + 300_000, reason: "fire alarm test", actor: "wang", at: t0)
        var hidden = Self.call()
        hidden.level = .yellow
        let id = try store.raise(hidden).event.id
        #expect(try store.event(id: id)?.silenced == true)
        #expect(try store.runEscalations(now: t0 + 200_000).isEmpty, "hidden: its chain waits")
        let shown = try store.releaseEndedSilences(now: t0 + 300_000)
        #expect(shown.map(\.id) == [id])
        #expect(try store.runEscalations(now: t0 + 300_000).compactMap(\.step) == [1])
        #expect(try store.runEscalations(now: t0 + 419_999).isEmpty)
        #expect(try store.runEscalations(now: t0 + 420_000).compactMap(\.step) == [2], "two minutes after it was shown")

        try store.perform(.resolve, on: id, actor: "wang", note: "", at: t0 + 500_000)
        try store.perform(.reopen, on: id, actor: "wang", note: "", at: t0 + 600_000)
        #expect(try store.runEscalations(now: t0 + 600_000).compactMap(\.step) == [1], "the chain starts over")
    }

    /// Try-out finding: a call cancelled down to yellow skips the step due meanwhile; pressed again (red), that step
    /// runs again, counted from the new press, instead of never.
    @Test func aCancelledCallPressedAgainRunsTheStepsItSkipped() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(Self.call()).event.id
        try store.runEscalations(now: t0)
        try store.downgrade(eventKey: "sos:SOS-1", to: .yellow, at: t0 + 5_000, note: "sos_cancel")
        #expect(try store.runEscalations(now: t0 + 120_000).isEmpty, "yellow: medical is not brought in")
        try store.raise(Self.call(at: t0 + 135_000))
        #expect(try store.runEscalations(now: t0 + 254_999).isEmpty)
        let again = try store.runEscalations(now: t0 + 255_000)
        #expect(again.compactMap(\.step) == [2] && again.first?.broughtIn == ["medical", "police"], "\(again.map(\.note))")
        #expect(try store.event(id: id)?.teams.contains("medical") == true)
    }

    @Test func aLowerEventWaitsForItsRuleLevelAndAStepDueWhileStoppedRunsAtStart() throws {
        let fixture = try StoreFixture()
        // Raised below its chain (a flapping detector's yellow event: no chain yet), then upgraded by a held alarm.
        var flapping = Self.call()
        flapping.level = .yellow
        flapping.escalation = []
        let id = try fixture.store.raise(flapping).event.id
        #expect(try fixture.store.runEscalations(now: t0 + 1_000_000).isEmpty)
        var held = Self.call(at: t0 + 1_000_000)
        held.upgradeReason = "the alarm held"
        try fixture.store.raise(held)
        // The daemon stops; the store is opened again later (a restart): the due steps run then, once.
        let restarted = try fixture.reopen()
        let ran = try restarted.runEscalations(now: t0 + 5_000_000)
        #expect(ran.compactMap(\.step) == [1, 2, 3] && ran.allSatisfy { $0.event.id == id })
        #expect(try fixture.store.runEscalations(now: t0 + 5_000_001).isEmpty)
    }
}
