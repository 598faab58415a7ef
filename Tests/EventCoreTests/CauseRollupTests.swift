import Foundation
import LookoutTestSupport
import Testing
@testable import EventCore
import Vocabulary

/// The roll-up behind the report's breakdowns (`stats_causes`, schema version 18) gives the same groups as reading
/// every event of the period, whatever happened to the events: resolves with causes, reopens, new teams, deletes,
/// rows written with plain SQL, the daemon's deferred batches.
@Suite struct CauseRollupTests {
    @Test(arguments: [1, 2, 3])
    func breakdownEqualsFullScan(seed: UInt64) throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        var random = SeededRandom(seed: seed)
        let span: EpochMillis = 5 * 86_400_000
        var ids: [String] = []
        for index in 0 ..< 400 {
            let kind = ["smoke", "sos", "door"][Int(random.next() % 3)]
            let device = "\(kind)-\(random.next() % 12)"
            let at = t0 + EpochMillis(random.next() % UInt64(span))
            let raise = {
                try store.raise(EventTrigger(
                    rule: "\(kind)_rule", eventKey: "\(device)#\(index)", level: .red, kind: kind, deviceID: device,
                    location: EventLocation(community: "c0\(random.next() % 3)", building: "\(random.next() % 4)",
                                            grid: "g\(random.next() % 2)", registered: true),
                    title: "t", teams: random.next() % 2 == 0 ? ["property"] : ["property", "fire"], at: at)).event
            }
            // Some through the daemon's batch transaction, whose statistics triggers stand aside.
            let event = try index % 3 == 0 ? store.batchTransaction(raise) : raise()
            ids.append(event.id)
        }
        for id in ids where random.next() % 4 != 0 {
            let kind = try #require(try store.event(id: id)).kind
            let choices = EventCause.choices(forKind: kind)
            _ = try store.perform(.resolve, on: id, actor: "a", note: "", cause: choices[Int(random.next() % UInt64(choices.count))],
                                  at: t0 + span)
        }
        for id in ids.prefix(40) where try store.event(id: id)?.status == .resolved {
            _ = try store.perform(.reopen, on: id, actor: "a", note: "", at: t0 + span + 1)
        }
        try store.connection.execute("UPDATE events SET teams = 'police' WHERE id % 7 = 0")
        try store.connection.execute("PRAGMA foreign_keys = OFF; DELETE FROM events WHERE id % 11 = 0; PRAGMA foreign_keys = ON")
        for _ in 0 ..< 20 {
            let a = t0 - 3_600_000 + EpochMillis(random.next() % UInt64(span + 7_200_000))
            let b = t0 - 3_600_000 + EpochMillis(random.next() % UInt64(span + 7_200_000))
            let (since, until) = (min(a, b), max(a, b) + 1)
            for community in [nil, "c01"] as [String?] {
                let rolled = try store.breakdown(since: since, until: until, community: community, topDevices: 5, fullScan: false)
                let scanned = try store.breakdown(since: since, until: until, community: community, topDevices: 5, fullScan: true)
                #expect(rolled == scanned, "\(since) ..< \(until) \(community ?? "all")")
            }
        }
        let all = try store.breakdown(since: t0, until: t0 + span)
        #expect(all.total.events == Int(try store.connection.integer("SELECT count(*) FROM events")))
        #expect(all.total.classified == Int(try store.connection.integer("SELECT count(*) FROM events WHERE cause IS NOT NULL")))
        #expect(all.byTeam.contains { $0.key == "police" })
        #expect(!all.devices.isEmpty)
    }

    /// The report's queries use the roll-up's key and the partial indexes, never a scan of `events`.
    @Test func theReportQueriesUseIndexes() throws {
        let fixture = try StoreFixture()
        func plan(_ sql: String) throws -> String {
            try fixture.store.connection.cached("EXPLAIN QUERY PLAN " + sql).query([]) { $0.text(3) }.joined(separator: "\n")
        }
        let rollup = try plan("SELECT community, events FROM stats_causes WHERE span = 3600000 AND start >= 0 AND start < 10")
        #expect(rollup.contains("SEARCH stats_causes USING PRIMARY KEY (span=? AND start>? AND start<?)"), "\(rollup)")
        let edge = try plan("SELECT community FROM events WHERE first_seen >= 0 AND first_seen < 10")
        #expect(edge.contains("USING INDEX events_first_seen"), "\(edge)")
        let flagged = try plan("""
            SELECT device_id, count(*) FROM events INDEXED BY events_flagged
            WHERE \(CauseRollup.flaggedCondition) AND first_seen >= 0 AND first_seen < 10 GROUP BY device_id
            """)
        #expect(flagged.contains("events_flagged (first_seen>? AND first_seen<?)"), "\(flagged)")
        let caused = try plan("""
            SELECT count(*) FROM events INDEXED BY events_caused
            WHERE cause IS NOT NULL AND device_id = 'x' AND first_seen >= 0 AND first_seen < 10
            """)
        #expect(caused.contains("events_caused (device_id=? AND first_seen>? AND first_seen<?)"), "\(caused)")
    }
}
