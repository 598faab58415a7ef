import Vocabulary

/// Where an event is in its life. See `EventStatus+Transitions.swift` for which changes are allowed.
public enum EventStatus: String, Sendable, Codable, CaseIterable {
    /// Raised, nobody has taken it.
    case open
    /// Someone took it.
    case acknowledged
    /// Dispatched to a named person or team.
    case dispatched
    /// Someone is on site.
    case onsite
    /// The situation is handled.
    case resolved
    /// Done and filed; no further changes but reopen.
    case closed
    /// The device reported that the situation is over; a person still closes red ones.
    case cleared
    /// Folded into another event.
    case merged
}

/// Location and people, copied from the device registry when the event is raised.
public struct EventLocation: Sendable, Codable, Equatable {
    /// Community id.
    public var community: String = ""
    /// Building.
    public var building: String = ""
    /// Unit.
    public var unit: String = ""
    /// Address staff can walk to.
    public var address: String = ""
    /// Grid.
    public var grid: String = ""
    /// Owning department.
    public var owner: String = ""
    /// Resident's name, if any.
    public var residentName: String = ""
    /// Resident's phone, if any.
    public var residentPhone: String = ""
    /// Emergency contact, if any.
    public var emergencyContact: String = ""
    /// The device's latitude in decimal degrees, if the registry gives it.
    public var latitude: Double?
    /// The device's longitude in decimal degrees, if the registry gives it.
    public var longitude: Double?
    /// Whether the device is in the registry.
    public var registered: Bool = false
    /// Creates a location (all fields empty: an unregistered device).
    public init(community: String = "", building: String = "", unit: String = "", address: String = "",
                grid: String = "", owner: String = "", residentName: String = "", residentPhone: String = "",
                emergencyContact: String = "", latitude: Double? = nil, longitude: Double? = nil, registered: Bool = false) {
        self.community = community
        self.building = building
        self.unit = unit
        self.address = address
        self.grid = grid
        self.owner = owner
        self.residentName = residentName
        self.residentPhone = residentPhone
        self.emergencyContact = emergencyContact
        self.latitude = latitude
        self.longitude = longitude
        self.registered = registered
    }
}

/// An event as stored.
public struct EventRecord: Sendable, Codable, Equatable {
    /// Readable id (`E-1042`).
    public var id: String
    /// Rule that raised it (`manual` for `lookout report`).
    public var rule: String
    /// One open event per key (rule + device or group).
    public var eventKey: String
    /// Current level.
    public var level: AlertLevel
    /// Level when raised.
    public var initialLevel: AlertLevel
    /// Level to escalate to when a deadline passes; nil keeps the level.
    public var escalateTo: AlertLevel?
    /// Current status.
    public var status: EventStatus
    /// Device kind.
    public var kind: String
    /// Device id (empty for a manual report without device).
    public var deviceID: String
    /// Group label for correlated events (`community c01`), empty otherwise.
    public var group: String
    /// Where and whom.
    public var location: EventLocation
    /// Title.
    public var title: String
    /// Description.
    public var description: String
    /// Teams it is dispatched to.
    public var teams: [String]
    /// Person or team it was dispatched to by staff, if any.
    public var assignee: String
    /// Topic of the message that raised it.
    public var topic: String
    /// Payload that raised it.
    public var payload: String
    /// First seen.
    public var firstSeen: EpochMillis
    /// Last seen (last trigger).
    public var lastSeen: EpochMillis
    /// Number of triggers folded into it.
    public var count: Int
    /// Must be acknowledged by then.
    public var ackDeadline: EpochMillis?
    /// Someone must be on site by then.
    public var onsiteDeadline: EpochMillis?
    /// Whether a deadline passed without the matching step.
    public var overdue: Bool
    /// Whether a maintenance silence hides it now (recorded, not alerted); it is shown again when the silence ends.
    public var silenced: Bool
    /// Last change of any kind.
    public var updatedAt: EpochMillis
    /// Reason of the maintenance silence in force when it was raised, nil when none. A red event of a
    /// life-safety rule is never hidden: it is shown with this ("during maintenance: fire alarm test").
    public var maintenance: String? = nil
    /// When the report the event is about says it happened (the device's plausible `ts`); nil when it had none
    /// or no report raised it (absence). `firstSeen` is when it was raised, on arrival of a report or when a
    /// hold completed: deadlines, escalation and the 15-minute circle count from there.
    public var occurredAt: EpochMillis? = nil
    /// Why it happened, as staff recorded it when they resolved it (`lookout resolve --cause`); nil before that,
    /// and again after a reopen.
    public var cause: EventCause? = nil
}

extension EventRecord {
    /// An event raised at least this long after its report says it happened is worth saying so (device clocks
    /// drift by seconds; NB-IoT devices buffer for minutes or hours).
    public static let lateRaiseMillis: EpochMillis = 60_000

    /// How long after the reported occurrence the event was raised (`firstSeen - occurredAt`: the report's delay
    /// in arriving, plus a rule's hold), when that is at least `lateRaiseMillis`; nil otherwise.
    public var raisedAfterOccurrence: EpochMillis? {
        guard let occurredAt else { return nil }
        let (delay, overflow) = firstSeen.subtractingReportingOverflow(occurredAt)
        return !overflow && delay >= Self.lateRaiseMillis ? delay : nil
    }
}

/// One line of an event's timeline.
public struct TimelineEntry: Sendable, Codable, Equatable {
    /// Event id.
    public var eventID: String
    /// When.
    public var at: EpochMillis
    /// Who (`lookoutd`, a staff login, `device`).
    public var actor: String
    /// What happened (`raised`, `repeated`, `acknowledged`, `dispatched`, `escalated`, `cleared`, …).
    public var action: String
    /// Status after the change.
    public var status: EventStatus
    /// Free text (the note, who it was dispatched to, why it escalated).
    public var note: String
}
