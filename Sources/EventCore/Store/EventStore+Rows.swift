import FoundationEssentials
import Glibc
import Vocabulary

/// Reading and writing event rows, and recording every change (timeline, change feed, outbox).
extension EventStore {
    /// SQL of `activeEvent(key:)`, built once (hot: every raise).
    private static let selectActiveByKey = """
        SELECT \(StoredEvent.columns) FROM events WHERE event_key = ? AND \(EventSchema.activeCondition)
        """
    /// SQL of `storedEvent(rowID:)`, built once.
    private static let selectByRowID = "SELECT \(StoredEvent.columns) FROM events WHERE id = ?"

    /// The open event of `eventKey`, if any.
    func activeEvent(key eventKey: String) throws -> StoredEvent? {
        try connection.cached(Self.selectActiveByKey).firstRow(binding: eventKey, map: StoredEvent.init(row:))
    }

    /// Most open events remembered in `activeEventCache`.
    private static let activeEventCacheLimit = 20_000

    /// `activeEvent(key:)` through the cache, inside a transaction (which checked the cache is current);
    /// for the daemon's raise, clear, downgrade and renotify.
    func cachedActiveEvent(key eventKey: String) throws -> StoredEvent? {
        if let event = activeEventCache[eventKey] { return event }
        let event = try activeEvent(key: eventKey)
        if let event { remember(event) }
        return event
    }

    /// Puts an open event, as just written, in the cache.
    func remember(_ event: StoredEvent) {
        if activeEventCache.count >= Self.activeEventCacheLimit { activeEventCache.removeAll() }
        activeEventCache[event.record.eventKey] = event
    }

    /// The event with row id `rowID`, if any.
    func storedEvent(rowID: Int64) throws -> StoredEvent? {
        try connection.cached(Self.selectByRowID).queryFirst([rowID], StoredEvent.init(row:))
    }

    /// The event with readable id `id`, or `unknownEvent`.
    func requireEvent(id: String) throws -> StoredEvent {
        guard let rowID = StoredEvent.rowID(of: id), let stored = try storedEvent(rowID: rowID) else {
            throw EventStoreError.unknownEvent(id)
        }
        return stored
    }

    /// Inserts a new event; returns its row id.
    func insert(_ event: StoredEvent, emergencyPhone: String = "") throws -> Int64 {
        try countingStatistics(from: nil, to: event) { try writeNewRow(event, emergencyPhone: emergencyPhone) }
        return connection.lastInsertRowID
    }

