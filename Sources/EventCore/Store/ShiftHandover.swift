import Vocabulary

/// What the next shift must know (`lookout handover`): what still needs a person, what holds alarms back, which
/// devices are not heard from, and what staff wrote during the shift; with the last recorded handover. Handovers are
/// recorded as audit rows of their own operations, under the authenticated names (no table of their own: the audit
/// is append-only and kept).
public struct ShiftHandover: Sendable, Codable, Equatable {
    /// The audit operation of handing over (`lookout handover --to NAME`); its detail is `to NAME` or `to NAME: note`.
    public static let giveOperation = "handover_give"
    /// The audit operation of taking over (`lookout handover --accept`); its detail is `from NAME`.
    public static let acceptOperation = "handover_accept"
    /// The shift looked at when no handover was ever accepted: the last 12 hours.
    public static let defaultShiftMillis: EpochMillis = 12 * 3_600_000

    /// One handover: who handed over to whom, and who took over (both as the daemon authenticated them).
    public struct Record: Sendable, Codable, Equatable {
        /// When it was handed over.
        public var at: EpochMillis
        /// The outgoing staff.
        public var from: String
        /// The incoming staff it was handed to.
        public var to: String
        /// What the outgoing staff wrote with it.
        public var note: String
        /// When the incoming staff took over; nil while it waits.
        public var acceptedAt: EpochMillis?
        /// Who took over (the incoming staff's authenticated name).
        public var acceptedBy: String?

        /// Creates a record.
        public init(at: EpochMillis, from: String, to: String, note: String = "", acceptedAt: EpochMillis? = nil,
                    acceptedBy: String? = nil) {
            self.at = at
            self.from = from
            self.to = to
            self.note = note
            self.acceptedAt = acceptedAt
            self.acceptedBy = acceptedBy
        }

        /// The audit detail of the handing over.
        public var giveDetail: String { "to \(to)" + (note.isEmpty ? "" : ": " + note) }
    }

    /// Start of the shift looked at.
    public var since: EpochMillis
    /// When it was looked at.
    public var until: EpochMillis
    /// Events that still need a person (open, acknowledged, dispatched, on site, cleared red), overdue ones flagged.
    public var events: [EventRecord]
    /// The escalations of those events, oldest first.
    public var escalations: [TimelineEntry]
    /// Maintenance silences in force.
    public var silences: [Silence]
    /// Away notes in force.
    public var awayNotes: [AwayNote]
    /// Devices that said they are offline, or silent beyond twice their report interval (never-heard devices are left
    /// out: `lookout devices --offline` lists those too).
    public var offlineDevices: [DeviceState]
    /// Notes staff wrote on events during the shift, oldest first.
    public var notes: [TimelineEntry]
    /// The last handover recorded (nil: none yet).
    public var last: Record?

    /// Creates a handover summary.
    public init(since: EpochMillis, until: EpochMillis, events: [EventRecord] = [], escalations: [TimelineEntry] = [],
                silences: [Silence] = [], awayNotes: [AwayNote] = [], offlineDevices: [DeviceState] = [],
                notes: [TimelineEntry] = [], last: Record? = nil) {
        self.since = since
        self.until = until
        self.events = events
        self.escalations = escalations
        self.silences = silences
        self.awayNotes = awayNotes
        self.offlineDevices = offlineDevices
        self.notes = notes
        self.last = last
    }
}
