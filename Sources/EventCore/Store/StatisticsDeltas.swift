import Vocabulary

/// Changes to the statistics roll-up (`stats_counts`, `stats_durations`) tallied in memory during one of the
/// daemon's batch transactions and written once at its end, while the roll-up triggers stand aside
/// (`StatisticsRollup.deferralMigrationSQL`). An event's contribution is exactly what the triggers add for it:
/// the same keys and values, computed in Swift; a change takes the old row's contribution out and adds the new
/// row's (when nothing the roll-up reads changed, the two cancel, as the triggers' `WHEN` skips them).
struct StatisticsDeltas {
    /// A row of `stats_counts`.
    struct CountsKey: Hashable {
        let span: EpochMillis
        let start: EpochMillis
        let community: String
        let level: String
        let status: String
        let overdue: Bool
        let silenced: Bool
        let acknowledgeOutcome: Int64
        let onsiteOutcome: Int64
    }

    /// A row of `stats_durations`.
    struct DurationsKey: Hashable {
        let span: EpochMillis
        let start: EpochMillis
        let community: String
        let step: Int64
        let bucket: EpochMillis
    }

    /// Net change of `events` per `stats_counts` row.
    private(set) var counts: [CountsKey: Int64] = [:]
    /// Net change of `events` per `stats_durations` row.
    private(set) var durations: [DurationsKey: Int64] = [:]

    /// Whether nothing is tallied.
    var isEmpty: Bool { counts.isEmpty && durations.isEmpty }

    /// Whether the event's contribution can be computed here exactly as SQLite computes it: false when a block
    /// start or a duration would overflow 64-bit integers (SQLite then switches to floating point; such a write
    /// is left to the triggers).
    static func canTally(_ event: StoredEvent) -> Bool {
        let firstSeen = event.record.firstSeen
        for span in StatisticsRollup.blockSpans where StatisticsRollup.blockStart(firstSeen, span: span) == nil {
            return false
        }
        for step in StatisticsRollup.Step.allCases {
            if let done = doneTime(of: event, step), done.subtractingReportingOverflow(firstSeen).overflow { return false }
        }
        return true
    }

    /// Adds the event's contribution (`sign` 1) or takes it out (`sign` -1). The event must pass `canTally`.
    mutating func add(_ event: StoredEvent, sign: Int64) {
        let record = event.record
        let merged = record.status == .merged
        let acknowledge = Self.outcome(done: event.acknowledgedAt, deadline: record.ackDeadline, merged: merged)
        let onsite = Self.outcome(done: event.onsiteAt, deadline: record.onsiteDeadline, merged: merged)
        for span in StatisticsRollup.blockSpans {
            guard let start = StatisticsRollup.blockStart(record.firstSeen, span: span) else { continue }
            let key = CountsKey(
                span: span, start: start, community: record.location.community, level: record.level.rawValue,
                status: record.status.rawValue, overdue: record.overdue, silenced: record.silenced,
                acknowledgeOutcome: acknowledge.rawValue, onsiteOutcome: onsite.rawValue)
            counts[key, default: 0] += sign
            guard !merged else { continue }
            for step in StatisticsRollup.Step.allCases {
                guard let done = Self.doneTime(of: event, step) else { continue }
                let bucket = StatisticsRollup.durationBucket(done &- record.firstSeen)
                let durationsKey = DurationsKey(span: span, start: start, community: record.location.community,
                                                step: Int64(step.rawValue), bucket: bucket)
                durations[durationsKey, default: 0] += sign
            }
        }
    }

    /// When the step was done.
    private static func doneTime(of event: StoredEvent, _ step: StatisticsRollup.Step) -> EpochMillis? {
        step == .acknowledge ? event.acknowledgedAt : event.onsiteAt
    }

    /// Where the event stands against a step's deadline, as `StatisticsRollup.outcomeSQL` decides it.
    private static func outcome(done: EpochMillis?, deadline: EpochMillis?, merged: Bool) -> StatisticsRollup.DeadlineOutcome {
        guard !merged, let deadline else { return .notMeasured }
        guard let done else { return .notDone }
        return done <= deadline ? .met : .late
    }
}
