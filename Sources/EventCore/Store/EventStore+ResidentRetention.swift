import Vocabulary

/// Retention of residents' personal data (PIPL): removed from events that have been inactive longer than the
/// retention, while counts, levels and times (what the statistics read) stay. The timeline and the audit never
/// hold it (their entries name actors, actions and staff notes), so removing it leaves the hash chain verifiable.
extension EventStore {
    /// Removes the resident data of at most `limit` events whose last activity (`updated_at`) is before `cutoff`
    /// and that are no longer open (resolved or closed): their location's resident fields, their emergency phone,
    /// the values in their title and description (`EventRecord.withoutResidentData`), and the same in their
    /// change-feed snapshots. One transaction; returns how many events it changed (call again while it returns
    /// `limit`).
    @discardableResult
    public func removeResidentData(inactiveBefore cutoff: EpochMillis, limit: Int = 500) throws -> Int {
        try transaction {
            let stale = try connection.cached("""
                SELECT \(StoredEvent.columns) FROM events
                WHERE updated_at < ? AND status IN ('resolved', 'closed')
                    AND (resident_name != '' OR resident_phone != '' OR emergency_contact != '' OR emergency_phone != '')
                LIMIT ?
                """).query([cutoff, max(limit, 0)]) { StoredEvent(row: $0) }
            let updateEvent = try connection.cached("""
                UPDATE events SET resident_name = '', resident_phone = '', emergency_contact = '', emergency_phone = '',
                    title = ?, description = ? WHERE id = ?
                """)
            let updateSnapshot = try connection.cached("UPDATE changes SET snapshot = ? WHERE sequence = ?")
            guard !stale.isEmpty else { return 0 }
            for event in stale {
                let redacted = event.record.withoutResidentData()
                try updateEvent.execute([redacted.title, redacted.description, event.rowID])
            }
            // The change feed keeps days, not months (`[storage] change_retention`), so this one pass over it
            // (no index on event_id: every change would pay for one) finds few rows, if any.
            let ids = stale.map { String($0.rowID) }.joined(separator: ",")
            let snapshots = try connection.prepare("SELECT sequence, event_id, snapshot FROM changes WHERE event_id IN (\(ids))")
                .query { (sequence: $0.int64(0), eventRowID: $0.int64(1), snapshot: $0.text(2)) }
            for change in snapshots {
                guard let record = try decodeSnapshot(change.snapshot, eventRowID: change.eventRowID),
                      record.hasResidentData else { continue }
                try updateSnapshot.execute([record.withoutResidentData().snapshotJSON, change.sequence])
            }
            return stale.count
        }
    }
}
