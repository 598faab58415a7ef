import Foundation
import LookoutTestSupport
import Testing
@testable import EventCore
import Vocabulary

/// The roll-up behind `lookout stats` gives the same figures as reading every event of the period
/// (`statisticsByFullScan`, the implementation before the roll-up), with durations at display precision.
@Suite struct StatisticsRollupTests {
    @Test(arguments: [1, 2, 3, 4])
    func rollupEqualsFullScanAfterRandomLifecycles(seed: UInt64) throws {
        let fixture = try StoreFixture()
        var random = SeededRandom(seed: seed)
        let end = try StatisticsScenario.run(on: fixture.store, steps: 1500, random: &random)
        try expectRollupMatchesFullScan(fixture.store, end: end, random: &random)
        // The CLI's read-only connection reads the same figures.
        let reader = try fixture.reopen(readOnly: true)
        #expect(try reader.statistics(since: t0 - 3_600_000, until: end)
            == atDisplayPrecision(try fixture.store.statisticsByFullScan(since: t0 - 3_600_000, until: end)))
    }

    @Test func migrationFromVersion2BackfillsTheRollup() throws {
        let directory = try TemporaryDirectory(prefix: "eventcore")
        let path = directory.file("lookout.db")
        let version2 = SchemaMigrator(migrations: EventSchema.migrations.filter { $0.version <= 2 })
        var random = SeededRandom(seed: 99)
        let end: EpochMillis
        do {
            let old = try EventStore(path: path, options: StoreOptions(), readOnly: false, migrator: version2)
            // Today's code writes the events: it needs the columns of versions 7, 8, 11, 13 and 14 while it does, and they go
            // again before the upgrade (which adds them).
            let version7Columns = [("events", "maintenance TEXT"), ("silences", "kind TEXT NOT NULL DEFAULT ''"),
                                   ("silences", "rule TEXT NOT NULL DEFAULT ''"), ("silences", "released_at INTEGER"),
                                   ("events", "occurred_at INTEGER"), ("events", "emergency_phone TEXT NOT NULL DEFAULT ''"),
                                   ("events", "latitude REAL"), ("events", "longitude REAL"),
                                   ("timeline", "prev_hash TEXT NOT NULL DEFAULT ''"), ("timeline", "hash TEXT NOT NULL DEFAULT ''"),
                                   ("events", "cause TEXT")]
            for (table, column) in version7Columns { try old.connection.execute("ALTER TABLE \(table) ADD COLUMN \(column)") }
            // And the escalation tables of version 10 (steps and teams).
            let escalationTables = try #require(EventSchema.migrations.first { $0.version == 10 })
            try old.connection.execute(escalationTables.sql)
            end = try StatisticsScenario.run(on: old, steps: 800, random: &random)
            for (table, column) in version7Columns {
                try old.connection.execute("ALTER TABLE \(table) DROP COLUMN \(column.prefix { $0 != " " })")
            }
            try old.connection.execute("DROP TABLE event_steps; DROP TABLE event_teams")
            #expect(try SchemaMigrator.storedVersion(old.connection) == 2)
        }
        let store = try EventStore(path: path)
        #expect(try SchemaMigrator.storedVersion(store.connection) == EventSchema.currentVersion)
        #expect(FileManager.default.fileExists(atPath: path + ".v2.bak"))
        // The timeline written under version 2 was chained by the migration.
        #expect(try store.verifyTimeline().isIntact)
        try expectRollupMatchesFullScan(store, end: end, random: &random)
        // Changes after the migration keep the backfilled roll-up current.
        let more = try StatisticsScenario.run(on: store, steps: 300, from: end, random: &random)
        try expectRollupMatchesFullScan(store, end: more, random: &random)
    }

    @Test func rowsWrittenWithPlainSQLAreCounted() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("a", at: t0 + 90_000_000))
        // A copy made with SQL (as scripts/bench-store.sh does), acknowledged late, then deleted again.
        try store.connection.execute("""
            INSERT INTO events (rule, event_key, level, initial_level, status, kind, device_id, grp, community, building,
                unit, address, grid, owner, resident_name, resident_phone, emergency_contact, registered, title,
                description, teams, topic, payload, first_seen, last_seen, count, ack_deadline, acknowledged_at,
                repeat_logged_at, updated_at)
            SELECT rule, 'copy', level, initial_level, 'closed', kind, device_id, grp, 'c09', building, unit, address,
                grid, owner, resident_name, resident_phone, emergency_contact, registered, title, description, teams,
                topic, payload, first_seen - 86400000, last_seen, count, first_seen - 86400000 + 1000,
                first_seen - 86400000 + 61500, repeat_logged_at, updated_at FROM events
            """)
        let period = (since: t0 - 1, until: t0 + 2 * 86_400_000)
        let stats = try store.statistics(since: period.since, until: period.until)
        #expect(stats == atDisplayPrecision(try store.statisticsByFullScan(since: period.since, until: period.until)))
        #expect(stats.perCommunity.map(\.community) == ["c01", "c09"])
        #expect(stats.timeToAcknowledge.medianMillis == 61_000)
        #expect(stats.acknowledgedInTime == DeadlineShare(met: 0, total: 2))  // the copy late, "a" not acknowledged
        try store.connection.execute("DELETE FROM events WHERE event_key = 'copy'")
        #expect(try store.statistics(since: period.since, until: period.until).perCommunity.map(\.community) == ["c01"])
        #expect(try store.connection.integer("SELECT sum(events) FROM stats_counts WHERE span = 86400000") == 1)
    }

    @Test func blockRunsTileThePeriod() {
        var random = SeededRandom(seed: 7)
        var periods: [(EpochMillis, EpochMillis)] = [(EpochMillis.min, EpochMillis.max), (EpochMillis.min, 0), (0, EpochMillis.max), (-5, 5),
                                           (t0, t0 + 3_600_000), (t0 - 1, t0 + 3_600_000), (t0 + 1, t0 + 7_200_000)]
        for _ in 0..<500 {
            let since = t0 + EpochMillis(random.below(40 * 86_400_000)) - 20 * 86_400_000
            periods.append((since, since + EpochMillis(random.below(35 * 86_400_000))))
        }
        for (since, until) in periods {
            guard let blocks = StatisticsRollup.blockRuns(since: since, until: until) else {
                // No whole hour inside the period (or it starts within an hour of the oldest time).
                #expect(until.subtractingReportingOverflow(since).partialValue < 2 * 3_600_000 || since < EpochMillis.min + 3_600_000)
                continue
            }
            #expect(blocks.covered.lowerBound >= since && blocks.covered.upperBound <= until)
            #expect(blocks.covered.lowerBound.subtractingReportingOverflow(since).partialValue < 3_600_000)
            #expect(until.subtractingReportingOverflow(blocks.covered.upperBound).partialValue < 3_600_000)
            var cursor = blocks.covered.lowerBound
            for run in blocks.runs {
                #expect(run.from == cursor && run.from < run.to)
                #expect(StatisticsRollup.blockStart(run.from, span: run.span) == run.from)
                #expect(StatisticsRollup.blockStart(run.to, span: run.span) == run.to)
                cursor = run.to
            }
            #expect(cursor == blocks.covered.upperBound)
            #expect(blocks.runs.count <= 2 * StatisticsRollup.blockSpans.count)
        }
    }

    @Test func durationBucketsFollowTheDisplay() {
        #expect(StatisticsRollup.durationBucket(-5) == 0)
        #expect(StatisticsRollup.durationBucket(59_999) == 59_000)
        #expect(StatisticsRollup.durationBucket(599_999) == 599_000)
        #expect(StatisticsRollup.durationBucket(600_001) == 600_000)
        #expect(StatisticsRollup.durationBucket(3_725_000) == 3_720_000)
        #expect(StatisticsRollup.durationBucket(90_061_000) == 90_000_000)
        #expect(StatisticsRollup.durationBucket(EpochMillis.max) <= EpochMillis.max)
        #expect(DurationSummary(histogram: [1000: 3, 5000: 1, 9000: 0]) == DurationSummary([1000, 1000, 1000, 5000]))
    }

    /// Compares the roll-up with the full scan over periods that start and end mid-hour, on hour and day
    /// boundaries, before the first event and after the last.
    private func expectRollupMatchesFullScan(_ store: EventStore, end: EpochMillis, random: inout SeededRandom) throws {
        var periods: [(EpochMillis, EpochMillis)] = [(t0, end), (t0 - 86_400_000, end + 86_400_000), (t0 + 3_600_000, t0 + 86_400_000),
                                           (t0 + 1, end + 1), (EpochMillis.min, EpochMillis.max), (end, t0),
                                           (t0 - 400 * 86_400_000 + 1, end + 400 * 86_400_000)]
        let length = UInt64(max(end - t0, 1))
        for _ in 0..<40 {
            let since = t0 + EpochMillis(random.below(length)) - 3_600_000
            periods.append((since, since + EpochMillis(random.below(length + 7_200_000))))
        }
        for (since, until) in periods {
            let rolledUp = try store.statistics(since: since, until: until)
            let reference = atDisplayPrecision(try store.statisticsByFullScan(since: since, until: until))
            #expect(rolledUp == reference, "period \(since) ..< \(until)")
        }
    }
}

