import Vocabulary

/// The roll-up behind `lookout stats` (schema version 4): per block of time (an hour and a day, UTC,
/// by `first_seen`) and community, how many events are in each state, and how many took each time to be
/// acknowledged and reached on site, at the precision `lookout stats` displays.
///
/// SQLite triggers on `events` keep both tables current in the same transaction as every change of a
/// row (insert, update of a field that statistics read, delete): the old row's contribution is taken
/// out and the new row's added. No code path that writes `events` can forget it, and rows written with
/// plain SQL (scripts, tests) are counted too. `EventStore.statistics(since:until:)` sums whole blocks
/// and reads only the events of the partial hours at the two ends of the period.
///
/// The migration's SQL is generated here; what it generates must not change once shipped (a later
/// change of the roll-up is a new migration that drops and rebuilds the tables).
enum StatisticsRollup {
    /// Block lengths in milliseconds, shortest first; each is a multiple of the previous one and blocks
    /// start at multiples of their length since the epoch.
    static let blockSpans: [EpochMillis] = [3_600_000, 86_400_000]
    /// The shortest block length.
    private static var shortestSpan: EpochMillis { blockSpans[0] }

    /// A step whose time from the first trigger is measured.
    enum Step: Int, CaseIterable {
        /// Acknowledged (by any action that implies it).
        case acknowledge = 0
        /// Someone on site.
        case onsite = 1

        /// Column of the time the step was done.
        var doneColumn: String { self == .acknowledge ? "acknowledged_at" : "onsite_at" }
        /// Column of the step's deadline.
        var deadlineColumn: String { self == .acknowledge ? "ack_deadline" : "onsite_deadline" }
        /// Column of `stats_counts` holding the event's `DeadlineOutcome`.
        var outcomeColumn: String { self == .acknowledge ? "ack_outcome" : "onsite_outcome" }
        /// Column of the migration's backfill table holding the event's duration bucket for this step.
        var bucketColumn: String { self == .acknowledge ? "ack_bucket" : "onsite_bucket" }
        /// Partial index of events whose deadline for this step is not met (yet).
        var unmetIndex: String { self == .acknowledge ? "events_ack_unmet" : "events_onsite_unmet" }
        /// The condition of `unmetIndex`; queries repeat it word for word so that SQLite uses the index.
        var unmetCondition: String { "\(deadlineColumn) IS NOT NULL AND \(doneColumn) IS NULL AND status <> 'merged'" }
    }

    /// Where an event stands against one step's deadline (`stats_counts.ack_outcome`, `onsite_outcome`).
    enum DeadlineOutcome: Int64 {
        /// No deadline, or a merged event: not in the share.
        case notMeasured = 0
        /// Done by the deadline.
        case met = 1
        /// Done after the deadline.
        case late = 2
        /// Not done: in the share once the deadline is before the end of the period.
        case notDone = 3
    }

    /// Start of the block of length `span` that holds `time` (floor, also for times before 1970);
    /// nil when it would fall before `EpochMillis.min`.
    static func blockStart(_ time: EpochMillis, span: EpochMillis) -> EpochMillis? {
        let remainder = ((time % span) + span) % span
        let (start, overflow) = time.subtractingReportingOverflow(remainder)
        return overflow ? nil : start
    }

    /// A duration rounded down to what `lookout stats` shows: whole seconds below 10 minutes, whole
    /// minutes below a day, whole hours from a day on (`TimeText.span`: `45s`, `9m30s`, `3h05m`, `2d04h`).
    /// Medians and 90th percentiles are exact at this precision.
    static func durationBucket(_ millis: EpochMillis) -> EpochMillis {
        let duration = max(millis, 0)
        let unit: EpochMillis = duration < 600_000 ? 1000 : duration < 86_400_000 ? 60_000 : 3_600_000
        return duration - duration % unit
    }

    // MARK: SQL

