import Vocabulary

/// The figures of `lookout stats` while they are summed, from roll-up rows and from single events;
/// `statistics(since:until:)` turns them into the report.
struct StatisticsTally {
    /// One community's running figures.
    struct CommunityTally {
        /// Events.
        var total = 0
        /// Events per level.
        var byLevel: [AlertLevel: Int] = [:]
        /// Events still needing a person.
        var stillActive = 0
        /// Events that became overdue.
        var overdue = 0
        /// Events per duration bucket, for each measured step (by `StatisticsRollup.Step.rawValue`).
        var durations: [[EpochMillis: Int]] = StatisticsRollup.Step.allCases.map { _ in [:] }
    }

    /// Figures per community id.
    var communities: [String: CommunityTally] = [:]
    /// Events per status.
    var byStatus: [EventStatus: Int] = [:]
    /// Events raised while silenced.
    var silenced = 0
    /// Deadline shares, for each measured step (by `StatisticsRollup.Step.rawValue`).
    var shares: [DeadlineShare] = StatisticsRollup.Step.allCases.map { _ in DeadlineShare(met: 0, total: 0) }

    /// Counts `count` events of one kind (a roll-up row, or one event with `count` 1).
    mutating func addEvents(_ count: Int, community: String, level: AlertLevel, status: EventStatus, overdue: Bool,
                            silenced: Bool) {
        guard count != 0 else { return }
        communities[community, default: CommunityTally()].add(count, level: level, status: status, overdue: overdue)
        byStatus[status, default: 0] += count
        if silenced { self.silenced += count }
    }

    /// Counts `count` durations of `step` in duration bucket `bucket`.
    mutating func addDurations(_ count: Int, community: String, step: StatisticsRollup.Step, bucket: EpochMillis) {
        guard count != 0 else { return }
        communities[community, default: CommunityTally()].durations[step.rawValue][bucket, default: 0] += count
    }

    /// Counts `count` events against `step`'s deadline, `met` of them in time.
    mutating func addShare(step: StatisticsRollup.Step, met: Int, total: Int) {
        shares[step.rawValue].met += met
        shares[step.rawValue].total += total
    }

    /// The report for `since ..< until`.
    func statistics(since: EpochMillis, until: EpochMillis) -> EventStatistics {
        let sorted = communities.sorted { $0.key < $1.key }
        var byLevel: [AlertLevel: Int] = [:]
        var durations: [[EpochMillis: Int]] = StatisticsRollup.Step.allCases.map { _ in [:] }
        for (_, community) in sorted {
            byLevel.merge(community.byLevel, uniquingKeysWith: +)
            for step in StatisticsRollup.Step.allCases {
                durations[step.rawValue].merge(community.durations[step.rawValue], uniquingKeysWith: +)
            }
        }
        return EventStatistics(
            since: since, until: until, total: sorted.reduce(0) { $0 + $1.value.total }, byLevel: byLevel,
            byStatus: byStatus, overdue: sorted.reduce(0) { $0 + $1.value.overdue }, silenced: silenced,
            timeToAcknowledge: DurationSummary(histogram: durations[StatisticsRollup.Step.acknowledge.rawValue]),
            timeToOnsite: DurationSummary(histogram: durations[StatisticsRollup.Step.onsite.rawValue]),
            acknowledgedInTime: shares[StatisticsRollup.Step.acknowledge.rawValue],
            onsiteInTime: shares[StatisticsRollup.Step.onsite.rawValue],
            perCommunity: sorted.map { id, figures in
                CommunityStatistics(
                    community: id, total: figures.total, byLevel: figures.byLevel, stillActive: figures.stillActive,
                    overdue: figures.overdue,
                    timeToAcknowledge: DurationSummary(histogram: figures.durations[StatisticsRollup.Step.acknowledge.rawValue]),
                    timeToOnsite: DurationSummary(histogram: figures.durations[StatisticsRollup.Step.onsite.rawValue]))
            },
            onsiteWithinCircle: Self.circleShare(durations[StatisticsRollup.Step.onsite.rawValue]))
    }

    /// Of the on-site durations (buckets and how many), those under `EventStatistics.circleMillis`: a bucket is
    /// the duration rounded down to a whole second or minute, so it is under 15 minutes exactly when the duration is.
    static func circleShare(_ histogram: [EpochMillis: Int]) -> DeadlineShare {
        DeadlineShare(met: histogram.filter { $0.key < EventStatistics.circleMillis }.reduce(0) { $0 + $1.value },
                      total: histogram.values.reduce(0, +))
    }
}

extension StatisticsTally.CommunityTally {
    /// Counts `count` events of one level and status.
    mutating func add(_ count: Int, level: AlertLevel, status: EventStatus, overdue: Bool) {
        total += count
        byLevel[level, default: 0] += count
        if status.isActive { stillActive += count }
        if overdue { self.overdue += count }
    }
}
