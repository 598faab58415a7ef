import LookoutTestSupport
@testable import EventCore
import Foundation
import Testing
import Vocabulary

/// The event core's per-message paths written for speed (binding without C-string copies, the statement
/// cache's short hash, teams encoded by hand, batch transactions without savepoints) keep their meaning.
@Suite struct HotPathTests {
    /// Texts that a C-string or a careless byte count would damage.
    static let awkwardTexts = [
        "", "a", "plain ascii", "Grüße aus Köln", "名前", "emoji 🚒🔥 and flags 🇩🇪", "nul\u{0}inside", "\u{0}",
        "ends with nul\u{0}", "tab\tline\nreturn\r\nquote\"backslash\\", String(repeating: "long é ", count: 500),
    ]

    /// A filter for every event in any status.
    static var everything: EventFilter {
        var filter = EventFilter()
        filter.includeAll = true
        return filter
    }

    /// The event keys of every event.
    static func allKeys(_ store: EventStore) throws -> [String] { try store.events(everything).map(\.eventKey) }

    @Test func boundTextRoundTripsExactly() throws {
        let directory = try TemporaryDirectory(prefix: "hotpath")
        let connection = try SQLiteConnection(path: directory.file("t.db"), mode: .readWriteCreate)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT, other TEXT)")
        let insert = try connection.cached("INSERT INTO t (id, value, other) VALUES (?, ?, ?)")
        for (index, text) in Self.awkwardTexts.enumerated() {
            // Through the generic path and the array path alike.
            if index % 2 == 0 {
                try insert.execute(binding: Int64(index), text, Optional<String>.none)
            } else {
                try insert.execute([Int64(index), text, Optional<String>.none])
            }
        }
        let select = try connection.cached("SELECT value, length(CAST(value AS BLOB)), other IS NULL FROM t WHERE id = ?")
        for (index, text) in Self.awkwardTexts.enumerated() {
            let row = try #require(try select.firstRow(binding: Int64(index)) { row in
                (row.optionalText(0), row.int64(1), row.bool(2))
            })
            #expect(row.0 == text, "text \(index)")
            #expect(row.1 == Int64(text.utf8.count), "byte length of text \(index)")
            #expect(row.2, "a nil optional binds NULL")
        }
        // Empty text is text, not NULL.
        #expect(try connection.integer("SELECT count(*) FROM t WHERE value = ''") == 1)
    }

    @Test func bindingTooFewValuesIsAnError() throws {
        let directory = try TemporaryDirectory(prefix: "hotpath")
        let connection = try SQLiteConnection(path: directory.file("t.db"), mode: .readWriteCreate)
        try connection.execute("CREATE TABLE t (a, b)")
        #expect(throws: SQLiteError.self) {
            try connection.cached("INSERT INTO t (a, b) VALUES (?, ?)").execute(binding: Int64(1))
        }
    }

    @Test func statementsWithTheSameEndAndLengthStayApart() throws {
        let directory = try TemporaryDirectory(prefix: "hotpath")
        let connection = try SQLiteConnection(path: directory.file("t.db"), mode: .readWriteCreate)
        // Same length, same last 32 bytes: the same hash, different statements.
        let first = "SELECT 1 AS a, 'the same tail of thirty-two bytes...'"
        let second = "SELECT 2 AS a, 'the same tail of thirty-two bytes...'"
        #expect(first.utf8.count == second.utf8.count)
        #expect(try connection.integer(first) == 1)
        #expect(try connection.integer(second) == 2)
        #expect(try connection.cached(first) === connection.cached(String(first)))
        #expect(try connection.cached(first) !== connection.cached(second))
    }

    @Test func teamsAreEncodedAsFoundationDid() {
        let cases: [[String]] = [
            [], [""], ["grid-1"], ["grid-1", "", "fire"], ["line\nfeed", "crlf\r\nteam", "\n"], ["Grüße\n名前", "🚒"],
        ]
        for teams in cases {
            let foundation = teams.map { $0.replacingOccurrences(of: "\n", with: " ") }.filter { !$0.isEmpty }
                .joined(separator: "\n")
            #expect(StoredEvent.encodeTeams(teams) == foundation, "\(teams)")
        }
    }

    @Test func aFailedStepFailsTheWholeBatchEvenWhenCaught() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("kept", at: t0))
        struct StepFailure: Error {}
        #expect(throws: StepFailure.self) {
            try store.batchTransaction {
                try store.raise(trigger("lost-1", at: t0 + 1))
                // A step that fails after writing, its error swallowed by the caller.
                _ = try? store.transaction {
                    try store.raise(trigger("lost-2", at: t0 + 2))
                    throw StepFailure()
                }
                try store.raise(trigger("never", at: t0 + 3))
            }
        }
        // Nothing of the batch is committed, and the store works on.
        let reader = try fixture.reopen(readOnly: true)
        #expect(try Self.allKeys(reader) == ["kept"])
        try store.batchTransaction { try store.raise(trigger("after", at: t0 + 4)) }
        try store.raise(trigger("after-2", at: t0 + 5))
        #expect(Set(try Self.allKeys(reader)) == ["kept", "after", "after-2"])
    }

    @Test func oneActiveEventPerKeyIsStillEnforcedAndFound() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("k", at: t0))
        // A second active row for the key, written with plain SQL, is refused by the unique partial index.
        for status in ["open", "acknowledged", "dispatched", "onsite"] {
            #expect(throws: SQLiteError.self) {
                try store.connection.execute("INSERT INTO events SELECT NULL, rule, event_key, level, initial_level, escalate_to, '\(status)', " +
                    "kind, device_id, grp, community, building, unit, address, grid, owner, resident_name, resident_phone, " +
                    "emergency_contact, registered, title, description, teams, assignee, topic, payload, first_seen, last_seen, " +
                    "count, ack_within_ms, onsite_within_ms, ack_deadline, onsite_deadline, acknowledged_at, onsite_at, " +
                    "resolved_at, closed_at, ack_escalated, onsite_escalated, overdue, silenced, merged_into, " +
                    "repeat_logged_at, updated_at FROM events WHERE event_key = 'k'")
            }
        }
        // Inactive rows for the key are allowed, and the active one is still the one found (the row is changed
        // from another connection, as staff would, so that the daemon's cache of open events is dropped).
        try fixture.reopen().connection.execute("UPDATE events SET status = 'resolved' WHERE event_key = 'k'")
        try store.raise(trigger("k", at: t0 + 1))
        #expect(try store.activeEventKeys() == ["k"])
        #expect(try store.activeEvent(key: "k")?.record.firstSeen == t0 + 1)
        // The escalation query still runs on its partial indexes (INDEXED BY fails otherwise).
        #expect(try store.escalateDue(now: t0 + 2).isEmpty)
    }

    @Test func aBatchInsideATransactionIsAPlainStep() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.transaction {
            try store.batchTransaction { try store.raise(trigger("inner", community: "c07", at: t0)) }
            try store.raise(trigger("outer", community: "c07", at: t0 + 1))
        }
        #expect(try Self.allKeys(store).sorted() == ["inner", "outer"])
        #expect(try store.connection.integer("SELECT sum(events) FROM stats_counts WHERE community = 'c07'") == 4)
    }

    @Test func clearAndDowngradeThroughTheCacheSeeOtherConnections() throws {
        let fixture = try StoreFixture()
        let daemon = fixture.store
        try daemon.raise(trigger("a", level: .red, at: t0))
        try daemon.raise(trigger("b", level: .red, at: t0))
        // Staff resolve "a" from another connection: the daemon's cached copy must not be used.
        let staff = try fixture.reopen()
        let a = try #require(try staff.events(Self.everything).first { $0.eventKey == "a" })
        try staff.perform(.resolve, on: a.id, actor: "staff", note: "false alarm", at: t0 + 1)
        #expect(try daemon.batchTransaction { try daemon.clear(eventKey: "a", at: t0 + 2, note: "") } == nil)
        let lowered = try daemon.batchTransaction { try daemon.downgrade(eventKey: "b", to: .yellow, at: t0 + 3, note: "") }
        #expect(lowered?.level == .yellow)
        let cleared = try daemon.batchTransaction { try daemon.clear(eventKey: "b", at: t0 + 4, note: "") }
        #expect(cleared?.level == .yellow)
        #expect(cleared?.status == .cleared)
    }
}

