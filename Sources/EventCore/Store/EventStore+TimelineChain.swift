import Vocabulary

/// The timeline as a record no one can quietly change: every entry is appended through `appendTimeline`, chained
/// to the one before it with the store's key (`StoreOptions.timelineKey`; see `TimelineChain`), and the database
/// refuses UPDATE and DELETE on it (the triggers of schema version 14). `verifyTimeline` walks the chain.
extension EventStore {
    /// The triggers that make the record append-only (schema version 14).
    static let appendOnlyTriggers = ["timeline_no_update", "timeline_no_delete", "api_audit_no_update", "api_audit_no_delete"]

    /// Appends one timeline entry for the event with row id `eventRowID`, chained to the last entry: read from the
    /// database at the transaction's first entry, then the one this transaction appended last (no other connection
    /// writes while it holds the write lock; any rollback forgets it), so a rolled-back entry or another
    /// connection's entry is never chained to wrongly.
    func appendTimeline(eventRowID: Int64, at: EpochMillis, actor: String, action: String, status: String, note: String) throws {
        let last = try (transactionDepth > 0 ? timelineHeadInTransaction : nil) ?? timelineHead()
        let fields = TimelineChain.Fields(id: (last?.entryID ?? 0) + 1, eventRowID: eventRowID, at: at, actor: actor,
                                          action: action, status: status, note: note)
        let previous = last?.hash ?? TimelineChain.genesis
        let hash = TimelineChain.hash(options.timelineHMAC, previous: previous, fields)
        try connection.cached("""
            INSERT INTO timeline (id, event_id, at, actor, action, status, note, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(binding: fields.id, eventRowID, at, actor, action, status, note, previous, hash)
        if transactionDepth > 0 { timelineHeadInTransaction = (fields.id, hash) }
    }

    /// The last entry's id and hash (nil: an empty timeline). lookoutd logs it at start and stop: an anchor outside
    /// the file, against which removed last entries show (the chain itself cannot tell).
    public func timelineHead() throws -> (entryID: Int64, hash: String)? {
        try connection.cached("SELECT id, hash FROM timeline ORDER BY id DESC LIMIT 1")
            .queryFirst { (entryID: $0.int64(0), hash: $0.text(1)) }
    }

    /// Chains the entries written before the chain existed (schema version 14's migration), in row order, with
    /// `key`. Runs before the append-only triggers are created.
    static func chainExistingTimeline(_ connection: SQLiteConnection, key: [UInt8]) throws {
        var previous = TimelineChain.genesis
        let hmac = HMACSHA256(key: key)
        var rows: [(TimelineChain.Fields, String)] = []
        try connection.prepare("SELECT id, event_id, at, actor, action, status, note FROM timeline ORDER BY id").forEachRow { row in
            let fields = TimelineChain.Fields(id: row.int64(0), eventRowID: row.int64(1), at: row.int64(2), actor: row.text(3),
                                              action: row.text(4), status: row.text(5), note: row.text(6))
            let hash = TimelineChain.hash(hmac, previous: previous, fields)
            rows.append((fields, previous))
            previous = hash
        }
        let update = try connection.prepare("UPDATE timeline SET prev_hash = ?, hash = ? WHERE id = ?")
        for (index, (fields, prev)) in rows.enumerated() {
            let hash = index + 1 < rows.count ? rows[index + 1].1 : previous
            try update.execute(binding: prev, hash, fields.id)
        }
    }

    /// Walks the whole chain with the store's key and stops at the first entry that does not match: one whose
    /// `prev_hash` is not the hash of the entry before it (an entry removed, inserted or moved), or whose hash is
    /// not that of its fields (an entry changed, or the chain recomputed without the key). Also names any
    /// append-only trigger that is missing.
    public func verifyTimeline() throws -> TimelineVerification {
        try readingOneSnapshot { try verifyTimelineInSnapshot() }
    }

    /// `verifyTimeline` inside one read transaction.
    private func verifyTimelineInSnapshot() throws -> TimelineVerification {
        let triggers = Set(try connection.cached("SELECT name FROM sqlite_master WHERE type = 'trigger'").query { $0.text(0) })
        var verification = TimelineVerification(entries: 0, keyed: !options.timelineKey.isEmpty,
                                                missingTriggers: Self.appendOnlyTriggers.filter { !triggers.contains($0) },
                                                firstBreak: nil)
        var previous = TimelineChain.genesis
        var previousID: Int64?
        let statement = try connection.prepare("""
            SELECT id, event_id, at, actor, action, status, note, prev_hash, hash FROM timeline ORDER BY id
            """)
        try statement.forEachRow { row in
            guard verification.firstBreak == nil else { return }
            let fields = TimelineChain.Fields(id: row.int64(0), eventRowID: row.int64(1), at: row.int64(2),
                                              actor: row.text(3), action: row.text(4), status: row.text(5), note: row.text(6))
            let storedPrevious = row.text(7), stored = row.text(8)
            verification.entries += 1
            var problem: String?
            if storedPrevious != previous {
                problem = previousID.map {
                    "its prev_hash is not the hash of the entry before it (#\($0)): an entry was removed, inserted or moved"
                } ?? "its prev_hash is not the start of the chain: entries before it were removed"
            } else if TimelineChain.hash(options.timelineHMAC, previous: previous, fields) != stored {
                problem = stored.isEmpty ? "it has no hash: it was written outside lookoutd"
                    : "its hash does not match its fields under lookoutd's key: the entry was changed after it was written"
                        + " (or the chain was recomputed without the key)"
            }
            if let problem {
                verification.firstBreak = TimelineVerification.Break(
                    entryID: fields.id, eventID: StoredEvent.readableID(fields.eventRowID), at: fields.at,
                    action: fields.action, note: fields.note, problem: problem)
            }
            previous = stored
            previousID = fields.id
            verification.head = stored
        }
        return verification
    }
}
