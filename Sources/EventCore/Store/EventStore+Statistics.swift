import Vocabulary

/// Statistics for `lookout stats`.
extension EventStore {
    /// One event's figures.
    struct StatisticsRow {
        var level: AlertLevel
        var status: EventStatus
        var community: String
        var firstSeen: EpochMillis
        var acknowledgedAt: EpochMillis?
        var onsiteAt: EpochMillis?
        var ackDeadline: EpochMillis?
        var onsiteDeadline: EpochMillis?
        var overdue: Bool
        var silenced: Bool
    }

    /// Figures over events first seen in `since ..< until`; times to acknowledge and to be on site are
    /// measured from the first trigger, merged events are left out of them. Durations are exact to what
    /// `lookout stats` shows (`StatisticsRollup.durationBucket`: whole seconds below 10 minutes, whole
    /// minutes below a day, whole hours beyond).
    ///
    /// Whole hours and days come from the roll-up tables (`StatisticsRollup`); only the events of the
    /// partial hours at both ends are read, plus the few whose deadline is not met and falls at or after
    /// `until`. The roll-up rows read are bounded by blocks × communities × response-time buckets, not by
    /// the number of events.
    public func statistics(since: EpochMillis, until: EpochMillis) throws -> EventStatistics {
        try readingOneSnapshot { try rolledUpStatistics(since: since, until: until) }
    }

    /// `statistics(since:until:)` inside a read snapshot.
    private func rolledUpStatistics(since: EpochMillis, until: EpochMillis) throws -> EventStatistics {
        var tally = StatisticsTally()
        guard since < until else { return tally.statistics(since: since, until: until) }
        guard let blocks = StatisticsRollup.blockRuns(since: since, until: until) else {
            try tallyEvents(firstSeen: since ..< until, periodEnd: until, into: &tally)
            return tally.statistics(since: since, until: until)
        }
        try tallyEvents(firstSeen: since ..< blocks.covered.lowerBound, periodEnd: until, into: &tally)
        for run in blocks.runs { try tallyRollup(run, into: &tally) }
        try excludeDeadlinesNotPassed(firstSeen: blocks.covered, until: until, from: &tally)
        try tallyEvents(firstSeen: blocks.covered.upperBound ..< until, periodEnd: until, into: &tally)
        return tally.statistics(since: since, until: until)
    }

    /// Runs `body` in one read transaction, so that its several queries see the same committed state
    /// (inside a running transaction, in that one). A read transaction never holds the write lock: intake and
    /// other writers go on while it reads (WAL).
    public func readingOneSnapshot<T>(_ body: () throws -> T) throws -> T {
        guard connection.isAutocommit else { return try body() }
        try connection.cached("BEGIN").execute()
        defer { try? connection.cached("COMMIT").execute() }
        return try body()
    }

    /// Events first seen in `since ..< until`, as statistics read them.
    private func statisticsRows(since: EpochMillis, until: EpochMillis) throws -> [StatisticsRow] {
        try connection.cached("""
            SELECT level, status, community, first_seen, acknowledged_at, onsite_at, ack_deadline, onsite_deadline,
                overdue, silenced FROM events WHERE first_seen >= ? AND first_seen < ?
            """).query([since, until]) { row in
                StatisticsRow(level: AlertLevel(rawValue: row.text(0)) ?? .red,
                              status: EventStatus(rawValue: row.text(1)) ?? .open, community: row.text(2),
                              firstSeen: row.int64(3), acknowledgedAt: row.optionalInt64(4), onsiteAt: row.optionalInt64(5),
                              ackDeadline: row.optionalInt64(6), onsiteDeadline: row.optionalInt64(7),
                              overdue: row.bool(8), silenced: row.bool(9))
            }
    }

    /// Counts the events first seen in `firstSeen` one by one, for a period ending at `periodEnd`.
    private func tallyEvents(firstSeen: Range<EpochMillis>, periodEnd: EpochMillis, into tally: inout StatisticsTally) throws {
        guard !firstSeen.isEmpty else { return }
        for row in try statisticsRows(since: firstSeen.lowerBound, until: firstSeen.upperBound) {
            tally.addEvents(1, community: row.community, level: row.level, status: row.status, overdue: row.overdue,
                            silenced: row.silenced)
            guard row.status != .merged else { continue }
            for step in StatisticsRollup.Step.allCases {
                let (done, deadline) = step == .acknowledge ? (row.acknowledgedAt, row.ackDeadline) : (row.onsiteAt, row.onsiteDeadline)
                if let done {
                    tally.addDurations(1, community: row.community, step: step,
                                       bucket: StatisticsRollup.durationBucket(Self.elapsed(from: row.firstSeen, to: done)))
                }
                guard let deadline else { continue }
                if let done {
                    tally.addShare(step: step, met: done <= deadline ? 1 : 0, total: 1)
                } else if deadline < periodEnd {
                    tally.addShare(step: step, met: 0, total: 1)
                }
            }
        }
    }

