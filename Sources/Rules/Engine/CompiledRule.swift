import FoundationEssentials
import Vocabulary

/// An MQTT topic filter resolved against the topic layout: which named segments must equal what.
struct CompiledFilter: Sendable {
    /// One named segment that must have a given value; `slot` is the segment's position in the layout.
    struct Constraint: Sendable {
        var segment: String
        var slot: Int
        var value: String
    }

    /// The filter as written.
    var text: String
    /// Named segments that must have a given value.
    var constraints: [Constraint]

    /// The value the filter requires for `segment`, or nil for any.
    func required(_ segment: String) -> String? { constraints.first { $0.segment == segment }?.value }

    /// Whether a message with these segments passes; with `partial`, segments absent from `segments` match anything.
    func matches(_ segments: TopicSegments, partial: Bool = false) -> Bool {
        for constraint in constraints {
            guard let value = segments.value(constraint.segment, slot: constraint.slot) else {
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
    /// The rule file's time zone (tzdata's, see `ZoneInfo`).
    var timeZone: ZoneInfo

    /// Whether `now` falls inside the window.
    func contains(_ now: EpochMillis) -> Bool {
        let local = timeZone.localTime(at: now)
        if let days, !days.contains(local.weekday) { return false }
        guard let minutes else { return true }
        let minute = local.minuteOfDay
        if minutes.start <= minutes.end { return minute >= minutes.start && minute < minutes.end }
        return minute >= minutes.start || minute < minutes.end
    }
}

/// One checked rule, ready to run.
final class CompiledRule: Sendable {
    /// How a rule fires.
    enum Trigger: Sendable {
        /// On messages satisfying `when` (optionally held `for`, counted or correlated).
        case message
        /// No matching message from a registered device for this long (milliseconds).
        case absent(Int64)
        /// No message at all from a registered device for this multiple of its report interval.
        case silent(Double)
    }

    /// `flapping N within D`: a device whose condition comes on N times within D (device time) is flapping.
    struct Flapping: Sendable {
        var n: Int
        var withinMillis: Int64
        /// Level of the flapping event (never lowers an event already raised).
        var level: AlertLevel
        /// Title of the flapping event; nil: the rule's title with " (flapping)".
        var title: RuleTemplate?
    }

    /// `escalate after D …`: one step of the rule's escalation chain (teams as written, resolved per raise).
    struct EscalationStep: Sendable {
        var afterMillis: Int64
        var condition: RuleEscalationStep.Condition
        var level: AlertLevel?
        var teams: [RuleExpr]
        /// `bring in emergency contact`: the resident's emergency contact is told (a notifier target).
        var emergencyContact: Bool
        var reportIn: Bool

        /// The step as a raise carries it, its team expressions evaluated to `teams`.
        func resolved(teams: [String]) -> RuleEscalationStep {
            RuleEscalationStep(afterMillis: afterMillis, condition: condition, level: level,
                               teams: emergencyContact ? teams + [TeamName.emergencyContact] : teams, reportIn: reportIn)
        }
    }

    /// What kind of keys the rule keeps state for: state moves between two versions of a rule only when they
    /// keep the same kind.
    enum Shape: UInt8, Sendable {
        /// One state per device, driven by its messages.
        case device = 0
        /// One state per correlation group.
        case group = 1
        /// One state per device, driven by its silence (`absent`, `silent`).
        case absence = 2
    }

    /// The clauses that decide when the rule fires and clears (see docs/rules.md). A new condition clause is a
    /// field here, set by `RuleChecker.conditions(of:kinds:)`.
    struct Conditions: Sendable {
        var when: RuleExpr?
        var whereCondition: RuleExpr?
        var holdForMillis: Int64?
        var atOnce: RuleExpr?
        var count: (n: Int, withinMillis: Int64)?
        /// `correlate`: `including` asks for at least `n` counting members of `kind` besides the `n` devices in all.
        var correlate: Correlate?
        var recently: (condition: RuleExpr, withinMillis: Int64)?
        var unless: RuleExpr?
        var window: TimeWindow?
        var clearWhen: RuleExpr?
        /// `absent … by resident`: one state per resident (`DeviceRecord.residentKey`), which any matching message
        /// from any of the resident's devices resets, instead of one per device. `where` then picks the devices
        /// whose residents are watched; it does not filter the messages that count.
        var perResident = false
    }
    typealias Correlate = (n: Int, by: [(label: String, expr: RuleExpr)], withinMillis: Int64, including: (n: Int, kind: String)?)

    /// What a raised event says and whom it goes to.
    struct Presentation: Sendable {
        var level: AlertLevel
        var title: RuleTemplate
        var description: RuleTemplate
        var teams: [RuleExpr]
    }

    /// How a raised event goes on without staff: merging, re-notifying, clearing by itself, downgrading.
    struct Handling: Sendable {
        var mergeWithinMillis: Int64?
        var renotifyMillis: Int64?
        var clearAfterMillis: Int64?
        var downgrade: (level: AlertLevel, condition: RuleExpr)?
    }

    /// What staff must do by when, and what happens when they do not.
    struct Deadlines: Sendable {
        var ackWithinSeconds: Int64?
        var onsiteWithinSeconds: Int64?
        var escalateTo: AlertLevel?
        /// The escalation chain, in the order written.
        var escalation: [EscalationStep] = []
        /// `life_safety`: a maintenance silence never hides the rule's red events (the store shows them, marked).
        var lifeSafety = false
    }

    let name: String
    /// Hash of the whole rule text (state format 1 was keyed by it).
    let fingerprint: UInt64
    /// Hash of the clauses that decide when the rule fires and clears (not of title, level, teams, deadlines):
    /// a reload that leaves it unchanged keeps every state of the rule.
    let conditionFingerprint: UInt64
    let filters: [CompiledFilter]
    let trigger: Trigger
    let conditions: Conditions
    let flapping: Flapping?
    let presentation: Presentation
    let handling: Handling
    let deadlines: Deadlines
    /// The chain as every raise carries it, when no step names a field (`bring in "fire"`): resolved once here,
    /// so a raise on the hot path shares one array instead of building it per message. Nil: resolved per raise.
    let fixedEscalation: [RuleEscalationStep]?

    /// Whether an absence rule's timers respect away notes (`unless resident.away`).
    let usesAway: Bool

    /// Whether the rule remembers that it is raised (so further messages count, and it can clear).
    let tracksActive: Bool

    init(name: String, fingerprint: UInt64, conditionFingerprint: UInt64, filters: [CompiledFilter], trigger: Trigger,
         conditions: Conditions, flapping: Flapping? = nil, presentation: Presentation, handling: Handling = Handling(),
         deadlines: Deadlines = Deadlines()) {
        self.name = name
        self.fingerprint = fingerprint
        self.conditionFingerprint = conditionFingerprint
        self.filters = filters
        self.trigger = trigger
        self.conditions = conditions
        self.flapping = flapping
        self.presentation = presentation
        self.handling = handling
        self.deadlines = deadlines
        self.fixedEscalation = Self.fixed(deadlines.escalation)
        self.usesAway = (conditions.unless?.readsAway ?? false) || (conditions.whereCondition?.readsAway ?? false)
        if case .message = trigger {
            self.tracksActive = conditions.clearWhen != nil || handling.clearAfterMillis != nil || handling.renotifyMillis != nil
                || handling.downgrade != nil
        } else {
            self.tracksActive = true
        }
    }

    /// `steps` with their teams resolved, when every team is a constant name.
    private static func fixed(_ steps: [EscalationStep]) -> [RuleEscalationStep]? {
        var resolved: [RuleEscalationStep] = []
        for step in steps {
            var teams: [String] = []
            for expr in step.teams {
                guard case .constant(let value) = expr, case .string = value else { return nil }
                let name = value.templateText
                if !name.isEmpty, !teams.contains(name) { teams.append(name) }
            }
            resolved.append(step.resolved(teams: teams))
        }
        return resolved
    }

    /// The kind of keys the rule keeps state for.
    var shape: Shape {
        switch trigger {
        case .absent, .silent: return .absence
        case .message: return conditions.correlate == nil ? .device : .group
        }
    }

    /// Whether any filter accepts the message's segments.
    func accepts(_ segments: TopicSegments) -> Bool {
        filters.contains { $0.matches(segments) }
    }
}
