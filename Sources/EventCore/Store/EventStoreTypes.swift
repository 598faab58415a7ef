import Vocabulary

/// What a rule (or a person, for manual reports) asks the store to raise or update.
public struct EventTrigger: Sendable, Equatable {
    /// Rule name (`manual` for reports).
    public var rule: String
    /// One open event per key.
    public var eventKey: String
    /// Level to raise at.
    public var level: AlertLevel
    /// Level to escalate to when a deadline passes.
    public var escalateTo: AlertLevel?
    /// Device kind.
    public var kind: String
    /// Device id.
    public var deviceID: String
    /// Group label for correlated events.
    public var group: String
    /// Where and whom.
    public var location: EventLocation
    /// Title.
    public var title: String
    /// Description.
    public var description: String
    /// Teams.
    public var teams: [String]
    /// Seconds to acknowledge; nil for the level default.
    public var ackWithinSeconds: Int64?
    /// Seconds to be on site; nil for the level default.
    public var onsiteWithinSeconds: Int64?
    /// When set and no event is open for the key, a trigger within this many seconds of the last
    /// occurrence of the key's most recent event (cleared or resolved, not closed or merged) reopens
    /// that event instead of raising a new one (call-button presses within 5 minutes are one call).
    public var mergeWithinSeconds: Int64?
    /// Triggering topic.
    public var topic: String
    /// Triggering payload.
    public var payload: String
    /// When it arrived (deadlines count from here).
    public var at: EpochMillis
    /// Whether the rule is `life_safety`: a maintenance silence never hides its red events (they are shown,
    /// marked with the silence's reason).
    public var lifeSafety: Bool = false
    /// The registry's structured emergency phone of the device (`emergency_phone`), kept with the event for the
    /// `emergency-contact` notification target.
    public var emergencyPhone: String = ""
    /// When the report says it happened (the device's plausible `ts`); nil when unknown.
    public var occurredAt: EpochMillis? = nil
    /// Why this occurrence supersedes what the open event says (a flapping event whose alarm then held): the event
    /// takes the trigger's title, and its level if higher, and the `upgraded` timeline entry says why. Nil: a
    /// plain occurrence, which retitles the event only when it raises its level.
    public var upgradeReason: String? = nil
    /// The rule's escalation chain, scheduled from the raise; empty for none.
    public var escalation: [EscalationStep] = []

    /// Creates a trigger.
    public init(rule: String, eventKey: String, level: AlertLevel, escalateTo: AlertLevel? = nil, kind: String,
                deviceID: String, group: String = "", location: EventLocation = EventLocation(), title: String,
                description: String = "", teams: [String] = [], ackWithinSeconds: Int64? = nil,
                onsiteWithinSeconds: Int64? = nil, mergeWithinSeconds: Int64? = nil, topic: String = "",
                payload: String = "", at: EpochMillis) {
        self.rule = rule
        self.eventKey = eventKey
        self.level = level
        self.escalateTo = escalateTo
        self.kind = kind
        self.deviceID = deviceID
        self.group = group
        self.location = location
        self.title = title
        self.description = description
        self.teams = teams
        self.ackWithinSeconds = ackWithinSeconds
        self.onsiteWithinSeconds = onsiteWithinSeconds
        self.mergeWithinSeconds = mergeWithinSeconds
        self.topic = topic
        self.payload = payload
        self.at = at
    }
}

/// What staff (or the daemon) can do to an event. Each is checked against the current status.
public enum EventAction: Sendable, Equatable {
    /// Take it.
    case acknowledge
    /// Send it to a person or team.
    case dispatch(to: String)
    /// Someone is on site.
    case onsite
    /// Handled.
    case resolve
    /// Filed.
    case close
    /// Open it again.
    case reopen
    /// Add a note; no status change.
    case note
}

/// One entry of the change feed that `lookout watch` follows.
public struct EventChange: Sendable, Equatable, Codable {
    /// Monotonic sequence number; follow with `changes(after:)`.
    public var sequence: Int64
    /// The event after the change.
    public var event: EventRecord
    /// What happened (same vocabulary as the timeline).
    public var action: String
    /// When it happened: a re-notification changes nothing in the event, so its time is only here.
    public var at: EpochMillis = 0
    /// Who made it, from the timeline entry written with it (a person, `lookoutd` or `device`); nil when the change
    /// has no timeline entry (a re-notification) or comes from a daemon that does not say.
    public var actor: String? = nil

    /// Actions after which `lookout watch` says which teams have reported in and which have not.
    public static let reportInActions: Set<String> = ["escalated", "reported_in", "acknowledged"]
}

/// Filters for listing events. Empty fields do not filter.
public struct EventFilter: Sendable, Equatable, Codable {
    /// Only these statuses; empty means what still needs a person: open, acknowledged, dispatched,
    /// on site, and red events cleared by their device (a person must close those).
    public var statuses: [EventStatus] = []
    /// Include every status (`--all`).
    public var includeAll: Bool = false
    /// Only these levels.
    public var levels: [AlertLevel] = []
    /// Only this kind.
    public var kind: String?
    /// Only this community.
    public var community: String?
    /// Only this building.
    public var building: String?
    /// Only events dispatched to this team.
    public var team: String?
    /// Only events last active (`last_seen`: raised, or a repeat merged into them) at or after this time.
    public var since: EpochMillis?
    /// Only overdue events.
    public var overdueOnly: Bool = false
    /// Only events raised under a maintenance silence (true) or only the others (false); nil: both.
    public var silenced: Bool? = nil
    /// At most this many.
    public var limit: Int = 1000
    /// Creates an empty filter (open events).
    public init() {}
}

