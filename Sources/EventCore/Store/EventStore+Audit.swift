import Vocabulary

/// The audit of staff API requests (`api_audit`): written by the daemon for every request it answers, read by
/// `lookout audit` through the daemon.
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

    /// The most recent `limit` audit entries at or after `since`, of `user` if given, oldest first.
    public func auditEntries(limit: Int = 1_000, since: EpochMillis = 0, user: String? = nil) throws -> [AuditEntry] {
        try connection.cached("""
            SELECT \(Self.auditColumns)
            FROM (SELECT * FROM api_audit WHERE at >= ?1 AND (?2 IS NULL OR user = ?2) ORDER BY id DESC LIMIT ?3) ORDER BY id
            """).query([since, user, Int64(limit)], Self.auditEntry(row:))
    }

    /// The first entry of `user`'s request `requestID` recorded at or after `since`, if any: a redelivered request
    /// (the broker transport) is recognised by it and not run again. `since` bounds the look to the index on `at`.
    public func auditEntry(user: String, requestID: String, since: EpochMillis) throws -> AuditEntry? {
        try connection.cached("""
            SELECT \(Self.auditColumns)
            FROM api_audit WHERE at >= ?1 AND user = ?2 AND request_id = ?3 ORDER BY id LIMIT 1
            """).query([since, user, requestID], Self.auditEntry(row:)).first
    }

    /// The audit columns `auditEntry(row:)` reads, in its order.
    private static let auditColumns = "id, at, user, origin, on_behalf_of, operation, event_id, outcome, detail, request_id"

    /// One audit row (of `auditColumns`).
    private static func auditEntry(row: SQLiteRow) -> AuditEntry {
        var entry = AuditEntry(at: row.int64(1), user: row.text(2), origin: row.text(3), onBehalfOf: row.text(4),
                               operation: row.text(5), eventID: row.text(6),
                               outcome: AuditEntry.Outcome(rawValue: row.text(7)) ?? .failed,
                               detail: row.text(8), requestID: row.text(9))
        entry.id = row.int64(0)
        return entry
    }
}
