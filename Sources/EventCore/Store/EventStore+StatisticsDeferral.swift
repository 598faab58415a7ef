/// The statistics roll-up in the daemon's batches: inside a `batchTransaction` the roll-up triggers stand aside
/// (`stats_deferral.deferred` is set, in that transaction only) and every event row written adds its change to
/// `statisticsDeltas`, which is written at the end of the batch with one statement per roll-up row it touched,
/// instead of six to twelve trigger statements per event change. Everything happens in the batch's one
/// transaction: a failure rolls back the rows, the tally and the flag alike.
extension EventStore {
    /// Starts tallying the roll-up in memory (the running transaction's triggers stand aside).
    func deferStatistics() throws {
        try setStatisticsDeferred(true)
        statisticsDeltas = StatisticsDeltas()
    }

    /// Writes the tallied roll-up changes and lets the triggers count again (before the transaction commits).
    func writeDeferredStatistics() throws {
        try flushStatisticsDeltas()
        statisticsDeltas = nil
        try setStatisticsDeferred(false)
    }

    /// Writes an event row (`write`) and counts its change in the roll-up: the previous row's contribution out
    /// (`previous` nil: a new row), the new one's in. Without deferral the triggers count it. A row whose
    /// times are at the edge of the integer range is left to the triggers too, after writing what is tallied.
    func countingStatistics(from previous: StoredEvent?, to event: StoredEvent, _ write: () throws -> Void) throws {
        guard statisticsDeltas != nil else { return try write() }
        guard StatisticsDeltas.canTally(event), previous.map(StatisticsDeltas.canTally) ?? true else {
            try flushStatisticsDeltas()
            try setStatisticsDeferred(false)
            try write()
            try setStatisticsDeferred(true)
            return
        }
        try write()
        if let previous { statisticsDeltas?.add(previous, sign: -1) }
        statisticsDeltas?.add(event, sign: 1)
    }

    /// Sets or clears `stats_deferral.deferred` (in the running transaction).
    private func setStatisticsDeferred(_ deferred: Bool) throws {
        try connection.cached("UPDATE stats_deferral SET deferred = ? WHERE id = 1").execute(binding: deferred)
    }

    /// Writes the tallied changes (rows gained are inserted or added to, rows lost are subtracted from, as the
    /// triggers do) and empties the tally.
    private func flushStatisticsDeltas() throws {
        guard let deltas = statisticsDeltas, !deltas.isEmpty else { return }
        let addCounts = try connection.cached("""
            INSERT INTO stats_counts (span, start, community, level, status, overdue, silenced, ack_outcome,
                onsite_outcome, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (span, start, community, level, status, overdue, silenced, ack_outcome, onsite_outcome)
            DO UPDATE SET events = events + excluded.events
            """)
        let subtractCounts = try connection.cached("""
            UPDATE stats_counts SET events = events + ? WHERE span = ? AND start = ? AND community = ? AND level = ?
                AND status = ? AND overdue = ? AND silenced = ? AND ack_outcome = ? AND onsite_outcome = ?
            """)
        for (key, delta) in deltas.counts where delta != 0 {
            if delta > 0 {
                try addCounts.execute(binding: key.span, key.start, key.community, key.level, key.status, key.overdue,
                                      key.silenced, key.acknowledgeOutcome, key.onsiteOutcome, delta)
            } else {
                try subtractCounts.execute(binding: delta, key.span, key.start, key.community, key.level, key.status,
                                           key.overdue, key.silenced, key.acknowledgeOutcome, key.onsiteOutcome)
            }
        }
        let addDurations = try connection.cached("""
            INSERT INTO stats_durations (span, start, community, step, bucket, events) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (span, start, community, step, bucket) DO UPDATE SET events = events + excluded.events
            """)
        let subtractDurations = try connection.cached("""
            UPDATE stats_durations SET events = events + ?
            WHERE span = ? AND start = ? AND community = ? AND step = ? AND bucket = ?
            """)
        for (key, delta) in deltas.durations where delta != 0 {
            if delta > 0 {
                try addDurations.execute(binding: key.span, key.start, key.community, key.step, key.bucket, delta)
            } else {
                try subtractDurations.execute(binding: delta, key.span, key.start, key.community, key.step, key.bucket)
            }
        }
        statisticsDeltas = StatisticsDeltas()
    }
}
