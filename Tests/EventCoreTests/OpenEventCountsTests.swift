@testable import EventCore
import Testing
import Vocabulary

/// The status row's open and overdue counts come from one aggregate query; these pin it to what a person
/// reading the events one by one would count.
@Suite struct OpenEventCountsTests {
    /// What the counts mean, written out over the events themselves (how the daemon counted before).
    private func countedOneByOne(_ store: EventStore, now: EpochMillis) throws -> OpenEventCounts {
        var filter = EventFilter()
        filter.limit = Int(Int32.max)
        var counts = OpenEventCounts()
        for event in try store.events(filter) {
            counts.byLevel[event.level, default: 0] += 1
            if event.overdue { counts.everOverdue += 1 }
            let ackMissed = event.status == .open && (event.ackDeadline.map { $0 <= now } ?? false)
            let onsiteMissed = ![.onsite, .resolved, .closed].contains(event.status) && (event.onsiteDeadline.map { $0 <= now } ?? false)
            guard event.overdue, ackMissed || onsiteMissed else { continue }
            counts.overdue += 1
            if event.level == .red { counts.overdueRed += 1 }
        }
        return counts
    }

    @Test func countsByLevelAndOverdueAsTheEventsSay() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        #expect(try store.openEventCounts(now: t0) == OpenEventCounts())

        let unanswered = try store.raise(trigger("smoke:SD-1", device: "SD-1")).event.id
        let lateAck = try store.raise(trigger("smoke:SD-2", device: "SD-2")).event.id
        let resolved = try store.raise(trigger("smoke:SD-3", device: "SD-3")).event.id
        _ = try store.raise(trigger("manhole:MH-1", level: .yellow, device: "MH-1"))
        try store.perform(.resolve, on: resolved, actor: "wang", note: "", at: t0 + 10_000)
        _ = try store.escalateDue(now: t0 + 120_000)
        try store.perform(.acknowledge, on: lateAck, actor: "wang", note: "", at: t0 + 150_000)

        let afterAck = try store.openEventCounts(now: t0 + 200_000)
        #expect(afterAck.byLevel == [.red: 2, .yellow: 1])
        #expect(afterAck.overdue == 1, "only \(unanswered) still waits for its acknowledgement")
        #expect(afterAck.overdueRed == 1)
        #expect(afterAck.everOverdue == 2, "the late acknowledgement still missed its deadline once")
        #expect(afterAck == (try countedOneByOne(store, now: t0 + 200_000)))

        _ = try store.escalateDue(now: t0 + 1_000_000)
        let nobodyOnSite = try store.openEventCounts(now: t0 + 1_000_000)
        #expect(nobodyOnSite.overdue == 3, "both red events and the yellow one: nobody on site in time")
        #expect(nobodyOnSite.overdueRed == 2)
        #expect(nobodyOnSite == (try countedOneByOne(store, now: t0 + 1_000_000)))

        try store.perform(.onsite, on: lateAck, actor: "wang", note: "", at: t0 + 1_100_000)
        let oneOnSite = try store.openEventCounts(now: t0 + 1_100_000)
        #expect(oneOnSite.overdue == 2)
        #expect(oneOnSite.overdueRed == 1)
        #expect(oneOnSite == (try countedOneByOne(store, now: t0 + 1_100_000)))
    }

    /// Counting searches the index per status; it never reads the closed events, which are almost all of them.
    @Test func countingSearchesTheIndexInsteadOfScanningIt() throws {
        let fixture = try StoreFixture()
        let plan = try fixture.store.connection.cached("EXPLAIN QUERY PLAN " + EventStore.openEventCountsSQL)
            .query([Int64(0)]) { $0.text(3) }.joined(separator: "\n")
        #expect(plan.components(separatedBy: "SEARCH events USING INDEX events_status_level").count == 3, "\(plan)")
        #expect(!plan.contains("SCAN events"), "\(plan)")
    }
}