    /// The INSERT of `insert(_:)`.
    private func writeNewRow(_ event: StoredEvent, emergencyPhone: String) throws {
        let record = event.record
        let location = record.location
        try connection.cached("""
            INSERT INTO events (rule, event_key, level, initial_level, escalate_to, status, kind, device_id, grp,
                community, building, unit, address, grid, owner, resident_name, resident_phone, emergency_contact,
                registered, title, description, teams, assignee, topic, payload, first_seen, last_seen, count,
                ack_within_ms, onsite_within_ms, ack_deadline, onsite_deadline, overdue, silenced, repeat_logged_at,
                updated_at, maintenance, occurred_at, emergency_phone, latitude, longitude)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(binding:
                record.rule, record.eventKey, record.level.rawValue, record.initialLevel.rawValue,
                record.escalateTo?.rawValue, record.status.rawValue, record.kind, record.deviceID, record.group,
                location.community, location.building, location.unit, location.address, location.grid, location.owner,
                location.residentName, location.residentPhone, location.emergencyContact, location.registered,
                record.title, record.description, StoredEvent.encodeTeams(record.teams), record.assignee,
                record.topic, record.payload, record.firstSeen, record.lastSeen, record.count,
                event.acknowledgeWithin, event.onsiteWithin, record.ackDeadline, record.onsiteDeadline,
                record.overdue, record.silenced, event.repeatLoggedAt, record.updatedAt, record.maintenance, record.occurredAt,
                emergencyPhone, location.latitude, location.longitude)
    }

    /// Writes every column that changes after creation (and forgets the cached copy of the event). `previous`
    /// is the row as it was, when the caller has it (the roll-up tallied in a batch needs it; else it is read).
    func update(_ event: StoredEvent, previous: StoredEvent? = nil) throws {
        activeEventCache[event.record.eventKey] = nil
        var previous = previous
        if statisticsDeltas != nil, previous == nil { previous = try storedEvent(rowID: event.rowID) }
        try countingStatistics(from: previous, to: event) { try writeChangedColumns(event) }
    }

    /// The UPDATE of `update(_:previous:)`.
    private func writeChangedColumns(_ event: StoredEvent) throws {
        let record = event.record
        try connection.cached("""
            UPDATE events SET level = ?, status = ?, assignee = ?, count = ?, last_seen = ?, ack_deadline = ?,
                onsite_deadline = ?, acknowledged_at = ?, onsite_at = ?, resolved_at = ?, closed_at = ?,
                ack_escalated = ?, onsite_escalated = ?, overdue = ?, merged_into = ?, repeat_logged_at = ?,
                updated_at = ?, silenced = ?, title = ?
            WHERE id = ?
            """).execute(binding:
                record.level.rawValue, record.status.rawValue, record.assignee, record.count, record.lastSeen,
                record.ackDeadline, record.onsiteDeadline, event.acknowledgedAt, event.onsiteAt, event.resolvedAt,
                event.closedAt, event.acknowledgeEscalated, event.onsiteEscalated, record.overdue, event.mergedInto,
                event.repeatLoggedAt, record.updatedAt, record.silenced, record.title, event.rowID)
    }

    /// Writes the event's cause: a statement of its own, so that the roll-up's trigger on `cause`
    /// (`CauseRollup`) runs only when a resolve or a reopen changes it, never for the other updates.
    func writeCause(_ event: StoredEvent) throws {
        try connection.cached("UPDATE events SET cause = ? WHERE id = ?").execute(binding: event.record.cause?.rawValue, event.rowID)
    }

    /// Writes only what a plain repeat changes (count, last seen, updated): no indexed column is touched,
    /// so this is the cheap path of `raise` at high message rates.
    func updateOccurrence(_ event: StoredEvent) throws {
        try connection.cached("UPDATE events SET count = ?, last_seen = ?, updated_at = ? WHERE id = ?")
            .execute(binding: event.record.count, event.record.lastSeen, event.record.updatedAt, event.rowID)
    }

    /// Records a change of `event`: a timeline entry (unless `timeline` is false), a change-feed entry
    /// with a snapshot of the event, and an outbox row for the MQTT hand-off, all in the caller's transaction.
    func recordChange(_ event: StoredEvent, action: String, actor: String, note: String, at: EpochMillis,
                      timeline: Bool = true) throws {
        if timeline {
            try appendTimeline(eventRowID: event.rowID, at: at, actor: actor, action: action,
                               status: event.record.status.rawValue, note: note)
        }
        let snapshot = SQLiteUTF8Text(bytes: event.record.snapshotJSONBytes)
        try connection.cached("INSERT INTO changes (event_id, action, at, snapshot) VALUES (?, ?, ?, ?)")
            .execute(binding: event.rowID, action, at, snapshot)
        let sequence = connection.lastInsertRowID
        try connection.cached("INSERT INTO outbox (change_sequence, created_at) VALUES (?, ?)").execute(binding: sequence, at)
    }

    /// Decodes a change-feed snapshot; when it cannot be read, the event's current state stands in.
    func decodeSnapshot(_ snapshot: String, eventRowID: Int64) throws -> EventRecord? {
        if let record = try? snapshotDecoder.decode(EventRecord.self, from: Data(snapshot.utf8)) { return record }
        return try storedEvent(rowID: eventRowID)?.record
    }
}
