import Vocabulary

/// What the daemon writes about itself every few seconds, for `lookout status`.
extension EventStore {
    /// Replaces the daemon's status (written every few seconds by lookoutd).
    public func writeDaemonStatus(_ values: [String: String], at: EpochMillis) throws {
        try transaction {
            try connection.cached("DELETE FROM daemon_status").execute()
            let insert = try connection.cached("INSERT INTO daemon_status (key, value, updated_at) VALUES (?, ?, ?)")
            for (key, value) in values { try insert.execute([key, value, at]) }
        }
    }

    /// The daemon's last written status.
    public func daemonStatus() throws -> DaemonStatusSnapshot {
        var snapshot = DaemonStatusSnapshot(values: [:], updatedAt: nil)
        let rows = try connection.cached("SELECT key, value, updated_at FROM daemon_status").query { row in
            (key: row.text(0), value: row.text(1), at: row.int64(2))
        }
        for row in rows {
            snapshot.values[row.key] = row.value
            snapshot.updatedAt = max(snapshot.updatedAt ?? row.at, row.at)
        }
        return snapshot
    }
}
