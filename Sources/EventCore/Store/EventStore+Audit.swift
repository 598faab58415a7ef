/// The audit of staff API requests (`api_audit`): written by the daemon for every request it answers, read by
/// tests now and by `lookout audit` later.
extension EventStore {
    /// Records `entry` (in the running transaction, if any: an action and its audit row commit together).
    public func recordAudit(_ entry: AuditEntry) throws {
        try transaction {
            try connection.cached("""
                INSERT INTO api_audit (at, user, origin, on_behalf_of, operation, event_id, outcome, detail, request_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute([entry.at, entry.user, entry.origin, entry.onBehalfOf, entry.operation, entry.eventID,
                              entry.outcome.rawValue, entry.detail, entry.requestID])
        }
    }

    /// The most recent `limit` audit entries, oldest first.
    public func auditEntries(limit: Int = 1_000) throws -> [AuditEntry] {
        try connection.cached("""
            SELECT id, at, user, origin, on_behalf_of, operation, event_id, outcome, detail, request_id
            FROM (SELECT * FROM api_audit ORDER BY id DESC LIMIT ?) ORDER BY id
            """).query([Int64(limit)]) { row in
            var entry = AuditEntry(at: row.int64(1), user: row.text(2), origin: row.text(3), onBehalfOf: row.text(4),
                                   operation: row.text(5), eventID: row.text(6),
                                   outcome: AuditEntry.Outcome(rawValue: row.text(7)) ?? .failed,
                                   detail: row.text(8), requestID: row.text(9))
            entry.id = row.int64(0)
            return entry
        }
    }
}
