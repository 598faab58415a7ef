import EventCore
import Testing
import Vocabulary

@Suite struct RaiseTests {
    @Test func sixRaisesMakeOneEventWithCountSix() throws {
        let fixture = try StoreFixture()
        var ids = Set<String>()
        for index in 0..<6 {
            let result = try fixture.store.raise(trigger(at: t0 + EpochMillis(index) * 1000))
            #expect(result.created == (index == 0))
            ids.insert(result.event.id)
        }
        #expect(ids == ["E-1001"])
        let event = try #require(try fixture.store.event(id: "e-1001"))
        #expect(event.count == 6)
        #expect(event.firstSeen == t0)
        #expect(event.lastSeen == t0 + 5000)
        #expect(event.status == .open)
        #expect(event.location.community == "c01")
        #expect(event.teams == ["grid-1"])
        // Repeats within the interval do not each write a timeline entry.
        #expect(try fixture.store.timeline(of: "E-1001").map(\.action) == ["raised"])
    }

    @Test func repeatedEntryIsWrittenOncePerInterval() throws {
        var options = StoreOptions()
        options.repeatedEntryIntervalMillis = 60_000
        let fixture = try StoreFixture(options: options)
        for second in stride(from: 0, through: 150, by: 10) {
            try fixture.store.raise(trigger(at: t0 + EpochMillis(second) * 1000))
        }
        let timeline = try fixture.store.timeline(of: "E-1001")
        #expect(timeline.map(\.action) == ["raised", "repeated", "repeated"])
        #expect(timeline.map(\.at) == [t0, t0 + 60_000, t0 + 120_000])
        #expect(try fixture.store.event(id: "E-1001")?.count == 16)
    }

    @Test func repeatRaisesLevelButNeverLowersIt() throws {
        let fixture = try StoreFixture()
        try fixture.store.raise(trigger(level: .yellow))
        let raised = try fixture.store.raise(trigger(level: .red, at: t0 + 1000)).event
        #expect(raised.level == .red)
        #expect(raised.initialLevel == .yellow)
        // Red's 2-minute acknowledge deadline replaces yellow's 15 minutes.
        #expect(raised.ackDeadline == t0 + 1000 + 120_000)
        let lowered = try fixture.store.raise(trigger(level: .green, at: t0 + 2000)).event
        #expect(lowered.level == .red)
        #expect(try fixture.store.timeline(of: raised.id).map(\.action) == ["raised", "upgraded"])
    }

    /// Finding C: an occurrence that upgrades an event (a flapping detector's alarm that then held) gives it its
    /// title and says why on the `upgraded` entry; later occurrences at the same level or lower never retitle it.
    @Test func upgradeTakesTheTitleAndSaysWhy() throws {
        let fixture = try StoreFixture()
        var flapping = trigger(level: .yellow)
        flapping.title = "Smoke alarm flapping"
        try fixture.store.raise(flapping)
        var held = trigger(level: .red, at: t0 + 1000)
        held.upgradeReason = "an alarm held past its debounce after flapping"
        let upgraded = try fixture.store.raise(held).event
        #expect(upgraded.level == .red)
        #expect(upgraded.title == "Smoke alarm")
        #expect(try fixture.store.event(id: upgraded.id)?.title == "Smoke alarm")
        let entry = try #require(try fixture.store.timeline(of: upgraded.id).last)
        #expect(entry.action == "upgraded")
        #expect(entry.note == "level yellow → red, count 2: an alarm held past its debounce after flapping; was titled “Smoke alarm flapping”")
        flapping.at = t0 + 2000
        try fixture.store.raise(flapping)
        var again = trigger(level: .red, at: t0 + 3000)
        again.title = "Smoke alarm flapping"
        let after = try fixture.store.raise(again).event
        #expect(after.level == .red)
        #expect(after.title == "Smoke alarm")
        #expect(try fixture.store.timeline(of: upgraded.id).map(\.action) == ["raised", "upgraded"])
    }

