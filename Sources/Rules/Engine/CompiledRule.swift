import Foundation

/// An MQTT topic filter resolved against the topic layout: which named segments must equal what.
struct CompiledFilter: Sendable {
    /// The filter as written.
    var text: String
    /// Named segments that must have a given value.
    var constraints: [(segment: String, value: String)]

    /// The value the filter requires for `segment`, or nil for any.
    func required(_ segment: String) -> String? { constraints.first { $0.segment == segment }?.value }

    /// Whether a message with these segments passes; segments absent from `segments` match anything.
    func matches(_ segments: [String: String], partial: Bool = false) -> Bool {
        for constraint in constraints {
            guard let value = segments[constraint.segment] else {
                if partial { continue }
                return false
            }
            if value != constraint.value { return false }
        }
        return true
    }
}

/// Local-time limits on when a rule may raise (`during 22:00-06:00`, `days mon-fri`).
struct TimeWindow: Sendable {
    /// Minutes after local midnight; nil for all day. A start after the end spans midnight.
    var minutes: (start: Int, end: Int)?
    /// Calendar weekday numbers (1 = Sunday); nil for every day.
    var days: Set<Int>?
    /// The rule file's time zone.
    var timeZone: TimeZone

    /// Whether `now` falls inside the window.
    func contains(_ now: EpochMillis) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        let parts = calendar.dateComponents([.hour, .minute, .weekday], from: date)
        if let days, let weekday = parts.weekday, !days.contains(weekday) { return false }
        guard let minutes else { return true }
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        if minutes.start <= minutes.end { return minute >= minutes.start && minute < minutes.end }
        return minute >= minutes.start || minute < minutes.end
    }
}

/// One checked rule, ready to run.
struct CompiledRule: Sendable {
    /// How a rule fires.
    enum Trigger: Sendable {
        /// On messages satisfying `when` (optionally held `for`, counted or correlated).
        case message
        /// No matching message from a registered device for this long (milliseconds).
        case absent(Int64)
        /// No message at all from a registered device for this multiple of its report interval.
        case silent(Double)
    }

    var name: String
    var fingerprint: UInt64
    var filters: [CompiledFilter]
    var trigger: Trigger
    var when: RuleExpr?
    var whereCondition: RuleExpr?
    var holdForMillis: Int64?
    var atOnce: RuleExpr?
    var count: (n: Int, withinMillis: Int64)?
    var correlate: (n: Int, by: [(label: String, expr: RuleExpr)], withinMillis: Int64)?
    var recently: (condition: RuleExpr, withinMillis: Int64)?
    var unless: RuleExpr?
    var mergeWithinMillis: Int64?
    var window: TimeWindow?
    var level: AlertLevel
    var title: RuleTemplate
    var description: RuleTemplate
    var teams: [RuleExpr]
    var ackWithinSeconds: Int64?
    var onsiteWithinSeconds: Int64?
    var escalateTo: AlertLevel?
    var renotifyMillis: Int64?
    var clearWhen: RuleExpr?
    var clearAfterMillis: Int64?
    var downgrade: (level: AlertLevel, condition: RuleExpr)?

    /// Whether an absence rule's timers respect away notes (`unless resident.away`).
    var usesAway: Bool { (unless?.readsAway ?? false) || (whereCondition?.readsAway ?? false) }

    /// Whether the rule remembers that it is raised (so further messages count, and it can clear).
    var tracksActive: Bool {
        if case .message = trigger {
            return clearWhen != nil || clearAfterMillis != nil || renotifyMillis != nil || downgrade != nil
        }
        return true
    }

    /// Whether any filter accepts the message's segments.
    func accepts(_ segments: [String: String]) -> Bool {
        filters.contains { $0.matches(segments) }
    }
}