    /// The schema change of version 4: tables, indexes, triggers and the backfill from existing events.
    static var migrationSQL: String {
        let spans = "(" + blockSpans.map { "SELECT \($0) AS span" }.joined(separator: " UNION ALL ") + ") AS s"
        let countsKey = countsKeyColumns.joined(separator: ", ")
        return """
        CREATE TABLE stats_counts (
            span INTEGER NOT NULL,
            start INTEGER NOT NULL,
            community TEXT NOT NULL,
            level TEXT NOT NULL,
            status TEXT NOT NULL,
            overdue INTEGER NOT NULL,
            silenced INTEGER NOT NULL,
            ack_outcome INTEGER NOT NULL,
            onsite_outcome INTEGER NOT NULL,
            events INTEGER NOT NULL,
            PRIMARY KEY (\(countsKey))
        ) WITHOUT ROWID;
        CREATE TABLE stats_durations (
            span INTEGER NOT NULL,
            start INTEGER NOT NULL,
            community TEXT NOT NULL,
            step INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            events INTEGER NOT NULL,
            PRIMARY KEY (span, start, community, step, bucket)
        ) WITHOUT ROWID;
        \(Step.allCases.map { "CREATE INDEX \($0.unmetIndex) ON events(\($0.deadlineColumn)) WHERE \($0.unmetCondition);" }
            .joined(separator: "\n"))

        -- Backfill: one pass over the events into per-hour groups (durations included), then every block from those.
        CREATE TEMP TABLE stats_backfill AS
            SELECT start, community, level, status, overdue, silenced, ack_outcome, onsite_outcome,
                \(Step.allCases.map { "\($0.bucketColumn)" }.joined(separator: ", ")), count(*) AS events FROM (
                SELECT \(blockStartSQL("first_seen", span: String(shortestSpan))) AS start, community, level, status,
                    overdue <> 0 AS overdue, silenced <> 0 AS silenced, \(outcomeSQL(row: "", .acknowledge)) AS ack_outcome,
                    \(outcomeSQL(row: "", .onsite)) AS onsite_outcome,
                    \(Step.allCases.map { step in
                        "CASE WHEN \(measuredSQL(row: "", step)) THEN \(durationBucketSQL(row: "", step)) END AS \(step.bucketColumn)"
                    }.joined(separator: ",\n                    "))
                FROM events)
            GROUP BY start, community, level, status, overdue, silenced, ack_outcome, onsite_outcome,
                \(Step.allCases.map { "\($0.bucketColumn)" }.joined(separator: ", "));
        INSERT INTO stats_counts (\(countsKey), events)
            SELECT s.span, \(blockStartSQL("start", span: "s.span")), community, level, status, overdue, silenced,
                ack_outcome, onsite_outcome, sum(events)
            FROM stats_backfill CROSS JOIN \(spans)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
        INSERT INTO stats_durations (span, start, community, step, bucket, events)
        \(Step.allCases.map { step in """
                SELECT s.span, \(blockStartSQL("start", span: "s.span")), community, \(step.rawValue), \(step.bucketColumn),
                    sum(events)
                FROM stats_backfill CROSS JOIN \(spans) WHERE \(step.bucketColumn) IS NOT NULL
                GROUP BY 1, 2, 3, 4, 5
            """ }.joined(separator: "\n    UNION ALL\n"));
        DROP TABLE stats_backfill;

        CREATE TRIGGER events_stats_insert AFTER INSERT ON events BEGIN
        \(add(row: "NEW", when: "1"))
        END;
        CREATE TRIGGER events_stats_delete AFTER DELETE ON events BEGIN
        \(remove(row: "OLD", when: "1"))
        END;
        CREATE TRIGGER events_stats_update AFTER UPDATE OF \(countsColumns.joined(separator: ", ")) ON events
            WHEN \(changed(countsColumns)) BEGIN
        \(remove(row: "OLD", when: changed(countsColumns), durationsWhen: changed(durationColumns)))
        \(add(row: "NEW", when: changed(countsColumns), durationsWhen: changed(durationColumns)))
        END;
        """
    }