    /// With an upgrade reason at the same level (a red flapping event whose alarm then held) the event is
    /// upgraded to the rule's own title, and the level stays.
    @Test func upgradeReasonRetitlesAtTheSameLevel() throws {
        let fixture = try StoreFixture()
        var flapping = trigger(level: .red)
        flapping.title = "Smoke alarm (flapping)"
        try fixture.store.raise(flapping)
        var held = trigger(level: .red, at: t0 + 1000)
        held.upgradeReason = "an alarm held past its debounce after flapping"
        let upgraded = try fixture.store.raise(held).event
        #expect(upgraded.title == "Smoke alarm")
        #expect(upgraded.level == .red)
        #expect(try fixture.store.timeline(of: upgraded.id).last?.note
                == "level red, count 2: an alarm held past its debounce after flapping; was titled “Smoke alarm (flapping)”")
    }

    @Test func differentKeysMakeDifferentEvents() throws {
        let fixture = try StoreFixture()
        let first = try fixture.store.raise(trigger("a")).event
        let second = try fixture.store.raise(trigger("b")).event
        #expect(first.id == "E-1001")
        #expect(second.id == "E-1002")
        try fixture.store.perform(.acknowledge, on: second.id, actor: "wang", note: "", at: t0 + 1)
        try fixture.store.raise(trigger("c"))
        try fixture.store.clear(eventKey: "c", at: t0 + 2, note: "")
        #expect(try fixture.store.activeEventKeys() == ["a", "b"])
    }

    @Test func deadlinesComeFromTheTriggerElseTheLevelDefaults() throws {
        let fixture = try StoreFixture()
        let red = try fixture.store.raise(trigger("red", level: .red)).event
        #expect(red.ackDeadline == t0 + 120_000)
        #expect(red.onsiteDeadline == t0 + 900_000)
        let green = try fixture.store.raise(trigger("green", level: .green)).event
        #expect(green.ackDeadline == t0 + 86_400_000)
        #expect(green.onsiteDeadline == nil)
        let custom = try fixture.store.raise(trigger("custom", level: .yellow, ack: 30, onsite: 600)).event
        #expect(custom.ackDeadline == t0 + 30_000)
        #expect(custom.onsiteDeadline == t0 + 600_000)
    }

    @Test func clearedEventEndsTheKeyAndTheNextRaiseIsNew() throws {
        let fixture = try StoreFixture()
        try fixture.store.raise(trigger(level: .yellow))
        let cleared = try #require(try fixture.store.clear(eventKey: "smoke:SD-0113", at: t0 + 5000, note: "back to normal"))
        #expect(cleared.status == .cleared)
        #expect(try fixture.store.clear(eventKey: "smoke:SD-0113", at: t0 + 6000, note: "") == nil)
        #expect(try fixture.store.events(EventFilter()).isEmpty)
        let next = try fixture.store.raise(trigger(level: .yellow, at: t0 + 10_000))
        #expect(next.created)
        #expect(next.event.id == "E-1002")
    }

    @Test func clearedRedEventStaysListedUntilClosed() throws {
        let fixture = try StoreFixture()
        try fixture.store.raise(trigger(level: .red))
        try fixture.store.clear(eventKey: "smoke:SD-0113", at: t0 + 5000, note: "")
        #expect(try fixture.store.events(EventFilter()).map(\.id) == ["E-1001"])
        try fixture.store.perform(.close, on: "E-1001", actor: "wang", note: "false alarm: cooking", at: t0 + 9000)
        #expect(try fixture.store.events(EventFilter()).isEmpty)
        var all = EventFilter()
        all.includeAll = true
        #expect(try fixture.store.events(all).map(\.status) == [.closed])
    }

    @Test func downgradeKeepsTheRecord() throws {
        let fixture = try StoreFixture()
        try fixture.store.raise(trigger("sos:B-1", level: .red))
        let lowered = try #require(try fixture.store.downgrade(eventKey: "sos:B-1", to: .yellow, at: t0 + 1000, note: "cancel press"))
        #expect(lowered.level == .yellow)
        #expect(lowered.status == .open)
        #expect(try fixture.store.timeline(of: lowered.id).map(\.action) == ["raised", "downgraded"])
        #expect(try fixture.store.downgrade(eventKey: "none", to: .green, at: t0, note: "") == nil)
    }

    @Test func manualReportGoesThroughTheRaisePath() throws {
        let fixture = try StoreFixture()
        let location = EventLocation(community: "c01", building: "7", address: "Building 7 stairwell")
        let first = try fixture.store.report(kind: "manual", level: .yellow, location: location, title: "Broken light",
                                             description: "stairwell dark", actor: "li", at: t0)
        let second = try fixture.store.report(kind: "manual", level: .yellow, location: location, title: "Broken light",
                                              description: "again", actor: "li", at: t0)
        #expect(first.id != second.id)
        #expect(first.rule == "manual")
        #expect(try fixture.store.timeline(of: first.id).first?.actor == "li")
    }

    @Test func manualReportForADeviceRecordsTheDevice() throws {
        let fixture = try StoreFixture()
        let plain = try fixture.store.report(kind: "door", level: .green, location: EventLocation(address: "2号楼"),
                                             title: "door closer broken", description: "", actor: "gina", at: t0)
        #expect(plain.deviceID == "")
        let event = try fixture.store.report(kind: "door", level: .green, location: EventLocation(address: "2号楼"),
                                             deviceID: "DR-0003", title: "door closer broken", description: "",
                                             actor: "gina", at: t0 + 1_000)
        #expect(event.deviceID == "DR-0003")
        #expect(try fixture.store.event(id: event.id)?.deviceID == "DR-0003")
        #expect(!event.silenced)
        // With the device known, a silence on the device covers the report like a rule event.
        _ = try fixture.store.addSilence(scope: .device("DR-0003"), until: t0 + 3_600_000, reason: "door crew",
                                     actor: "gina", at: t0 + 2_000)
        let silenced = try fixture.store.report(kind: "door", level: .green, location: EventLocation(address: "2号楼"),
                                                deviceID: "DR-0003", title: "again", description: "", actor: "gina",
                                                at: t0 + 3_000)
        #expect(silenced.silenced)
    }

    @Test func renotifyOnlyWhileNobodyTookIt() throws {
        let fixture = try StoreFixture()
        let event = try fixture.store.raise(trigger()).event
        let before = try fixture.store.latestChangeSequence()
        #expect(try fixture.store.renotify(eventKey: event.eventKey, at: t0 + 60_000) != nil)
        let changes = try fixture.store.changes(after: before, limit: 10)
        #expect(changes.map(\.action) == ["renotified"])
        try fixture.store.perform(.acknowledge, on: event.id, actor: "wang", note: "", at: t0 + 70_000)
        #expect(try fixture.store.renotify(eventKey: event.eventKey, at: t0 + 120_000) == nil)
    }

    @Test func extremeDeviceTimesDoNotCrash() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger(ack: Int64.max, onsite: -5, at: EpochMillis.min))
        let event = try store.raise(trigger(at: EpochMillis.max)).event
        #expect(event.count == 2)
        #expect(event.lastSeen == EpochMillis.max)
        try store.raise(trigger("late", ack: Int64.max, at: EpochMillis.max))
        _ = try store.escalateDue(now: EpochMillis.max)
        _ = try store.statistics(since: EpochMillis.min, until: EpochMillis.max)
        try store.perform(.acknowledge, on: event.id, actor: "wang", note: "", at: EpochMillis.min)
    }

    @Test func ruleStateRoundTrips() throws {
        let fixture = try StoreFixture()
        try fixture.store.saveRuleState([(key: "a", value: [1, 2]), (key: "b", value: [3])])
        try fixture.store.saveRuleState([(key: "a", value: nil), (key: "b", value: [4, 0, 5])])
        let state = try fixture.store.loadRuleState()
        #expect(state.map(\.key) == ["b"])
        #expect(state.first?.value == [4, 0, 5])
    }
}
