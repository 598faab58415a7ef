import EventCore
import Testing

@Suite struct SilenceTests {
    @Test func deviceSilenceMarksEventsButStillRecordsThem() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let silence = try store.addSilence(scope: .device("SD-0113"), until: t0 + 3_600_000, reason: "detector swap",
                                           actor: "wang", at: t0 - 1000)
        let event = try store.raise(trigger()).event
        #expect(event.silenced)
        #expect(try store.timeline(of: event.id).first?.note.contains("detector swap") == true)
        #expect(try store.raise(trigger("other", device: "SD-0200")).event.silenced == false)
        #expect(try store.listSilences(now: t0).map(\.id) == [silence.id])
    }

    @Test func silencedEventsDoNotEscalate() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .device("SD-0113"), until: t0 + 60_000, reason: "test", actor: "wang", at: t0)
        try store.raise(trigger("silenced", device: "SD-0113"))
        let loud = try store.raise(trigger("loud", device: "SD-0200")).event
        #expect(try store.escalateDue(now: t0 + 3_600_000).map(\.id) == [loud.id])
    }

    @Test func buildingAndCommunityScopes() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .building(community: "c01", building: "3"), until: t0 + 60_000,
                             reason: "fire alarm test", actor: "wang", at: t0)
        #expect(try store.raise(trigger("a", device: "SD-1", building: "3")).event.silenced)
        #expect(try store.raise(trigger("b", device: "SD-2", building: "4")).event.silenced == false)
        try store.addSilence(scope: .community("c02"), until: t0 + 60_000, reason: "manhole crew", actor: "wang", at: t0)
        #expect(try store.raise(trigger("c", device: "MH-1", community: "c02", building: "1")).event.silenced)
        #expect(try store.raise(trigger("d", device: "MH-2", community: "c03", building: "1")).event.silenced == false)
    }

    @Test func expiredAndRemovedSilencesDoNotCover() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .device("SD-0113"), until: t0, reason: "ended", actor: "wang", at: t0 - 60_000)
        #expect(try store.raise(trigger("a", at: t0)).event.silenced == false)
        let silence = try store.addSilence(scope: .device("SD-0113"), until: t0 + 60_000, reason: "r", actor: "wang", at: t0)
        #expect(try store.removeSilence(id: silence.id, at: t0 + 1))
        #expect(try store.removeSilence(id: silence.id, at: t0 + 2) == false)
        #expect(try store.raise(trigger("b", at: t0 + 2)).event.silenced == false)
        #expect(try store.listSilences(now: t0 + 2).isEmpty)
    }

    @Test func aSilenceNeverHidesARedLifeSafetyEvent() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .building(community: "c01", building: "3"), until: t0 + 60_000,
                             reason: "fire alarm test", actor: "wang", at: t0)
        var red = trigger("sos", ack: 120)
        red.lifeSafety = true
        let shown = try store.raise(red).event
        #expect(!shown.silenced && shown.maintenance == "fire alarm test")
        #expect(try store.timeline(of: shown.id).first?.note.contains("during maintenance: fire alarm test") == true)
        var yellow = trigger("yellow", level: .yellow)
        yellow.lifeSafety = true
        let hidden = try store.raise(yellow).event
        #expect(hidden.silenced && hidden.maintenance == "fire alarm test", "only red events of life-safety rules are kept visible")
        // Shown events escalate as usual.
        #expect(try store.escalateDue(now: t0 + 121_000).map(\.id) == [shown.id])
    }

    @Test func whenASilenceEndsItsEventsAreShownWithDeadlinesFromThen() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let silence = try store.addSilence(scope: .device("SD-0113"), until: t0 + 600_000, reason: "swap", actor: "wang", at: t0)
        let event = try store.raise(trigger(ack: 120)).event
        #expect(event.silenced)
        #expect(try store.escalateDue(now: t0 + 300_000).isEmpty, "hidden: no escalation")
        #expect(try store.releaseEndedSilences(now: t0 + 599_000).isEmpty, "not ended yet")
        let released = try store.releaseEndedSilences(now: t0 + 600_500)
        #expect(released.map(\.id) == [event.id])
        #expect(released.first?.silenced == false && released.first?.ackDeadline == t0 + 600_500 + 120_000)
        #expect(try store.releaseEndedSilences(now: t0 + 700_000).isEmpty, "each ended silence is handled once")
        #expect(try store.escalateDue(now: t0 + 700_000).isEmpty)
        #expect(try store.escalateDue(now: t0 + 720_500).map(\.id) == [event.id])
        #expect(try store.listSilences(now: t0 + 600_500).isEmpty)
        _ = silence
    }

    @Test func liftingASilenceShowsItsEventsAtOnceButNotThoseAnotherSilenceStillCovers() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let device = try store.addSilence(scope: .device("SD-0113"), until: t0 + 600_000, reason: "a", actor: "wang", at: t0)
        try store.addSilence(scope: .device("SD-0200"), until: t0 + 600_000, reason: "b", actor: "wang", at: t0)
        let building = try store.addSilence(scope: .building(community: "c01", building: "3"), until: t0 + 600_000,
                                            reason: "c", actor: "wang", at: t0)
        let first = try store.raise(trigger("one")).event
        let second = try store.raise(trigger("two", device: "SD-0200")).event
        #expect(try store.removeSilence(id: building.id, at: t0 + 1000))
        #expect(try store.event(id: first.id)?.silenced == true && store.event(id: second.id)?.silenced == true)
        #expect(try store.removeSilence(id: device.id, at: t0 + 2000))
        #expect(try store.event(id: first.id)?.silenced == false)
        #expect(try store.event(id: second.id)?.silenced == true)
        #expect(try store.timeline(of: first.id).map(\.action) == ["raised", "unsilenced"])
    }

    @Test func aRepeatAfterTheSilenceEndedShowsTheEvent() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .device("SD-0113"), until: t0 + 60_000, reason: "swap", actor: "wang", at: t0)
        let event = try store.raise(trigger(ack: 120)).event
        #expect(event.silenced)
        let repeated = try store.raise(trigger(ack: 120, at: t0 + 90_000)).event
        #expect(repeated.id == event.id && !repeated.silenced && repeated.ackDeadline == t0 + 90_000 + 120_000)
    }

    @Test func kindAndRuleScopesAndThePolicy() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.mirrorRegistry([DeviceState(id: "SD-0113", kind: "smoke", community: "c01", building: "3")], at: t0)
        let policy = SilencePolicy(maximumMillis: 3_600_000, knownRules: ["smoke"])
        #expect(throws: SilenceRefusal.self) {
            try store.addSilence(scope: .building(community: "c01", building: "3").kind("sos"), until: t0 + 60_000,
                                 reason: "x", actor: "w", at: t0, policy: policy)
        }
        #expect(throws: SilenceRefusal.coversNothing("no rule named 'smok' is loaded by lookoutd")) {
            try store.addSilence(scope: .building(community: "c01", building: "3").rule("smok"), until: t0 + 60_000,
                                 reason: "x", actor: "w", at: t0, policy: policy)
        }
        #expect(throws: SilenceRefusal.self) {
            try store.addSilence(scope: .device("SD-0113"), until: t0 + 3_600_001, reason: "x", actor: "w", at: t0, policy: policy)
        }
        try store.addSilence(scope: .device("SD-0113"), until: t0 + 3_600_001, reason: "x", actor: "w", at: t0,
                             policy: policy, force: true)
        try store.addSilence(scope: .building(community: "c01", building: "3").kind("smoke").rule("smoke"),
                             until: t0 + 60_000, reason: "kind", actor: "w", at: t0, policy: policy)
        #expect(try store.raise(trigger("a", at: t0 + 1)).event.silenced)
        var other = trigger("b", at: t0 + 1)
        other.rule = "other"
        #expect(try store.raise(other).event.silenced, "the device silence covers every rule")
        let holds = try store.silenceHolds(now: t0 + 2)
        #expect(holds.count == 2 && holds.allSatisfy { $0.devices == 1 })
        #expect(holds.first { $0.silence.reason == "kind" }?.hiddenEvents.count == 1)
        #expect(holds.first { $0.silence.reason == "x" }?.hiddenEvents.count == 2)
    }
}
