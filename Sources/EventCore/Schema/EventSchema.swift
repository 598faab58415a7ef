/// The versioned schema of the event database.
///
/// `PRAGMA user_version` holds the version. To change the schema, append a migration with the next
/// version; never edit a migration that has shipped.
enum EventSchema {
    /// One forward step of the schema.
    struct Migration: Sendable {
        /// Version after this step.
        let version: Int
        /// SQL run inside the migration transaction.
        let sql: String
        /// Work SQL alone cannot do, run after `sql` in the same transaction with the store's timeline key (version
        /// 13 chains the existing timeline entries, then makes the record append-only).
        var finish: (@Sendable (SQLiteConnection, _ timelineKey: [UInt8]) throws -> Void)? = nil
    }

    /// Version 13's triggers: the database refuses to change or remove timeline entries and audit rows.
    static let appendOnlySQL = """
        CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
            BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
        CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
            BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
        CREATE TRIGGER api_audit_no_update BEFORE UPDATE ON api_audit
            BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
        CREATE TRIGGER api_audit_no_delete BEFORE DELETE ON api_audit
            BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
        """

    /// Statuses that hold the one open event of an event key (see docs/developers.md (EventCore: the event store)).
    static let activeStatusList = "'open','acknowledged','dispatched','onsite'"

    /// Version 1's partial-index condition of events whose acknowledge deadline is neither met nor escalated.
    static let ackPending = "status IN (\(activeStatusList)) AND ack_deadline IS NOT NULL AND acknowledged_at IS NULL AND ack_escalated = 0"
    /// Version 1's partial-index condition of events whose on-site deadline is neither met nor escalated.
    static let onsitePending = "status IN (\(activeStatusList)) AND onsite_deadline IS NOT NULL AND onsite_at IS NULL AND onsite_escalated = 0"

    /// An active status, spelled as comparisons (since version 6): SQLite evaluates an `IN` list of more than two
    /// constants through a temporary B-tree, built afresh for every row written, for every partial index that
    /// names it. Partial indexes and the queries that use them repeat it word for word.
    static let activeCondition =
        "(status = 'open' OR status = 'acknowledged' OR status = 'dispatched' OR status = 'onsite')"
    /// Active events whose acknowledge deadline is neither met nor escalated (the partial index `events_ack_due`;
    /// queries repeat it word for word so that SQLite uses the index).
    static let ackDue = "\(activeCondition) AND ack_deadline IS NOT NULL AND acknowledged_at IS NULL AND ack_escalated = 0"
    /// Active events whose on-site deadline is neither met nor escalated (`events_onsite_due`).
    static let onsiteDue = "\(activeCondition) AND onsite_deadline IS NOT NULL AND onsite_at IS NULL AND onsite_escalated = 0"

    /// Version 6's rebuild of the partial indexes on the active statuses with `activeCondition`.
    static let activeIndexesSQL = """
        DROP INDEX events_active_key;
        CREATE UNIQUE INDEX events_active_key ON events(event_key) WHERE \(activeCondition);
        DROP INDEX events_ack_due;
        CREATE INDEX events_ack_due ON events(ack_deadline) WHERE \(ackDue);
        DROP INDEX events_onsite_due;
        CREATE INDEX events_onsite_due ON events(onsite_deadline) WHERE \(onsiteDue);
        """