/// Events that still need a person, by level, and how many are overdue right now (`EventStore.openEventCounts`).
public struct OpenEventCounts: Sendable, Equatable {
    /// Events that still need a person (open, acknowledged, dispatched, on site, red cleared), by level.
    public var byLevel: [AlertLevel: Int] = [:]
    /// Of those, how many are past an acknowledgement or on-site deadline nobody has met yet.
    public var overdue = 0
    /// Of the overdue ones, how many are red.
    public var overdueRed = 0
    /// How many of them ever missed a deadline (their `overdue` mark), met since or not: `lookout status`'s figure.
    public var everOverdue = 0
    /// No events.
    public init() {}
}

/// Errors from the store that are not SQLite's own.
public enum EventStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No event has that id.
    case unknownEvent(String)
    /// The action is not allowed in the event's status.
    case invalidTransition(id: String, from: EventStatus, action: String)
    /// The database was made by a newer Lookout.
    case schemaTooNew(found: Int, supported: Int)
    /// The database file cannot be opened with the needed access.
    case permissionDenied(path: String, detail: String)
    /// A report-in for a team the event has not brought in.
    case unknownTeam(id: String, team: String, teams: [String])
    /// The team has reported in on that event already.
    case alreadyReportedIn(id: String, team: String, at: EpochMillis, by: String)

    /// One line for a terminal.
    public var description: String {
        switch self {
        case .unknownEvent(let id): return "no event with id \(id)"
        case .invalidTransition(let id, let from, let action): return "cannot \(action) \(id): it is \(from.rawValue)"
        case .schemaTooNew(let found, let supported):
            return "database schema version \(found) is newer than this Lookout supports (\(supported)); upgrade Lookout"
        case .permissionDenied(let path, let detail): return "cannot open \(path): \(detail)"
        case .unknownTeam(let id, let team, let teams):
            return "\(id) has not brought in team \(team) (its teams: \(teams.isEmpty ? "none" : teams.joined(separator: ", ")))"
        case .alreadyReportedIn(let id, let team, let at, let by):
            return "\(team) already reported in on \(id) at \(EventStore.formatTime(at)) (\(by))"
        }
    }
}


/// One step of an event's escalation chain (`escalate after 2m unless acknowledged bring in "medical" report in`).
public struct EscalationStep: Sendable, Equatable {
    /// When the step applies, checked when it is due.
    public enum Condition: String, Sendable, Equatable {
        /// While the event is active at all.
        case open
        /// Only if nobody has acknowledged the event.
        case unacknowledged
        /// Only if nobody is on site.
        case notOnsite = "not_onsite"
    }
    /// Delay from the raise (or from when a hidden event is shown).
    public var afterMillis: EpochMillis
    /// When it applies.
    public var condition: Condition
    /// Level it raises the event to; nil keeps the level.
    public var level: AlertLevel?
    /// Teams it brings in (and `emergency-contact`).
    public var teams: [String]
    /// Whether each team it brings in must report in on its own.
    public var reportIn: Bool

    /// Creates a step.
    public init(afterMillis: EpochMillis, condition: Condition = .open, level: AlertLevel? = nil, teams: [String] = [], reportIn: Bool = false) {
        self.afterMillis = afterMillis
        self.condition = condition
        self.level = level
        self.teams = teams
        self.reportIn = reportIn
    }
}

/// A team on an event: when it was brought in (step 0: by the rule at the raise), and whether and when it
/// reported in.
public struct EventTeam: Sendable, Equatable, Codable {
    /// Team name.
    public var team: String
    /// Escalation step that brought it in (0: the raise).
    public var step: Int
    /// When it was brought in.
    public var broughtInAt: EpochMillis
    /// Whether it must report in on its own.
    public var reportRequired: Bool
    /// When it reported in; nil while it has not.
    public var reportedAt: EpochMillis?
    /// Who reported in for it.
    public var reportedBy: String
}

/// What one escalation did (a missed deadline, or a step of the chain), for the journal and counters.
public struct Escalation: Sendable, Equatable {
    /// The event after it.
    public var event: EventRecord
    /// What it did, as on the timeline (`step 2 (after 120 s, not acknowledged): brought in medical; each must report in`).
    public var note: String
    /// The chain's step number; nil for a missed deadline.
    public var step: Int?
    /// Teams the step brought in.
    public var broughtIn: [String] = []
    /// Teams already on the event that the step reminded.
    public var reminded: [String] = []
}

/// How fast one team reported in when brought in with `report in` (`lookout stats`).
public struct TeamReportIn: Sendable, Equatable, Codable {
    /// Team name.
    public var team: String
    /// Events it was brought into and asked to report in on.
    public var broughtIn: Int
    /// Of those, how many it reported in on.
    public var reportedIn: Int
    /// Median time from being brought in to reporting in.
    public var medianMillis: EpochMillis?
    /// Longest such time.
    public var maxMillis: EpochMillis?
}
