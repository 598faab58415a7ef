import Vocabulary

/// Reading events, timelines and the change feed (the CLI's side of the store).
extension EventStore {
    /// The event with `id` (case-insensitive, `E-` prefix optional), or nil.
    public func event(id: String) throws -> EventRecord? {
        guard let rowID = StoredEvent.rowID(of: id) else { return nil }
        return try storedEvent(rowID: rowID)?.record
    }

    /// Events matching `filter`: red first, then yellow, then green; overdue first within a level;
    /// then newest first.
    ///
    /// With no statuses given, lists what still needs a person: open, acknowledged, dispatched and
    /// on-site events, and red events cleared by their device (a person must close those).
    public func events(_ filter: EventFilter) throws -> [EventRecord] {
        var (whereClause, arguments) = Self.condition(of: filter)
        arguments.append(max(filter.limit, 0))
        return try connection.cached("""
            SELECT \(StoredEvent.columns) FROM events \(whereClause)
            ORDER BY CASE level WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, overdue DESC, first_seen DESC, id DESC
            LIMIT ?
            """).query(arguments) { StoredEvent(row: $0).record }
    }

    /// Events that still need a person, by level, and how many of them are past a deadline nobody has met yet at
    /// `now` (all levels, and red ones): the status row's and metrics file's figures. One aggregate query, not a
    /// read of every open event: it runs at every status interval, and a backlog can leave thousands open.
    ///
    /// An event acknowledged late is no longer overdue for its acknowledgement, only for a missed on-site deadline;
    /// the event's own `overdue` mark (that it ever missed one) must be set too.
    public func openEventCounts(now: EpochMillis) throws -> OpenEventCounts {
        var counts = OpenEventCounts()
        _ = try connection.cached(Self.openEventCountsSQL).query([now]) { row in
            guard let level = AlertLevel(rawValue: row.text(0)) else { return }
            let open = Int(row.int64(1)), overdue = Int(row.int64(2))
            counts.byLevel[level, default: 0] += open
            counts.overdue += overdue
            counts.everOverdue += Int(row.int64(3))
            if level == .red { counts.overdueRed += overdue }
        }
        return counts
    }

    /// `openEventCounts`' query: two searches of `events_status_level` (the active statuses; red cleared ones), not
    /// one `… OR …` that the planner may answer by scanning the whole index, whose closed events are almost all of a
    /// long-lived database. `?1`: now.
    static let openEventCountsSQL: String = {
        let counted = """
            SELECT level, count(*),
                   coalesce(sum(overdue != 0 AND ((status = 'open' AND ack_deadline <= ?1)
                                OR (status NOT IN ('onsite', 'resolved', 'closed') AND onsite_deadline <= ?1))), 0),
                   coalesce(sum(overdue != 0), 0)
            FROM events
            """
        return """
            \(counted) WHERE status IN (\(EventSchema.activeStatusList)) GROUP BY level
            UNION ALL
            \(counted) WHERE status = 'cleared' AND level = 'red' GROUP BY level
            """
    }()

    /// How many events match `filter`, ignoring its limit (so that a cut list can say how many it did not show).
    public func countEvents(_ filter: EventFilter) throws -> Int {
        let (whereClause, arguments) = Self.condition(of: filter)
        return Int(try connection.cached("SELECT count(*) FROM events \(whereClause)").queryFirst(arguments) { $0.int64(0) } ?? 0)
    }

