import EventCore
import Vocabulary

/// The loop thread's periodic duties: how often each one recurs and when it is next due, in one place instead
/// of a `next…` timestamp per duty beside the code that happens to run it. Two fixed arrays indexed by the
/// duty: asking on every tick allocates nothing.
struct DutySchedule<Duty: RawRepresentable & CaseIterable> where Duty.RawValue == Int {
    private var intervals: [EpochMillis]
    private var dueAt: [EpochMillis]

    /// Every duty with an interval is due at the first tick, then every `interval(duty)` milliseconds; a duty
    /// whose interval is nil is never due. Raw values must be 0, 1, 2, … (the array indexes).
    init(interval: (Duty) -> EpochMillis?) {
        let count = Duty.allCases.count
        intervals = Array(repeating: 0, count: count)
        dueAt = Array(repeating: .max, count: count)
        for duty in Duty.allCases {
            precondition(duty.rawValue >= 0 && duty.rawValue < count, "duty raw values must be 0..<count")
            guard let every = interval(duty) else { continue }
            intervals[duty.rawValue] = every
            dueAt[duty.rawValue] = 0
        }
    }

    /// Whether `duty` is due at `now` (without rescheduling it).
    func isDue(_ duty: Duty, at now: EpochMillis) -> Bool { now >= dueAt[duty.rawValue] }

    /// Whether `duty` is due at `now`; when it is, it is next due one interval later.
    mutating func take(_ duty: Duty, at now: EpochMillis) -> Bool {
        guard now >= dueAt[duty.rawValue] else { return false }
        dueAt[duty.rawValue] = now + intervals[duty.rawValue]
        return true
    }

    /// Makes `duty` next due at `time` (a retry backoff, a round that took long, 0 for the next tick).
    mutating func postpone(_ duty: Duty, until time: EpochMillis) { dueAt[duty.rawValue] = time }

    /// Makes `duty` next due one interval after `now`.
    mutating func restart(_ duty: Duty, at now: EpochMillis) { dueAt[duty.rawValue] = now + intervals[duty.rawValue] }

    /// How often `duty` recurs.
    func interval(of duty: Duty) -> EpochMillis { intervals[duty.rawValue] }
}
