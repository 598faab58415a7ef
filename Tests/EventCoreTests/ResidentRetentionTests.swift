import EventCore
import Testing
import Vocabulary

/// Retention of residents' personal data (issue 16, PIPL): removed from events resolved or closed and inactive
/// for longer than the retention, from their title, description and change-feed snapshots too; the figures and
/// the timeline's chain are untouched.
@Suite struct ResidentRetentionTests {
    static func personalTrigger(_ key: String, at: EpochMillis) -> EventTrigger {
        var trigger = trigger(key, device: String(key.split(separator: ":").last ?? ""), at: at)
        trigger.location.residentName = "Wang Fang"
        trigger.location.residentPhone = "13800000011"
        trigger.location.emergencyContact = "Wang Lei 13900000012"
        trigger.title = "Emergency call from Wang Fang"
        trigger.description = "phone 13800000011; emergency contact Wang Lei 13900000012"
        trigger.emergencyPhone = "13900000012"
        return trigger
    }

    @Test func personalDataOfOldSettledEventsIsRemovedAndTheFiguresAndChainStay() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let old = try store.raise(Self.personalTrigger("sos:SOS-1", at: t0)).event
        _ = try store.perform(.acknowledge, on: old.id, actor: "alice", note: "", at: t0 + 60_000)
        _ = try store.perform(.resolve, on: old.id, actor: "alice", note: "errand", at: t0 + 600_000)
        let stillOpen = try store.raise(Self.personalTrigger("sos:SOS-2", at: t0)).event
        let recent = try store.raise(Self.personalTrigger("sos:SOS-3", at: t0 + 90 * 86_400_000)).event
        _ = try store.perform(.resolve, on: recent.id, actor: "alice", note: "x", at: t0 + 90 * 86_400_000 + 1)
        let figures = try store.statistics(since: 0, until: t0 + 365 * 86_400_000)

        let cutoff = t0 + 30 * 86_400_000
        #expect(try store.removeResidentData(inactiveBefore: cutoff) == 1)
        let cleaned = try #require(try store.event(id: old.id))
        #expect(!cleaned.hasResidentData)
        #expect(cleaned.title == "Emergency call from [withheld]")
        #expect(cleaned.description == "phone [withheld]; emergency contact [withheld]")
        #expect(try store.emergencyPhone(eventID: old.id).isEmpty)
        for change in try store.changes(after: 0, limit: 1_000) where change.event.id == old.id {
            #expect(!change.event.hasResidentData && !change.event.title.contains("Wang"))
        }
        // An open event and a recent one keep theirs (staff still need them).
        #expect(try store.event(id: stillOpen.id)?.location.residentPhone == "13800000011")
        #expect(try store.event(id: recent.id)?.location.residentName == "Wang Fang")
        // Counts and times for the statistics stay; the timeline's chain still verifies.
        #expect(try store.statistics(since: 0, until: t0 + 365 * 86_400_000) == figures)
        let verification = try store.verifyTimeline()
        #expect(verification.firstBreak == nil, "\(verification)")
        // Nothing left to do: a second run changes nothing.
        #expect(try store.removeResidentData(inactiveBefore: cutoff) == 0)
    }
}