/// The daemon's batches tally the statistics roll-up in memory and write it once per batch (the triggers stand
/// aside in those transactions only): the roll-up must come out exactly as the triggers make it.
@Suite struct DeferredStatisticsTests {
    /// The same random operations on two stores, one in `batchTransaction`s of several steps (roll-up tallied
    /// in Swift) with staff actions between them, one step by step (roll-up by the triggers).
    @Test(arguments: [11, 12, 13])
    func batchedRollupEqualsTheTriggers(seed: UInt64) throws {
        let batched = try StoreFixture()
        let stepwise = try StoreFixture()
        var random = SeededRandom(seed: seed)
        var now = t0
        let communities = ["c01", "c02", ""]
        let levels: [AlertLevel] = [.green, .yellow, .red]
        for _ in 0..<60 {
            // One batch: daemon work only (none of it can fail).
            var steps: [(EventStore) throws -> Void] = []
            for _ in 0..<Int(random.below(30) + 1) {
                now += EpochMillis(random.below(400_000))
                let at = now
                let key = "k\(random.below(25))"
                switch random.below(10) {
                case 0..<5:
                    var raised = trigger(key, level: levels[Int(random.below(3))], community: communities[Int(random.below(3))],
                                         ack: random.below(3) == 0 ? nil : Int64(random.below(900)),
                                         onsite: random.below(3) == 0 ? nil : Int64(random.below(4000)),
                                         at: random.below(8) == 0 ? at - EpochMillis(random.below(7_200_000)) : at)
                    raised.mergeWithinSeconds = random.below(2) == 0 ? 600 : nil
                    steps.append { try $0.raise(raised) }
                case 5..<7: steps.append { try $0.clear(eventKey: key, at: at, note: "") }
                case 7..<9:
                    let level = levels[Int(random.below(3))]
                    steps.append { try $0.downgrade(eventKey: key, to: level, at: at, note: "") }
                default: steps.append { _ = try $0.escalateDue(now: at) }
                }
            }
            try batched.store.batchTransaction { for step in steps { try step(batched.store) } }
            for step in steps { try step(stepwise.store) }
            // Staff act between batches (triggers count these in both stores).
            now += 1000
            for store in [batched.store, stepwise.store] {
                for event in try store.events(EventFilter()).prefix(3) {
                    let action: EventAction = event.status == .open ? .acknowledge : .onsite
                    _ = try? store.perform(action, on: event.id, actor: "wang", note: "", at: now)
                }
            }
        }
        #expect(try Self.rollupRows(batched.store) == Self.rollupRows(stepwise.store))
        for (since, until) in [(t0, now + 1), (t0 - 86_400_000, now + 86_400_000), (t0 + 3_600_000, t0 + 86_400_000)] {
            #expect(try batched.store.statistics(since: since, until: until)
                == atDisplayPrecision(try batched.store.statisticsByFullScan(since: since, until: until)))
        }
        // Outside batches the triggers count again: the flag was cleared in the committed state.
        #expect(try batched.store.connection.integer("SELECT deferred FROM stats_deferral") == 0)
    }

    @Test func aFailedBatchLeavesTheRollupAsItWas() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("a", at: t0))
        let before = try Self.rollupRows(store)
        struct Failure: Error {}
        #expect(throws: Failure.self) {
            try store.batchTransaction {
                try store.raise(trigger("b", community: "c02", at: t0 + 1))
                try store.clear(eventKey: "a", at: t0 + 2, note: "")
                throw Failure()
            }
        }
        #expect(try Self.rollupRows(store) == before)
        #expect(try store.connection.integer("SELECT deferred FROM stats_deferral") == 0)
        // The triggers count a plain raise afterwards.
        try store.raise(trigger("c", community: "c03", at: t0 + 3))
        #expect(try store.connection.integer("SELECT sum(events) FROM stats_counts WHERE community = 'c03'") == 2)
    }

    @Test func timesAtTheEdgeOfTheIntegerRangeAreLeftToTheTriggers() throws {
        let batched = try StoreFixture()
        let stepwise = try StoreFixture()
        for store in [batched.store, stepwise.store] {
            let edge = trigger("edge", ack: 60, at: EpochMillis.min + 5)
            let normal = trigger("normal", at: t0)
            if store === batched.store {
                try store.batchTransaction {
                    try store.raise(normal)
                    try store.raise(edge)
                    try store.clear(eventKey: "edge", at: EpochMillis.min + 7, note: "")
                }
            } else {
                try store.raise(normal)
                try store.raise(edge)
                try store.clear(eventKey: "edge", at: EpochMillis.min + 7, note: "")
            }
        }
        #expect(try Self.rollupRows(batched.store) == Self.rollupRows(stepwise.store))
    }

    /// Every roll-up row with a non-zero count, as text (the triggers may leave rows at zero).
    static func rollupRows(_ store: EventStore) throws -> [String] {
        var rows: [String] = []
        for sql in ["SELECT * FROM stats_counts WHERE events <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
                    "SELECT * FROM stats_durations WHERE events <> 0 ORDER BY 1, 2, 3, 4, 5"] {
            let statement = try store.connection.prepare(sql)
            let columns = sql.hasPrefix("SELECT * FROM stats_counts") ? 10 : 6
            try statement.forEachRow { row in
                rows.append((0..<columns).map { "\(row[$0])" }.joined(separator: "|"))
            }
        }
        return rows
    }
}
