/// Fingerprints of processed messages, to drop MQTT redeliveries (which happen: see PLATFORM.md).
extension EventStore {
    /// Remembers fingerprints of processed messages, to drop MQTT redeliveries.
    public func rememberMessages(_ fingerprints: [UInt64], at: Millis) throws {
        guard !fingerprints.isEmpty else { return }
        try transaction {
            let upsert = try connection.cached("INSERT OR REPLACE INTO message_fingerprints (fingerprint, at) VALUES (?, ?)")
            for fingerprint in fingerprints { try upsert.execute([Int64(bitPattern: fingerprint), at]) }
        }
    }

    /// Fingerprints remembered at or after `since`.
    public func recentMessageFingerprints(since: Millis) throws -> Set<UInt64> {
        Set(try connection.cached("SELECT fingerprint FROM message_fingerprints WHERE at >= ?").query([since]) { row in
            UInt64(bitPattern: row.int64(0))
        })
    }

    /// Forgets fingerprints remembered before `before`; returns how many.
    @discardableResult
    public func pruneMessageFingerprints(before: Millis) throws -> Int {
        try transaction {
            try connection.cached("DELETE FROM message_fingerprints WHERE at < ?").execute([before])
            return connection.changedRowCount
        }
    }
}