    /// The schema change of version 6: the insert and update triggers stand aside while the writing transaction
    /// has set `stats_deferral.deferred` (the daemon's batches, which tally the same contributions in memory and
    /// write them once per batch: `StatisticsDeltas`). The flag is set and cleared inside that one transaction,
    /// so every other connection, script and test always sees it clear and the triggers count their writes.
    static var deferralMigrationSQL: String {
        let notDeferred = "(SELECT deferred FROM stats_deferral WHERE id = 1) = 0"
        return """
        CREATE TABLE stats_deferral (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            deferred INTEGER NOT NULL
        );
        INSERT INTO stats_deferral (id, deferred) VALUES (1, 0);
        DROP TRIGGER events_stats_insert;
        DROP TRIGGER events_stats_update;
        CREATE TRIGGER events_stats_insert AFTER INSERT ON events WHEN \(notDeferred) BEGIN
        \(add(row: "NEW", when: "1"))
        END;
        CREATE TRIGGER events_stats_update AFTER UPDATE OF \(countsColumns.joined(separator: ", ")) ON events
            WHEN \(changed(countsColumns)) AND \(notDeferred) BEGIN
        \(remove(row: "OLD", when: changed(countsColumns), durationsWhen: changed(durationColumns)))
        \(add(row: "NEW", when: changed(countsColumns), durationsWhen: changed(durationColumns)))
        END;
        """
    }

    /// The schema change of version 16: the insert and update triggers only test the deferral and hand the row on
    /// to a view's `INSTEAD OF` trigger, which counts it. SQLite tests a trigger's `WHEN` inside the trigger's
    /// program, after allocating and zeroing its frame (sized for every statement in it, about 28 KB for the
    /// counting ones); the gates' frames are small, so a deferred write no longer pays for the counting program.
    /// `durations` carries whether the columns of `stats_durations` changed (always 1 for an insert).
    static var gateMigrationSQL: String {
        let notDeferred = "(SELECT deferred FROM stats_deferral WHERE id = 1) = 0"
        let gateColumns = countsColumns + ["durations"]
        func values(_ row: String, durations: String) -> String {
            (countsColumns.map { "\(row).\($0)" } + [durations]).joined(separator: ", ")
        }
        func view(_ name: String) -> String {
            "CREATE VIEW \(name) (\(gateColumns.joined(separator: ", "))) AS SELECT "
                + countsColumns.joined(separator: ", ") + ", 0 FROM events WHERE 0;"
        }
        return """
        \(view("stats_event_added"))
        \(view("stats_event_removed"))
        CREATE TRIGGER stats_event_added_count INSTEAD OF INSERT ON stats_event_added BEGIN
        \(add(row: "NEW", when: "1", durationsWhen: "NEW.durations"))
        END;
        CREATE TRIGGER stats_event_removed_count INSTEAD OF INSERT ON stats_event_removed BEGIN
        \(remove(row: "NEW", when: "1", durationsWhen: "NEW.durations"))
        END;
        DROP TRIGGER events_stats_insert;
        DROP TRIGGER events_stats_update;
        CREATE TRIGGER events_stats_insert AFTER INSERT ON events WHEN \(notDeferred) BEGIN
            INSERT INTO stats_event_added VALUES (\(values("NEW", durations: "1")));
        END;
        CREATE TRIGGER events_stats_update AFTER UPDATE OF \(countsColumns.joined(separator: ", ")) ON events
            WHEN \(changed(countsColumns)) AND \(notDeferred) BEGIN
            INSERT INTO stats_event_removed VALUES (\(values("OLD", durations: changed(durationColumns))));
            INSERT INTO stats_event_added VALUES (\(values("NEW", durations: changed(durationColumns))));
        END;
        """
    }

    /// Key columns of `stats_counts`.
    private static let countsKeyColumns = [
        "span", "start", "community", "level", "status", "overdue", "silenced", "ack_outcome", "onsite_outcome",
    ]
    /// Columns of `events` that decide an event's `stats_counts` row; they include `durationColumns`, so
    /// they are every column statistics read (the update trigger watches them).
    private static let countsColumns = [
        "first_seen", "community", "level", "status", "overdue", "silenced",
        "ack_deadline", "acknowledged_at", "onsite_deadline", "onsite_at",
    ]
    /// Columns of `events` that decide an event's `stats_durations` rows.
    private static let durationColumns = ["first_seen", "community", "status", "acknowledged_at", "onsite_at"]

    /// `OLD.a IS NOT NEW.a OR …` for `columns`.
    private static func changed(_ columns: [String]) -> String {
        "(" + columns.map { "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ") + ")"
    }

    /// `time` rounded down to a multiple of `span` (SQL), as `blockStart(_:span:)`.
    private static func blockStartSQL(_ time: String, span: String) -> String {
        "(\(time) - ((\(time) % \(span)) + \(span)) % \(span))"
    }

