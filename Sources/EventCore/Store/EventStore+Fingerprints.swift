import Vocabulary

/// Fingerprints of processed messages, to drop MQTT redeliveries (which happen: see PLATFORM.md).
///
/// Stored as ONE row per committed batch (`message_batches`: sequence, time, blob of the batch's sorted
/// fingerprints), written in the batch's own transaction, so a batch costs one row instead of one per message.
extension EventStore {
    /// Remembers the fingerprints of one batch of processed messages, to drop MQTT redeliveries: one row.
    public func rememberMessages(_ fingerprints: [UInt64], at: EpochMillis) throws {
        guard !fingerprints.isEmpty else { return }
        try connection.cached("INSERT INTO message_batches (at, fingerprints) VALUES (?, ?)")
            .execute(binding: at, Self.encodeFingerprints(fingerprints))
    }

    /// Fingerprints remembered at or after `since`.
    public func recentMessageFingerprints(since: EpochMillis) throws -> Set<UInt64> {
        let batches = try connection.cached("SELECT fingerprints FROM message_batches WHERE at >= ?").query([since]) {
            Self.decodeFingerprints($0.blob(0))
        }
        // Sized once for all of them (a million fingerprints after a busy window).
        var result = Set<UInt64>(minimumCapacity: batches.reduce(0) { $0 + $1.count })
        for batch in batches { result.formUnion(batch) }
        // Rows a version-1 database wrote, one per message, until pruned.
        result.formUnion(try connection.cached("SELECT fingerprint FROM message_fingerprints WHERE at >= ?").query([since]) { row in
            UInt64(bitPattern: row.int64(0))
        })
        return result
    }

    /// The fingerprints of the newest `limit` batches, oldest first, however old they are.
    public func newestMessageBatches(limit: Int) throws -> [[UInt64]] {
        try connection.cached("SELECT fingerprints FROM message_batches ORDER BY sequence DESC LIMIT ?")
            .query([Int64(max(limit, 0))]) { Self.decodeFingerprints($0.blob(0)) }
            .reversed()
    }

    /// Forgets fingerprints remembered before `before`, except those of the newest `keepingLatestBatches`
    /// batches (acknowledgements of recent batches may not have left when the process died, however old they
    /// are); returns how many fingerprints were forgotten.
    @discardableResult
    public func pruneMessageFingerprints(before: EpochMillis, keepingLatestBatches: Int = 0) throws -> Int {
        try transaction {
            let keepFrom = try connection.cached("SELECT coalesce(max(sequence), 0) - ? FROM message_batches")
                .query([Int64(max(keepingLatestBatches, 0))]) { $0.int64(0) }.first ?? 0
            let forgottenBytes = try connection.cached(
                "SELECT coalesce(sum(length(fingerprints)), 0) FROM message_batches WHERE at < ? AND sequence <= ?")
                .query([before, keepFrom]) { $0.int64(0) }.first ?? 0
            try connection.cached("DELETE FROM message_batches WHERE at < ? AND sequence <= ?").execute([before, keepFrom])
            try connection.cached("DELETE FROM message_fingerprints WHERE at < ?").execute([before])
            return Int(forgottenBytes / 8) + connection.changedRowCount
        }
    }

    /// The blob of a batch: its fingerprints sorted, 8 bytes little-endian each.
    static func encodeFingerprints(_ fingerprints: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fingerprints.count * 8)
        for fingerprint in fingerprints.sorted() {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: fingerprint >> UInt64(shift))) }
        }
        return bytes
    }

    /// The fingerprints of a batch blob (a trailing partial fingerprint of a damaged blob is ignored).
    static func decodeFingerprints(_ bytes: [UInt8]) -> [UInt64] {
        stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { start in
            (0..<8).reduce(UInt64(0)) { value, index in value | UInt64(bytes[start + index]) << UInt64(index * 8) }
        }
    }
}
