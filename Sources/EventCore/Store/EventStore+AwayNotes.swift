import Vocabulary

/// Away notes: absence rules stay quiet for a resident until the note ends.
extension EventStore {
    /// Adds an away note for a resident or device.
    @discardableResult
    public func addAwayNote(subject: String, until: EpochMillis, reason: String, actor: String,
                            at: EpochMillis = WallClock.now()) throws -> AwayNote {
        try transaction {
            try connection.cached("""
                INSERT INTO away_notes (subject, created_at, until, reason, actor) VALUES (?, ?, ?, ?, ?)
                """).execute([subject, at, until, reason, actor])
            return AwayNote(id: connection.lastInsertRowID, subject: subject, createdAt: at, until: until,
                            reason: reason, actor: actor)
        }
    }

    /// Away notes in force at `now`, soonest ending first.
    public func listAwayNotes(now: EpochMillis) throws -> [AwayNote] {
        try connection.cached("""
            SELECT id, subject, created_at, until, reason, actor FROM away_notes
            WHERE removed_at IS NULL AND until > ? ORDER BY until, id
            """).query([now]) { row in
                AwayNote(id: row.int64(0), subject: row.text(1), createdAt: row.int64(2), until: row.int64(3),
                         reason: row.text(4), actor: row.text(5))
            }
    }

    /// Ends an away note early (kept on the record); false when none is in force with that id.
    @discardableResult
    public func removeAwayNote(id: Int64, at: EpochMillis = WallClock.now()) throws -> Bool {
        try transaction {
            try connection.cached("UPDATE away_notes SET removed_at = ? WHERE id = ? AND removed_at IS NULL").execute([at, id])
            return connection.changedRowCount > 0
        }
    }

    /// Whether an away note for `subject` is in force at `at`.
    public func isAway(subject: String, at: EpochMillis) throws -> Bool {
        try connection.integer("""
            SELECT EXISTS (SELECT 1 FROM away_notes WHERE subject = ? AND removed_at IS NULL AND until > ?)
            """, [subject, at]) != 0
    }
}