    /// The `DeadlineOutcome` of `row` (`NEW`, `OLD`, or "" for a plain column) for `step` (SQL).
    private static func outcomeSQL(row: String, _ step: Step) -> String {
        let p = row.isEmpty ? "" : row + "."
        return """
            (CASE WHEN \(p)status = 'merged' OR \(p)\(step.deadlineColumn) IS NULL THEN \(DeadlineOutcome.notMeasured.rawValue) \
            WHEN \(p)\(step.doneColumn) IS NULL THEN \(DeadlineOutcome.notDone.rawValue) \
            WHEN \(p)\(step.doneColumn) <= \(p)\(step.deadlineColumn) THEN \(DeadlineOutcome.met.rawValue) \
            ELSE \(DeadlineOutcome.late.rawValue) END)
            """
    }

    /// The `durationBucket` of `row`'s time from first seen to `step` (SQL; `row` as in `outcomeSQL`).
    /// Saturates like `EventStore.elapsed` where SQLite's subtraction would overflow into a REAL.
    private static func durationBucketSQL(row: String, _ step: Step) -> String {
        let p = row.isEmpty ? "" : row + "."
        let duration = "MIN(MAX(\(p)\(step.doneColumn) - \(p)first_seen, 0), \(EpochMillis.max))"
        return "(CASE WHEN \(duration) < 600000 THEN \(duration) - \(duration) % 1000 "
            + "WHEN \(duration) < 86400000 THEN \(duration) - \(duration) % 60000 "
            + "ELSE \(duration) - \(duration) % 3600000 END)"
    }

    /// Whether `row` has a duration for `step` (SQL; `row` as in `outcomeSQL`): the step is done and the
    /// event is not merged.
    private static func measuredSQL(row: String, _ step: Step) -> String {
        let p = row.isEmpty ? "" : row + "."
        return "\(p)status <> 'merged' AND \(p)\(step.doneColumn) IS NOT NULL"
    }

    /// Trigger statements adding `row`'s contribution to every block it falls in.
    private static func add(row: String, when countsWhen: String, durationsWhen: String? = nil) -> String {
        blockSpans.map { span in
            let start = blockStartSQL("\(row).first_seen", span: String(span))
            var statements = ["""
                INSERT INTO stats_counts (\(countsKeyColumns.joined(separator: ", ")), events)
                    SELECT \(span), \(start), \(row).community, \(row).level, \(row).status, \(row).overdue <> 0,
                        \(row).silenced <> 0, \(outcomeSQL(row: row, .acknowledge)), \(outcomeSQL(row: row, .onsite)), 1
                    WHERE \(countsWhen)
                    ON CONFLICT (\(countsKeyColumns.joined(separator: ", "))) DO UPDATE SET events = events + 1;
                """]
            for step in Step.allCases {
                statements.append("""
                    INSERT INTO stats_durations (span, start, community, step, bucket, events)
                        SELECT \(span), \(start), \(row).community, \(step.rawValue), \(durationBucketSQL(row: row, step)), 1
                        WHERE \(measuredSQL(row: row, step)) AND \(durationsWhen ?? countsWhen)
                        ON CONFLICT (span, start, community, step, bucket) DO UPDATE SET events = events + 1;
                    """)
            }
            return statements.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Trigger statements taking `row`'s contribution out of every block it falls in.
    private static func remove(row: String, when countsWhen: String, durationsWhen: String? = nil) -> String {
        blockSpans.map { span in
            let start = blockStartSQL("\(row).first_seen", span: String(span))
            var statements = ["""
                UPDATE stats_counts SET events = events - 1
                    WHERE \(countsWhen) AND span = \(span) AND start = \(start) AND community = \(row).community
                        AND level = \(row).level AND status = \(row).status AND overdue = (\(row).overdue <> 0)
                        AND silenced = (\(row).silenced <> 0) AND ack_outcome = \(outcomeSQL(row: row, .acknowledge))
                        AND onsite_outcome = \(outcomeSQL(row: row, .onsite));
                """]
            for step in Step.allCases {
                statements.append("""
                    UPDATE stats_durations SET events = events - 1
                        WHERE \(measuredSQL(row: row, step)) AND \(durationsWhen ?? countsWhen) AND span = \(span)
                            AND start = \(start) AND community = \(row).community AND step = \(step.rawValue)
                            AND bucket = \(durationBucketSQL(row: row, step));
                    """)
            }
            return statements.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