    /// The WHERE clause of `filter` (empty when it filters nothing) and its arguments.
    private static func condition(of filter: EventFilter) -> (String, [any SQLiteBindable]) {
        var conditions: [String] = []
        var arguments: [any SQLiteBindable] = []
        func list<T>(_ values: [T], _ text: (T) -> String) -> String {
            arguments.append(contentsOf: values.map(text))
            return Array(repeating: "?", count: values.count).joined(separator: ", ")
        }
        if !filter.includeAll {
            if filter.statuses.isEmpty {
                conditions.append("(status IN (\(EventSchema.activeStatusList)) OR (status = 'cleared' AND level = 'red'))")
            } else {
                conditions.append("status IN (\(list(filter.statuses) { $0.rawValue }))")
            }
        }
        if !filter.levels.isEmpty {
            conditions.append("level IN (\(list(filter.levels) { $0.rawValue }))")
        }
        for (column, value) in [("kind", filter.kind), ("community", filter.community), ("building", filter.building)] {
            if let value {
                conditions.append("\(column) = ?")
                arguments.append(value)
            }
        }
        if let team = filter.team {
            conditions.append("(instr(char(10) || teams || char(10), char(10) || ? || char(10)) > 0 OR assignee = ?)")
            arguments.append(contentsOf: [team, team])
        }
        if let since = filter.since {
            // The time the event was last active: a new press merged into an old event is found (index
            // `events_last_seen`). Statistics count events by when they were first raised.
            conditions.append("last_seen >= ?")
            arguments.append(since)
        }
        if filter.overdueOnly { conditions.append("overdue = 1") }
        if let silenced = filter.silenced {
            conditions.append("silenced = ?")
            arguments.append(silenced)
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    /// Event keys of every open-ish event (open, acknowledged, dispatched, on site): what the rule
    /// engine may still clear, downgrade or re-notify, e.g. to reconcile its state after a restart.
    public func activeEventKeys() throws -> [String] {
        try connection.cached("""
            SELECT event_key FROM events WHERE \(EventSchema.activeCondition) ORDER BY id
            """).query { $0.text(0) }
    }

    /// The timeline of an event, oldest first (empty for an unknown id).
    public func timeline(of id: String) throws -> [TimelineEntry] {
        guard let rowID = StoredEvent.rowID(of: id) else { return [] }
        let eventID = StoredEvent.readableID(rowID)
        return try connection.cached("SELECT at, actor, action, status, note FROM timeline WHERE event_id = ? ORDER BY id")
            .query([rowID]) { row in
                TimelineEntry(eventID: eventID, at: row.int64(0), actor: row.text(1), action: row.text(2),
                              status: EventStatus(rawValue: row.text(3)) ?? .open, note: row.text(4))
            }
    }

    /// Changes with a sequence number greater than `sequence`, oldest first, at most `limit`.
    /// Each carries the event as it was right after that change.
    public func changes(after sequence: Int64, limit: Int) throws -> [EventChange] {
        // The actor is the timeline entry's written in the same transaction (same event, action and time; the
        // newest such if several): the changes table does not repeat it.
        let rows = try connection.cached("""
            SELECT c.sequence, c.event_id, c.action, c.snapshot, c.at,
                   (SELECT t.actor FROM timeline t WHERE t.event_id = c.event_id AND t.at = c.at AND t.action = c.action
                    ORDER BY t.id DESC LIMIT 1)
            FROM changes c WHERE c.sequence > ? ORDER BY c.sequence LIMIT ?
            """).query([sequence, max(limit, 0)]) { row in
                (sequence: row.int64(0), eventRowID: row.int64(1), action: row.text(2), snapshot: row.text(3), at: row.int64(4),
                 actor: row.optionalText(5))
            }
        return try rows.compactMap { row in
            guard let event = try decodeSnapshot(row.snapshot, eventRowID: row.eventRowID) else { return nil }
            var change = EventChange(sequence: row.sequence, event: event, action: row.action)
            change.at = row.at
            change.actor = row.actor
            return change
        }
    }

    /// The sequence number of the newest change (0 when none).
    public func latestChangeSequence() throws -> Int64 {
        try connection.integer("SELECT coalesce(max(sequence), 0) FROM changes")
    }

    /// Deletes change-feed entries older than `before` that the outbox no longer needs; returns how many.
    @discardableResult
    public func pruneChanges(before: EpochMillis) throws -> Int {
        try transaction {
            try connection.cached("""
                DELETE FROM changes WHERE at < ? AND sequence NOT IN (SELECT change_sequence FROM outbox)
                """).execute([before])
            return connection.changedRowCount
        }
    }
}
