import Vocabulary

/// The roll-up behind the breakdowns of `lookout stats` and the monthly report (schema version 18): per block
/// of time (an hour and a day, UTC, by `first_seen`, as `StatisticsRollup`), how many events each community,
/// grid, building, kind, rule, set of teams and cause had. The report of a month sums a few hundred blocks
/// instead of reading its events one by one.
///
/// Plain triggers keep it current: an insert adds the event (cause '' until it is resolved), a delete takes it
/// out, and an update of a column it reads moves it. The daemon's batches do not defer them (unlike
/// `StatisticsRollup`): they fire on a new event (two upserts) and on `UPDATE … SET cause` (`writeCause`),
/// which only a resolve or a reopen runs; a repeat folded into an open event does not touch them.
///
/// What the migration generates must not change once shipped.
enum CauseRollup {
    /// Columns of `events` that decide an event's row, in key order (`cause` is read as `coalesce(cause, '')`).
    static let keyColumns = ["community", "grid", "building", "kind", "rule", "teams", "cause"]

    /// `time` rounded down to a multiple of `span` (SQL).
    private static func blockStartSQL(_ time: String, span: String) -> String {
        "(\(time) - ((\(time) % \(span)) + \(span)) % \(span))"
    }

    /// The row's key values (`row`: `NEW`, `OLD`, or "" for plain columns).
    private static func values(_ row: String) -> String {
        let p = row.isEmpty ? "" : row + "."
        return keyColumns.map { $0 == "cause" ? "coalesce(\(p)cause, '')" : "\(p)\($0)" }.joined(separator: ", ")
    }

    /// Trigger statements adding (`delta` 1) or taking out (-1) `row` in every block it falls in.
    private static func change(_ row: String, delta: Int) -> String {
        StatisticsRollup.blockSpans.map { span in
            """
                INSERT INTO stats_causes (span, start, \(keyColumns.joined(separator: ", ")), events)
                    VALUES (\(span), \(blockStartSQL("\(row).first_seen", span: String(span))), \(values(row)), \(delta))
                    ON CONFLICT (span, start, \(keyColumns.joined(separator: ", "))) DO UPDATE SET events = events + \(delta);
            """
        }.joined(separator: "\n")
    }

    /// The condition of the partial index `events_flagged` (nuisance and false alarms, by time); queries repeat it
    /// word for word so that SQLite uses the index.
    static let flaggedCondition = "(cause = 'nuisance' OR cause = 'false')"

    /// The schema change of version 18: the `cause` column, the roll-up with its backfill and triggers, and two
    /// partial indexes that hold only events resolved with a cause (so intake never writes them):
    /// `events_flagged` finds a period's nuisance and false alarms, `events_caused` one device's classified events.
    static var migrationSQL: String {
        let key = keyColumns.joined(separator: ", ")
        let spans = "(" + StatisticsRollup.blockSpans.map { "SELECT \($0) AS span" }.joined(separator: " UNION ALL ") + ") AS s"
        let watched = ["first_seen"] + keyColumns
        let changed = "(" + watched.map { "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ") + ")"
        return """
        ALTER TABLE events ADD COLUMN cause TEXT;
        CREATE TABLE stats_causes (
            span INTEGER NOT NULL,
            start INTEGER NOT NULL,
            community TEXT NOT NULL,
            grid TEXT NOT NULL,
            building TEXT NOT NULL,
            kind TEXT NOT NULL,
            rule TEXT NOT NULL,
            teams TEXT NOT NULL,
            cause TEXT NOT NULL,
            events INTEGER NOT NULL,
            PRIMARY KEY (span, start, \(key))
        ) WITHOUT ROWID;
        INSERT INTO stats_causes (span, start, \(key), events)
            SELECT s.span, \(blockStartSQL("first_seen", span: "s.span")), \(values("")), count(*)
            FROM events CROSS JOIN \(spans)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
        CREATE INDEX events_caused ON events(device_id, first_seen, cause) WHERE cause IS NOT NULL;
        CREATE INDEX events_flagged ON events(first_seen, device_id, cause) WHERE \(flaggedCondition);
        CREATE TRIGGER events_causes_insert AFTER INSERT ON events BEGIN
        \(change("NEW", delta: 1))
        END;
        CREATE TRIGGER events_causes_delete AFTER DELETE ON events BEGIN
        \(change("OLD", delta: -1))
        END;
        CREATE TRIGGER events_causes_update AFTER UPDATE OF \(watched.joined(separator: ", ")) ON events
            WHEN \(changed) BEGIN
        \(change("OLD", delta: -1))
        \(change("NEW", delta: 1))
        END;
        """
    }
}
