import EventCore
import Testing
import Vocabulary

@Suite struct StatisticsTests {
    @Test func countsTimesAndShares() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        // Red events acknowledged after 60 s, 100 s and 300 s (deadline 120 s); one never acknowledged.
        for (index, delay) in [60, 100, 300].enumerated() {
            let id = try store.raise(trigger("r\(index)", level: .red, at: t0)).event.id
            try store.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0 + EpochMillis(delay) * 1000)
            if index == 0 { try store.perform(.onsite, on: id, actor: "wang", note: "", at: t0 + 600_000) }
        }
        try store.raise(trigger("r3", level: .red, at: t0))
        try store.raise(trigger("g", level: .green, community: "c02", at: t0 + 5000))
        try store.raise(trigger("outside", level: .green, at: t0 + 7_200_000))
        try store.escalateDue(now: t0 + 3_600_000)
        let stats = try store.statistics(since: t0, until: t0 + 3_600_000)
        #expect(stats.total == 5)
        #expect(stats.byLevel == [.red: 4, .green: 1])
        #expect(stats.byStatus == [.acknowledged: 2, .onsite: 1, .open: 2])
        #expect(stats.timeToAcknowledge == DurationSummary([60_000, 100_000, 300_000]))
        #expect(stats.timeToAcknowledge.medianMillis == 100_000)
        #expect(stats.timeToAcknowledge.p90Millis == 300_000)
        #expect(stats.timeToOnsite.count == 1)
        // Acknowledge: 60 s and 100 s in time; 300 s late; r3 never (deadline passed). Green's deadline is later.
        #expect(stats.acknowledgedInTime == DeadlineShare(met: 2, total: 4))
        #expect(stats.acknowledgedInTime.fraction == 0.5)
        #expect(stats.overdue == 3)
        #expect(stats.perCommunity.map(\.community) == ["c01", "c02"])
        #expect(stats.perCommunity.first?.stillActive == 4)
    }

    @Test func percentilesUseNearestRank() {
        let summary = DurationSummary((1...10).map { EpochMillis($0) })
        #expect(summary.medianMillis == 5)
        #expect(summary.p90Millis == 9)
        #expect(DurationSummary([]).medianMillis == nil)
    }
}
