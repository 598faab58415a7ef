/// Rejected messages: counters per reason and a bounded sample for inspection.
extension EventStore {
    /// Records rejected messages: counters per reason, and a bounded sample per reason
    /// (`StoreOptions.rejectSamplesPerReason`, newest kept).
    public func recordRejects(_ rejects: [RejectedMessage]) throws {
        guard !rejects.isEmpty else { return }
        try transaction {
            let excerptLimit = max(options.rejectPayloadExcerptBytes, 0)
            let insert = try connection.cached("INSERT INTO rejects (at, reason, topic, payload_excerpt, device_id, detail) VALUES (?, ?, ?, ?, ?, ?)")
            let count = try connection.cached("""
                INSERT INTO reject_counts (reason, count, last_at) VALUES (?, 1, ?)
                ON CONFLICT(reason) DO UPDATE SET count = count + 1, last_at = max(last_at, excluded.last_at)
                """)
            for reject in rejects {
                let excerpt = String(decoding: Array(reject.payloadExcerpt.utf8.prefix(excerptLimit)), as: UTF8.self)
                let detail = String(decoding: Array(reject.detail.utf8.prefix(excerptLimit)), as: UTF8.self)
                try insert.execute([reject.at, reject.reason, reject.topic, excerpt, reject.deviceID, detail])
                try count.execute([reject.reason, reject.at])
            }
            let trim = try connection.cached("""
                DELETE FROM rejects WHERE reason = ?1 AND id <= (
                    SELECT id FROM rejects WHERE reason = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                """)
            for reason in Set(rejects.map(\.reason)) {
                try trim.execute([reason, max(options.rejectSamplesPerReason, 0)])
            }
        }
    }

    /// Rejection counters, most frequent first.
    public func rejectCounts() throws -> [RejectCount] {
        try connection.cached("SELECT reason, count, last_at FROM reject_counts ORDER BY count DESC, reason").query { row in
            RejectCount(reason: row.text(0), count: row.int64(1), lastAt: row.int64(2))
        }
    }

    /// The newest kept samples, newest first, optionally for one reason.
    public func recentRejects(reason: String? = nil, limit: Int = 50) throws -> [RejectedMessage] {
        try connection.cached("""
            SELECT at, reason, topic, payload_excerpt, device_id, detail FROM rejects WHERE ?1 IS NULL OR reason = ?1
            ORDER BY id DESC LIMIT ?2
            """).query([reason, max(limit, 0)]) { row in
                RejectedMessage(at: row.int64(0), reason: row.text(1), topic: row.text(2), payloadExcerpt: row.text(3),
                                deviceID: row.text(4), detail: row.text(5))
            }
    }

    /// How many samples are kept, optionally for one reason (what `recentRejects` can list).
    public func keptRejectCount(reason: String? = nil) throws -> Int {
        Int(try connection.cached("SELECT count(*) FROM rejects WHERE ?1 IS NULL OR reason = ?1").queryFirst([reason]) { $0.int64(0) } ?? 0)
    }
}