/// `statistics` with its medians and 90th percentiles rounded as `lookout stats` shows them.
func atDisplayPrecision(_ statistics: EventStatistics) -> EventStatistics {
    func rounded(_ summary: DurationSummary) -> DurationSummary {
        var summary = summary
        summary.medianMillis = summary.medianMillis.map(StatisticsRollup.durationBucket)
        summary.p90Millis = summary.p90Millis.map(StatisticsRollup.durationBucket)
        return summary
    }
    var result = statistics
    result.timeToAcknowledge = rounded(statistics.timeToAcknowledge)
    result.timeToOnsite = rounded(statistics.timeToOnsite)
    result.perCommunity = statistics.perCommunity.map { community in
        var community = community
        community.timeToAcknowledge = rounded(community.timeToAcknowledge)
        community.timeToOnsite = rounded(community.timeToOnsite)
        return community
    }
    return result
}

/// Random but repeatable event lifecycles: raises (repeats, upgrades, merge-window reopens, device clocks
/// behind), staff actions, clears, downgrades, merges, escalations and silences, over about three days.
enum StatisticsScenario {
    /// Runs `steps` random operations from `from`; returns the time after the last one.
    static func run(on store: EventStore, steps: Int, from start: EpochMillis = t0, random: inout SeededRandom) throws -> EpochMillis {
        var now = start
        var ids: [String] = []
        let communities = ["c01", "c02", "c03", ""]
        let levels: [AlertLevel] = [.green, .yellow, .red]
        for _ in 0..<steps {
            now += EpochMillis(random.below(240_000))
            let key = "k\(random.below(60))"
            switch random.below(100) {
            case 0..<35:
                var raised = trigger(key, level: levels[Int(random.below(3))],
                                     escalateTo: random.below(2) == 0 ? .red : nil,
                                     community: communities[Int(random.below(4))],
                                     ack: random.below(4) == 0 ? nil : Int64(random.below(900)),
                                     onsite: random.below(3) == 0 ? nil : Int64(random.below(4000)),
                                     at: random.below(10) == 0 ? now - EpochMillis(random.below(7_200_000)) : now)
                raised.mergeWithinSeconds = random.below(3) == 0 ? 600 : nil
                ids.append(try store.raise(raised).event.id)
            case 35..<70:
                guard let id = ids.randomElement(using: &random) else { continue }
                let actions: [EventAction] = [.acknowledge, .dispatch(to: "li"), .onsite, .resolve, .close,
                                              .reopen, .note]
                _ = try? store.perform(actions[Int(random.below(UInt64(actions.count)))], on: id, actor: "wang",
                                       note: "", at: now)
            case 70..<78:
                try store.clear(eventKey: key, at: now, note: "")
            case 78..<83:
                try store.downgrade(eventKey: key, to: levels[Int(random.below(3))], at: now, note: "")
            case 83..<88:
                guard let id = ids.randomElement(using: &random), let target = ids.randomElement(using: &random) else { continue }
                _ = try? store.merge(id, into: target, actor: "wang", note: "", at: now)
            case 88..<97:
                try store.escalateDue(now: now)
            default:
                try store.addSilence(scope: .community(communities[Int(random.below(3))]),
                                     until: now + EpochMillis(random.below(3_600_000)), reason: "works", actor: "wang", at: now)
            }
        }
        return now + 1
    }
}
