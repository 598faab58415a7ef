import Vocabulary

/// The outbox: every event change, for the MQTT hand-off, removed once published.
extension EventStore {
    /// The oldest `limit` changes not yet published.
    public func pendingOutbox(limit: Int) throws -> [OutboxMessage] {
        let rows = try connection.cached("""
            SELECT outbox.id, changes.sequence, changes.event_id, changes.action, changes.snapshot
            FROM outbox JOIN changes ON changes.sequence = outbox.change_sequence
            ORDER BY outbox.id LIMIT ?
            """).query([max(limit, 0)]) { row in
                (id: row.int64(0), sequence: row.int64(1), eventRowID: row.int64(2), action: row.text(3), snapshot: row.text(4))
            }
        return try rows.compactMap { row in
            guard let event = try decodeSnapshot(row.snapshot, eventRowID: row.eventRowID) else { return nil }
            return OutboxMessage(id: row.id, change: EventChange(sequence: row.sequence, event: event, action: row.action),
                                 json: row.snapshot)
        }
    }

    /// Number of changes not yet published.
    public func outboxCount() throws -> Int {
        Int(try connection.integer("SELECT count(*) FROM outbox"))
    }

    /// Drops unpublished outbox rows created before `before` (when the hand-off is disabled nothing
    /// publishes them); returns how many. The change feed keeps the changes.
    @discardableResult
    public func pruneOutbox(before: EpochMillis) throws -> Int {
        try transaction {
            try connection.cached("DELETE FROM outbox WHERE created_at < ?").execute([before])
            return connection.changedRowCount
        }
    }

    /// Removes published messages from the outbox.
    public func markOutboxSent(ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try transaction {
            let delete = try connection.cached("DELETE FROM outbox WHERE id = ?")
            for id in ids { try delete.execute([id]) }
        }
    }
}
