/// Statistics for `lookout stats`.
extension EventStore {
    /// One event's figures.
    private struct StatisticsRow {
        var level: EventLevel
        var status: EventStatus
        var community: String
        var firstSeen: Millis
        var acknowledgedAt: Millis?
        var onsiteAt: Millis?
        var ackDeadline: Millis?
        var onsiteDeadline: Millis?
        var overdue: Bool
        var silenced: Bool
    }

    /// Figures over events first seen in `since ..< until`; times to acknowledge and to be on site are
    /// measured from the first trigger, merged events are left out of them.
    public func statistics(since: Millis, until: Millis) throws -> EventStatistics {
        let rows = try connection.cached("""
            SELECT level, status, community, first_seen, acknowledged_at, onsite_at, ack_deadline, onsite_deadline,
                overdue, silenced FROM events WHERE first_seen >= ? AND first_seen < ?
            """).query([since, until]) { row in
                StatisticsRow(level: EventLevel(rawValue: row.text(0)) ?? .red,
                              status: EventStatus(rawValue: row.text(1)) ?? .open, community: row.text(2),
                              firstSeen: row.int64(3), acknowledgedAt: row.optionalInt64(4), onsiteAt: row.optionalInt64(5),
                              ackDeadline: row.optionalInt64(6), onsiteDeadline: row.optionalInt64(7),
                              overdue: row.bool(8), silenced: row.bool(9))
            }
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
            })
    }

    /// Events per level.
    private static func countByLevel(_ rows: [StatisticsRow]) -> [EventLevel: Int] {
        var counts: [EventLevel: Int] = [:]
        for row in rows { counts[row.level, default: 0] += 1 }
        return counts
    }

    /// Durations from first seen to a step.
    private static func durations(_ rows: [StatisticsRow], to step: KeyPath<StatisticsRow, Millis?>) -> DurationSummary {
        DurationSummary(rows.compactMap { row in row[keyPath: step].map { max(elapsed(from: row.firstSeen, to: $0), 0) } })
    }

    /// Of the events whose deadline was met or passed by `until`, how many met it.
    private static func share(_ rows: [StatisticsRow], done step: KeyPath<StatisticsRow, Millis?>,
                              deadline: KeyPath<StatisticsRow, Millis?>, until: Millis) -> DeadlineShare {
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