    /// Every migration, oldest first.
    static let migrations: [Migration] = [
        Migration(version: 1, sql: """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            rule TEXT NOT NULL,
            event_key TEXT NOT NULL,
            level TEXT NOT NULL,
            initial_level TEXT NOT NULL,
            escalate_to TEXT,
            status TEXT NOT NULL,
            kind TEXT NOT NULL,
            device_id TEXT NOT NULL,
            grp TEXT NOT NULL,
            community TEXT NOT NULL,
            building TEXT NOT NULL,
            unit TEXT NOT NULL,
            address TEXT NOT NULL,
            grid TEXT NOT NULL,
            owner TEXT NOT NULL,
            resident_name TEXT NOT NULL,
            resident_phone TEXT NOT NULL,
            emergency_contact TEXT NOT NULL,
            registered INTEGER NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL,
            teams TEXT NOT NULL,
            assignee TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL,
            payload TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            count INTEGER NOT NULL,
            ack_within_ms INTEGER,
            onsite_within_ms INTEGER,
            ack_deadline INTEGER,
            onsite_deadline INTEGER,
            acknowledged_at INTEGER,
            onsite_at INTEGER,
            resolved_at INTEGER,
            closed_at INTEGER,
            ack_escalated INTEGER NOT NULL DEFAULT 0,
            onsite_escalated INTEGER NOT NULL DEFAULT 0,
            overdue INTEGER NOT NULL DEFAULT 0,
            silenced INTEGER NOT NULL DEFAULT 0,
            merged_into INTEGER REFERENCES events(id),
            repeat_logged_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        INSERT INTO sqlite_sequence(name, seq) VALUES ('events', 1000);
        CREATE UNIQUE INDEX events_active_key ON events(event_key)
            WHERE status IN (\(activeStatusList));
        CREATE INDEX events_status_level ON events(status, level);
        CREATE INDEX events_first_seen ON events(first_seen);
        CREATE INDEX events_ack_due ON events(ack_deadline)
            WHERE \(ackPending);
        CREATE INDEX events_onsite_due ON events(onsite_deadline)
            WHERE \(onsitePending);

        CREATE TABLE timeline (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events(id),
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            status TEXT NOT NULL,
            note TEXT NOT NULL
        );
        CREATE INDEX timeline_event ON timeline(event_id, id);

        CREATE TABLE changes (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id INTEGER NOT NULL REFERENCES events(id),
            action TEXT NOT NULL,
            at INTEGER NOT NULL,
            snapshot TEXT NOT NULL
        );

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            change_sequence INTEGER NOT NULL REFERENCES changes(sequence),
            created_at INTEGER NOT NULL
        );

        CREATE TABLE rule_state (
            key TEXT PRIMARY KEY,
            value BLOB NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE silences (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            scope TEXT NOT NULL,
            community TEXT NOT NULL,
            building TEXT NOT NULL,
            device_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            until INTEGER NOT NULL,
            reason TEXT NOT NULL,
            actor TEXT NOT NULL,
            removed_at INTEGER
        );
        CREATE INDEX silences_until ON silences(until);

        CREATE TABLE rejects (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            reason TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload_excerpt TEXT NOT NULL
        );
        CREATE INDEX rejects_reason ON rejects(reason, id);
        CREATE TABLE reject_counts (
            reason TEXT PRIMARY KEY,
            count INTEGER NOT NULL,
            last_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE daemon_status (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT '',
            community TEXT NOT NULL DEFAULT '',
            building TEXT NOT NULL DEFAULT '',
            unit TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            grid TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT '',
            resident_name TEXT NOT NULL DEFAULT '',
            report_interval_s INTEGER,
            registered INTEGER NOT NULL DEFAULT 0,
            last_seen INTEGER,
            online INTEGER,
            battery_pct REAL,
            updated_at INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;

        CREATE TABLE away_notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subject TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            until INTEGER NOT NULL,
            reason TEXT NOT NULL,
            actor TEXT NOT NULL,
            removed_at INTEGER
        );
        CREATE INDEX away_notes_subject ON away_notes(subject, until);

        CREATE TABLE message_fingerprints (
            fingerprint INTEGER PRIMARY KEY,
            at INTEGER NOT NULL
        );
        CREATE INDEX message_fingerprints_at ON message_fingerprints(at);
        """),
        // One row per committed batch instead of one per message: `fingerprints` is the batch's sorted 64-bit
        // message fingerprints, 8 bytes little-endian each. Rows of `message_fingerprints` written by version 1
        // are still read and pruned, and no longer written.
        Migration(version: 2, sql: """
        CREATE TABLE message_batches (
            sequence INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            fingerprints BLOB NOT NULL
        );
        CREATE INDEX message_batches_at ON message_batches(at);
        """),
        // Rule-state changes are appended per batch (one row: a blob of the batch's changes in order) and folded
        // into `rule_state` from time to time; readers replay the log over `rule_state`. `events_key` serves the
        // merge-window look-up of a raise (a key's latest event, whatever its status), which scanned the table.
        Migration(version: 3, sql: """
        CREATE TABLE rule_state_log (
            sequence INTEGER PRIMARY KEY,
            changes BLOB NOT NULL
        );
        CREATE INDEX events_key ON events(event_key, id);
        """),
        // The roll-up behind `lookout stats`, kept current by triggers and backfilled from the existing events
        // (see `StatisticsRollup`).
        Migration(version: 4, sql: StatisticsRollup.migrationSQL),
        // What the last mirror of an input into the database was made from (`registry`: a fingerprint of the
        // device registry), so that lookoutd skips mirroring a registry that has not changed since.
        Migration(version: 5, sql: """
        CREATE TABLE mirror_fingerprints (
            name TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """),
        // The daemon's batches tally the roll-up in memory and write it once per batch; the triggers stand aside
        // inside those transactions only (see `StatisticsRollup.deferralMigrationSQL`). The partial indexes on the
        // active statuses without an `IN` list (see `activeCondition`).
        Migration(version: 6, sql: StatisticsRollup.deferralMigrationSQL + activeIndexesSQL),
        // Silences scoped by device kind and rule as well (an empty field matches anything); `released_at`: when
        // the events a silence hid were shown again after it ended (NULL: not yet; silences that ended before this
        // version release their still-hidden events at the daemon's next check). `events.maintenance`: the reason
        // of the silence in force when the event was raised (NULL: none), shown with it. `events_silenced` finds the
        // hidden events when a silence ends, `silences_unreleased` the silences whose end is not yet handled.
        Migration(version: 7, sql: """
        ALTER TABLE silences ADD COLUMN kind TEXT NOT NULL DEFAULT '';
        ALTER TABLE silences ADD COLUMN rule TEXT NOT NULL DEFAULT '';
        ALTER TABLE silences ADD COLUMN released_at INTEGER;
        ALTER TABLE events ADD COLUMN maintenance TEXT;
        CREATE INDEX events_silenced ON events(id) WHERE silenced = 1;
        CREATE INDEX silences_unreleased ON silences(until) WHERE released_at IS NULL;
        """),
        // Device time (issue 14): when the raising report says it happened (its plausible `ts`), beside
        // `first_seen` (when it arrived, which deadlines count from). And the last message lookoutd processed on
        // each topic (`topic_hash`: FNV-1a of the topic), so a retained copy delivered again after a restart is
        // known for the state it is, not taken for a new occurrence.
        Migration(version: 8, sql: """
        ALTER TABLE events ADD COLUMN occurred_at INTEGER;
        CREATE TABLE topic_states (
            topic_hash INTEGER PRIMARY KEY,
            fingerprint INTEGER NOT NULL,
            occurred_at INTEGER,
            at INTEGER NOT NULL
        );
        """),
        // Issue 14 items 5, 7 and 8 (bad input, spoofed devices): a reject sample names its device and what was
        // wrong (`detail`: the field and the value); the devices mirror keeps each device's rejects; a folded
        // event of unregistered devices keeps the first device ids that sent to it (`event_senders`, capped by
        // the daemon).
        Migration(version: 9, sql: """
        ALTER TABLE rejects ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE rejects ADD COLUMN detail TEXT NOT NULL DEFAULT '';
        ALTER TABLE devices ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE devices ADD COLUMN last_reject_at INTEGER;
        ALTER TABLE devices ADD COLUMN last_reject_reason TEXT NOT NULL DEFAULT '';
        CREATE TABLE event_senders (
            event_id INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            first_at INTEGER NOT NULL,
            PRIMARY KEY (event_id, device_id)
        ) WITHOUT ROWID;
        """),
        // Issue 15 item 1 (escalation chains, report-in): each event's steps with their due times (NULL while the
        // event is hidden by a silence), and the teams on it with when each was brought in and reported in.
        Migration(version: 10, sql: """
        CREATE TABLE event_steps (
            event_id INTEGER NOT NULL,
            step INTEGER NOT NULL,
            after_ms INTEGER NOT NULL,
            condition TEXT NOT NULL,
            teams TEXT NOT NULL,
            report_in INTEGER NOT NULL,
            level TEXT,
            min_level TEXT NOT NULL,
            due_at INTEGER,
            done_at INTEGER,
            outcome TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (event_id, step)
        ) WITHOUT ROWID;
        CREATE INDEX event_steps_due ON event_steps(due_at) WHERE done_at IS NULL AND due_at IS NOT NULL;
        CREATE TABLE event_teams (
            event_id INTEGER NOT NULL,
            team TEXT NOT NULL,
            step INTEGER NOT NULL,
            brought_in_at INTEGER NOT NULL,
            report_required INTEGER NOT NULL,
            reported_at INTEGER,
            reported_by TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (event_id, team)
        ) WITHOUT ROWID;
        """),
        // Issue 15 (out-of-band notification): the notification outbox. One row per message to one target (a team,
        // or `emergency-contact`) for one step and attempt of an event, written in the transaction of the change
        // that calls for it; `idempotency_key` (`E-12.s0.a2.fire`) is unique, so queueing the same message twice
        // keeps one row. `event_id` NULL: a test message (`lookout notify test`). `state`: pending, sent, gave_up.
        // `events.emergency_phone`: the registry's structured emergency phone (beside the free-text contact).
        Migration(version: 11, sql: """
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id INTEGER REFERENCES events(id),
            target TEXT NOT NULL,
            step INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            reason TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL DEFAULT 'pending',
            tries INTEGER NOT NULL DEFAULT 0,
            max_tries INTEGER,
            due_at INTEGER NOT NULL,
            next_try_at INTEGER NOT NULL,
            notifier TEXT NOT NULL DEFAULT '',
            last_error TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            finished_at INTEGER
        );
        CREATE INDEX notifications_pending ON notifications(next_try_at) WHERE state = 'pending';
        CREATE INDEX notifications_event ON notifications(event_id, step, attempt);
        ALTER TABLE events ADD COLUMN emergency_phone TEXT NOT NULL DEFAULT '';
        """),
        // Issue 16 (lookoutd is the event core's only door): every staff API request, accepted or refused, with who
        // asked (the login the kernel or the broker vouched for), from where (`local uid 1000`), for whom, what,
        // on which event, and how it ended. `request_id` is the client's id (a redelivered request is known by it).
        Migration(version: 12, sql: """
        CREATE TABLE api_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            user TEXT NOT NULL,
            origin TEXT NOT NULL,
            on_behalf_of TEXT NOT NULL DEFAULT '',
            operation TEXT NOT NULL,
            event_id TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            request_id TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX api_audit_at ON api_audit(at);
        """),
        // Issue 17 (one vocabulary): the registry's optional coordinates, decimal degrees (NULL: not given), kept
        // with each event's location and in the devices mirror. The stored registry fingerprint is forgotten so
        // that the daemon mirrors the registry again (with its coordinates) even when the file did not change.
        Migration(version: 13, sql: """
        ALTER TABLE events ADD COLUMN latitude REAL;
        ALTER TABLE events ADD COLUMN longitude REAL;
        ALTER TABLE devices ADD COLUMN latitude REAL;
        ALTER TABLE devices ADD COLUMN longitude REAL;
        DELETE FROM mirror_fingerprints WHERE name = 'registry';
        """),
        // Issue 16 (a record no one can quietly change): each timeline entry carries the hash of the one before it
        // and its own, HMAC-SHA-256 under the daemon's key (`TimelineChain`); entries already there are chained
        // once, in order, with the key of the store that migrates (lookoutd's). Then the database refuses UPDATE
        // and DELETE on the timeline and on the audit (`appendOnlySQL`).
        Migration(version: 14, sql: """
        ALTER TABLE timeline ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
        ALTER TABLE timeline ADD COLUMN hash TEXT NOT NULL DEFAULT '';
        """, finish: { connection, key in
            try EventStore.chainExistingTimeline(connection, key: key)
            try connection.execute(appendOnlySQL)
        }),
        // The registry's resident id in the devices mirror, so that lookoutd's staff API can refuse an away note for
        // a resident it does not know (the daemon's registry is the ingest loop's; the API reads the mirror) and
        // `lookout devices` can show whose device it is. The stored registry fingerprint is forgotten so that the
        // daemon mirrors the registry again with the ids.
        Migration(version: 15, sql: """
        ALTER TABLE devices ADD COLUMN resident_id TEXT NOT NULL DEFAULT '';
        CREATE INDEX devices_resident_id ON devices(resident_id) WHERE resident_id != '';
        DELETE FROM mirror_fingerprints WHERE name = 'registry';
        """),
        // The statistics triggers that the daemon's batches defer stop at a small gate: the counting moves to
        // `INSTEAD OF` triggers on two views, entered only when the write is counted (see
        // `StatisticsRollup.gateMigrationSQL`).
        Migration(version: 16, sql: StatisticsRollup.gateMigrationSQL),
        // `lookout events --since` filters on the time an event was last active (`last_seen`), so that a new press
        // merged into an old event is found; `first_seen` keeps its index for the statistics.
        Migration(version: 17, sql: """
        CREATE INDEX events_last_seen ON events(last_seen);
        """),
        // Issue 18 (the shift and the month): the cause staff record when they resolve an event, and the roll-up of
        // events per community, grid, building, kind, rule, teams and cause behind the monthly report (see
        // `CauseRollup`).
        Migration(version: 18, sql: CauseRollup.migrationSQL),
    ]

    /// The version this build writes and reads.
    static var currentVersion: Int { migrations.last?.version ?? 0 }
}
