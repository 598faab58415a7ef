import LookoutTestSupport
import Testing
@testable import EventCore
import Vocabulary

/// Schema version 16: the roll-up triggers on `events` are small gates that test the deferral and hand the row to
/// the counting triggers on two views, so a deferred write (the daemon's batches) never enters the counting program.
@Suite struct StatisticsGateTests {
    /// Ops of each trigger program in `EXPLAIN sql`, by trigger name (SQLite names them in the program's `Init`).
    private func triggerPrograms(_ store: EventStore, _ sql: String) throws -> [String: Int] {
        var programs: [String: Int] = [:]
        var current: String?
        try store.connection.prepare("EXPLAIN " + sql).forEachRow { row in
            if row.text(1) == "Init", let name = row.optionalText(5), name.hasPrefix("-- TRIGGER ") {
                current = String(name.dropFirst("-- TRIGGER ".count))
            }
            if let current { programs[current, default: 0] += 1 }
        }
        return programs
    }

    @Test func theEventsTriggersOnlyGateTheCountingPrograms() throws {
        let fixture = try StoreFixture()
        let insert = try triggerPrograms(fixture.store, "INSERT INTO events (rule, first_seen) VALUES ('x', 1)")
        let update = try triggerPrograms(fixture.store, "UPDATE events SET acknowledged_at = 5 WHERE id = 1")
        // SQLite sizes (and zeroes) a trigger's frame for its whole program before testing its WHEN: the gates are a
        // few dozen to a hundred and some ops, the counting programs (nested, entered past the gate only) near 900.
        #expect(try #require(insert["events_stats_insert"]) < 60)
        #expect(try #require(update["events_stats_update"]) < 200)
        #expect(try #require(insert["stats_event_added_count"]) > 500)
        #expect(update["stats_event_removed_count"] != nil && update["stats_event_added_count"] != nil)
    }

    @Test func mixedBatchAndPlainWritesKeepTheRollupExact() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.batchTransaction {
            for index in 0..<6 {
                try store.raise(trigger("k\(index)", community: index % 2 == 0 ? "c01" : "c02", ack: 300, onsite: 900,
                                        at: t0 + EpochMillis(index) * 1_000_000))
            }
        }
        // Counted columns only (the durations stay), then a duration's column, with plain SQL: the triggers count.
        try store.connection.execute("UPDATE events SET level = 'yellow' WHERE event_key = 'k0'")
        try store.connection.execute("UPDATE events SET acknowledged_at = first_seen + 42000 WHERE event_key IN ('k1', 'k2')")
        let acknowledged = try #require(try store.events(EventFilter()).first { $0.eventKey == "k3" })
        _ = try store.perform(.acknowledge, on: acknowledged.id, actor: "wang", note: "", at: t0 + 9_000_000)
        try store.batchTransaction {
            try store.clear(eventKey: "k4", at: t0 + 9_500_000, note: "")
            try store.raise(trigger("k6", community: "c03", at: t0 + 9_600_000))
        }
        try store.connection.execute("PRAGMA foreign_keys = OFF; DELETE FROM events WHERE event_key = 'k5'; PRAGMA foreign_keys = ON")
        // The gate honours the flag: a write while it is set is left to whoever set it.
        try store.connection.execute("""
            BEGIN; UPDATE stats_deferral SET deferred = 1;
            UPDATE events SET level = 'green' WHERE event_key = 'k6';
            """)
        #expect(try store.connection.integer("SELECT count(*) FROM stats_counts WHERE level = 'green' AND events <> 0") == 0)
        try store.connection.execute("ROLLBACK")
        for (since, until) in [(t0, t0 + 86_400_000), (t0 - 86_400_000, t0 + 2 * 86_400_000), (t0 + 1, t0 + 9_000_001)] {
            #expect(try store.statistics(since: since, until: until)
                == atDisplayPrecision(try store.statisticsByFullScan(since: since, until: until)))
        }
        let levels = try store.connection.prepare("SELECT level, sum(events) FROM stats_counts WHERE span = 86400000 GROUP BY level")
            .query { "\($0.text(0))=\($0.int64(1))" }
        #expect(levels == ["red=5", "yellow=1"])
    }
}