    /// Adds the roll-up rows of a run of whole blocks. Events whose deadline is not met count in the
    /// share here; `excludeDeadlinesNotPassed` takes out those whose deadline is at or after `until`.
    private func tallyRollup(_ run: StatisticsRollup.BlockRun, into tally: inout StatisticsTally) throws {
        let range: [any SQLiteBindable] = [run.span, run.from, run.to]
        _ = try connection.cached("""
            SELECT community, level, status, overdue, silenced, ack_outcome, onsite_outcome, events FROM stats_counts
            WHERE span = ? AND start >= ? AND start < ? AND events <> 0
            """).query(range) { row in
                let count = Int(row.int64(7))
                let community = row.text(0)
                tally.addEvents(count, community: community, level: AlertLevel(rawValue: row.text(1)) ?? .red,
                                status: EventStatus(rawValue: row.text(2)) ?? .open, overdue: row.bool(3),
                                silenced: row.bool(4))
                for step in StatisticsRollup.Step.allCases {
                    switch StatisticsRollup.DeadlineOutcome(rawValue: row.int64(5 + step.rawValue)) {
                    case .met: tally.addShare(step: step, met: count, total: count)
                    case .late, .notDone: tally.addShare(step: step, met: 0, total: count)
                    case .notMeasured, nil: break
                    }
                }
            }
        // Summed by SQLite over the run's blocks: a month of whole-second buckets is hundreds of thousands of rows
        // (communities × steps × buckets × days), the groups a few thousand.
        _ = try connection.cached("""
            SELECT community, step, bucket, sum(events) FROM stats_durations
            WHERE span = ? AND start >= ? AND start < ? AND events <> 0 GROUP BY community, step, bucket
            """).query(range) { row in
                guard let step = StatisticsRollup.Step(rawValue: Int(row.int64(1))) else { return }
                tally.addDurations(Int(row.int64(3)), community: row.text(0), step: step, bucket: row.int64(2))
            }
    }

    /// Takes out of the shares the events first seen in `firstSeen` whose deadline is not met and not
    /// passed at `until` (few: they are recent; the partial `…_unmet` indexes find them).
    private func excludeDeadlinesNotPassed(firstSeen: Range<EpochMillis>, until: EpochMillis, from tally: inout StatisticsTally) throws {
        for step in StatisticsRollup.Step.allCases {
            let notPassed = try connection.integer("""
                SELECT count(*) FROM events INDEXED BY \(step.unmetIndex)
                WHERE \(step.unmetCondition) AND \(step.deadlineColumn) >= ? AND first_seen >= ? AND first_seen < ?
                """, [until, firstSeen.lowerBound, firstSeen.upperBound])
            tally.addShare(step: step, met: 0, total: -Int(notPassed))
        }
    }

    /// The figures as computed before the roll-up, from every event of the period, with exact durations:
    /// the reference the roll-up is tested against (`statistics(since:until:)` equals it with durations
    /// rounded by `StatisticsRollup.durationBucket`).
    func statisticsByFullScan(since: EpochMillis, until: EpochMillis) throws -> EventStatistics {
        let rows = try statisticsRows(since: since, until: until)
        let measured = rows.filter { $0.status != .merged }
        var byStatus: [EventStatus: Int] = [:]
        for row in rows { byStatus[row.status, default: 0] += 1 }
        let communities = Dictionary(grouping: rows, by: \.community).sorted { $0.key < $1.key }
        return EventStatistics(
            since: since, until: until, total: rows.count, byLevel: Self.countByLevel(rows), byStatus: byStatus,
            overdue: rows.filter(\.overdue).count, silenced: rows.filter(\.silenced).count,
            timeToAcknowledge: Self.durations(measured, to: \.acknowledgedAt),
            timeToOnsite: Self.durations(measured, to: \.onsiteAt),
            acknowledgedInTime: Self.share(measured, done: \.acknowledgedAt, deadline: \.ackDeadline, until: until),
            onsiteInTime: Self.share(measured, done: \.onsiteAt, deadline: \.onsiteDeadline, until: until),
            perCommunity: communities.map { community, rows in
                let measured = rows.filter { $0.status != .merged }
                return CommunityStatistics(
                    community: community, total: rows.count, byLevel: Self.countByLevel(rows),
                    stillActive: rows.filter { $0.status.isActive }.count, overdue: rows.filter(\.overdue).count,
                    timeToAcknowledge: Self.durations(measured, to: \.acknowledgedAt),
                    timeToOnsite: Self.durations(measured, to: \.onsiteAt))
            },
            onsiteWithinCircle: StatisticsTally.circleShare(Dictionary(
                measured.compactMap { row in row.onsiteAt.map { (StatisticsRollup.durationBucket(Self.elapsed(from: row.firstSeen, to: $0)), 1) } },
                uniquingKeysWith: +)))
    }

    /// Events per level.
    private static func countByLevel(_ rows: [StatisticsRow]) -> [AlertLevel: Int] {
        var counts: [AlertLevel: Int] = [:]
        for row in rows { counts[row.level, default: 0] += 1 }
        return counts
    }

    /// Durations from first seen to a step.
    private static func durations(_ rows: [StatisticsRow], to step: KeyPath<StatisticsRow, EpochMillis?>) -> DurationSummary {
        DurationSummary(rows.compactMap { row in row[keyPath: step].map { max(elapsed(from: row.firstSeen, to: $0), 0) } })
    }

    /// Of the events whose deadline was met or passed by `until`, how many met it.
    private static func share(_ rows: [StatisticsRow], done step: KeyPath<StatisticsRow, EpochMillis?>,
                              deadline: KeyPath<StatisticsRow, EpochMillis?>, until: EpochMillis) -> DeadlineShare {
        var share = DeadlineShare(met: 0, total: 0)
        for row in rows {
            guard let due = row[keyPath: deadline] else { continue }
            if let done = row[keyPath: step] {
                share.total += 1
                if done <= due { share.met += 1 }
            } else if due < until {
                share.total += 1
            }
        }
        return share
    }
}
