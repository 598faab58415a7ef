import Vocabulary

/// Median and 90th percentile of a set of durations.
public struct DurationSummary: Sendable, Equatable, Codable {
    /// How many durations.
    public var count: Int
    /// Median (nearest rank), nil when there are none.
    public var medianMillis: EpochMillis?
    /// 90th percentile (nearest rank), nil when there are none.
    public var p90Millis: EpochMillis?

    /// Summarises `durations`.
    public init(_ durations: [EpochMillis]) {
        let sorted = durations.sorted()
        count = sorted.count
        medianMillis = Self.nearestRank(0.5, of: sorted)
        p90Millis = Self.nearestRank(0.9, of: sorted)
    }

    /// Summarises durations given as how many fall on each value (`lookout stats` uses
    /// `StatisticsRollup.durationBucket` values); the same as `init(_:)` on the expanded list.
    init(histogram: [EpochMillis: Int]) {
        let sorted = histogram.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        count = sorted.reduce(0) { $0 + $1.value }
        medianMillis = Self.nearestRank(0.5, of: sorted, count: count)
        p90Millis = Self.nearestRank(0.9, of: sorted, count: count)
    }

    /// The rank (1-based) of the nearest-rank percentile among `count` values.
    private static func rank(_ fraction: Double, count: Int) -> Int {
        Int((fraction * Double(count)).rounded(.up))
    }

    /// The nearest-rank percentile of sorted (value, how many) pairs holding `count` values in all.
    private static func nearestRank(_ fraction: Double, of sorted: [(key: EpochMillis, value: Int)], count: Int) -> EpochMillis? {
        guard count > 0 else { return nil }
        let wanted = min(max(rank(fraction, count: count), 1), count)
        var seen = 0
        for (value, times) in sorted {
            seen += times
            if seen >= wanted { return value }
        }
        return sorted.last?.key
    }

    /// The nearest-rank percentile of sorted values.
    private static func nearestRank(_ fraction: Double, of sorted: [EpochMillis]) -> EpochMillis? {
        guard !sorted.isEmpty else { return nil }
        return sorted[min(max(rank(fraction, count: sorted.count) - 1, 0), sorted.count - 1)]
    }
}

/// How many of the events that had a deadline met it.
public struct DeadlineShare: Sendable, Equatable, Codable {
    /// Events whose deadline was met.
    public var met: Int
    /// Events whose deadline was met or has passed.
    public var total: Int
    /// Creates a share.
    public init(met: Int, total: Int) {
        self.met = met
        self.total = total
    }

    /// `met / total`, nil when `total` is 0.
    public var fraction: Double? { total == 0 ? nil : Double(met) / Double(total) }
}

/// Figures for one community.
public struct CommunityStatistics: Sendable, Equatable, Codable {
    /// Community id ("" for events without one).
    public var community: String
    /// Events raised.
    public var total: Int
    /// Events per level.
    public var byLevel: [AlertLevel: Int]
    /// Events that still need a person (open, acknowledged, dispatched, on site).
    public var stillActive: Int
    /// Events that became overdue.
    public var overdue: Int
    /// Time from raise to acknowledgement.
    public var timeToAcknowledge: DurationSummary
    /// Time from raise to someone on site.
    public var timeToOnsite: DurationSummary
}

/// Figures for `lookout stats` over events first seen in a period.
public struct EventStatistics: Sendable, Equatable, Codable {
    /// Start of the period (inclusive).
    public var since: EpochMillis
    /// End of the period (exclusive).
    public var until: EpochMillis
    /// Events raised (merged ones included).
    public var total: Int
    /// Events per level (current level).
    public var byLevel: [AlertLevel: Int]
    /// Events per status.
    public var byStatus: [EventStatus: Int]
    /// Events that became overdue.
    public var overdue: Int
    /// Events raised while silenced.
    public var silenced: Int
    /// Time from raise to acknowledgement (any step that implies it).
    public var timeToAcknowledge: DurationSummary
    /// Time from raise to someone on site.
    public var timeToOnsite: DurationSummary
    /// Acknowledged within the acknowledge deadline.
    public var acknowledgedInTime: DeadlineShare
    /// On site within the on-site deadline.
    public var onsiteInTime: DeadlineShare
    /// The same figures per community, by community id.
    public var perCommunity: [CommunityStatistics]
    /// The 15-minute circle: of the events someone reached on site, those reached in less than 15 minutes
    /// (nil from a lookoutd before issue 18).
    public var onsiteWithinCircle: DeadlineShare? = nil

    /// The 15-minute response circle of docs/domain.md.
    public static let circleMillis: EpochMillis = 900_000
}
