import EventCore

/// The answer to one `APIRequest`, one JSON object on one line: the request's id, and either a result or an error.
public struct APIResponse: Codable, Sendable, Equatable {
    /// The request's id.
    public var id: String
    /// Whether the operation ran.
    public var ok: Bool
    /// What it did (when `ok`).
    public var result: APIResult?
    /// Why it did not run (when not `ok`).
    public var error: APIError?

    /// A success.
    public init(id: String, result: APIResult) {
        self.id = id
        ok = true
        self.result = result
    }

    /// A failure.
    public init(id: String, error: APIError) {
        self.id = id
        ok = false
        self.error = error
    }
}

/// What a successful operation did, and who the daemon recorded as doing it.
public struct APIResult: Codable, Sendable, Equatable {
    /// The authenticated user, as written in the timeline.
    public var actor: String
    /// The person acted for, if the request named one.
    public var onBehalfOf: String?
    /// The event after the change (event operations, `report`).
    public var event: EventRecord?
    /// The silence added.
    public var silence: Silence?
    /// The away note added.
    public var away: AwayNote?
    /// `events`: the events found (at most the filter's limit).
    public var events: [EventRecord]?
    /// `events`: how many events match the filter in all (more than `events` holds when the limit cut the list).
    public var matching: Int?
    /// `events` of a filter that leaves silenced events out: how many such events it left out.
    public var silencedLeftOut: Int?
    /// `show`: the event's timeline, oldest first.
    public var timeline: [TimelineEntry]?
    /// `show`: its teams, with when each was brought in and reported in.
    public var teams: [EventTeam]?
    /// `show`: the first devices of an event that folds alarms of unregistered devices.
    public var senders: [String]?
    /// `show`: the registry's structured emergency phone kept with the event.
    public var emergencyPhone: String?
    /// `show`: true when the event's resident data (name, phone, emergency contact) was withheld because the
    /// user's role and teams do not need it for this event (PIPL; docs/security.md).
    public var residentDataWithheld: Bool?
    /// `notify_test`: the test message as it ended (`sent`, `gave_up`, or `timeout` when withdrawn untried).
    public var notification: PendingNotification?
    /// `audit`: the audit rows found, oldest first.
    public var audit: [AuditEntry]?
    /// `audit_verify`: what walking the timeline's chain found.
    public var verification: TimelineVerification?
    /// `stats`: the figures of the period.
    public var statistics: EventStatistics?
    /// `stats`: each team's report-in figures of the period.
    public var reportIn: [TeamReportIn]?
    /// `stats`: the period's events per community, grid, building, team, kind and rule with their causes, the
    /// devices with the most nuisance and false alarms, the devices offline longest.
    public var breakdown: EventBreakdown?
    /// `devices`: the registry mirror with what the daemon saw.
    public var devices: [DeviceState]?
    /// `devices`: open events per device id (devices without any left out).
    public var openEventsByDevice: [String: Int]?
    /// `devices`: devices with an open `implausible_data` event (their data is not evaluated).
    public var implausibleDevices: [String]?
    /// `devices`, `status`: the status row lookoutd writes.
    public var daemonStatus: DaemonStatusSnapshot?
    /// `rejects`: counts by reason.
    public var rejectCounts: [RejectCount]?
    /// `rejects`: the newest samples, at most the limit.
    public var rejects: [RejectedMessage]?
    /// `rejects`: samples kept in all (for the reason asked).
    public var rejectsKept: Int?
    /// `silence_list`: silences in force and what each holds back.
    public var silenceHolds: [SilenceHold]?
    /// `away_list`: away notes in force.
    public var awayNotes: [AwayNote]?
    /// `status`: open events per level (the level's raw value).
    public var openByLevel: [String: Int]?
    /// `status`: open events that are overdue.
    public var overdue: Int?
    /// `status`: bytes free for the database on its filesystem (nil when unknown): a daemon on a full disk cannot
    /// write its status row, and only its host can tell.
    public var bytesFree: Int64?
    /// `watch`: the changes of this line, oldest first (empty on a heartbeat).
    public var changes: [EventChange]?
    /// `watch`: the last change sequence sent (resume after it).
    public var sequence: Int64?
    /// `watch`, first line: the newest change when the watch started. Changes up to it are history (a replay), which
    /// `lookout watch` does not ring for.
    public var latestSequence: Int64?
    /// `watch`: for changes after which report-in matters (`EventChange.reportInActions`), the event's teams now,
    /// by event id.
    public var changeTeams: [String: [EventTeam]]?
    /// `handover`, `handover_give`, `handover_accept`: what the next shift must know, and the handover recorded.
    public var handover: ShiftHandover?
    /// Every answer: the community's time zone (lookoutd's `[site] time_zone`), in which `lookout` shows times and
    /// reads local ones (`today`, `06:00`).
    public var siteTimeZone: String?
    /// `watch`: the maintenance silences in force, on the first line and on any line after they changed (an empty
    /// list: none any more); absent when unchanged. `lookout watch` shows a banner while any is in force.
    public var silencesInForce: [Silence]?

    /// Creates a result.
    public init(actor: String, onBehalfOf: String? = nil, event: EventRecord? = nil, silence: Silence? = nil,
                away: AwayNote? = nil) {
        self.actor = actor
        self.onBehalfOf = onBehalfOf
        self.event = event
        self.silence = silence
        self.away = away
    }

    enum CodingKeys: String, CodingKey {
        case actor, event, silence, away, events, matching, timeline, teams, senders, notification, statistics, devices,
             rejects, overdue, changes, sequence, audit, verification, handover, breakdown
        case onBehalfOf = "on_behalf_of"
        case silencedLeftOut = "silenced_left_out"
        case emergencyPhone = "emergency_phone"
        case residentDataWithheld = "resident_data_withheld"
        case reportIn = "report_in"
        case openEventsByDevice = "open_events_by_device"
        case implausibleDevices = "implausible_devices"
        case daemonStatus = "daemon_status"
        case rejectCounts = "reject_counts"
        case rejectsKept = "rejects_kept"
        case silenceHolds = "silence_holds"
        case awayNotes = "away_notes"
        case openByLevel = "open_by_level"
        case bytesFree = "bytes_free"
        case changeTeams = "change_teams"
        case siteTimeZone = "site_time_zone"
        case latestSequence = "latest_sequence"
        case silencesInForce = "silences_in_force"
    }
}

/// Why a request did not run: a code for programs, one line for people, and for a refusal the role it needs.
public struct APIError: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    /// Machine-readable reasons.
    public enum Code: String, Codable, Sendable {
        /// The caller is not in the staff directory.
        case unknownUser = "unknown_user"
        /// The caller's role does not allow it (`requiredRole` says what would).
        case refused
        /// The request expired before it reached the daemon.
        case expired
        /// Not a request the daemon understands (malformed, unknown operation, missing argument).
        case badRequest = "bad_request"
        /// The event core refused it (unknown id, a transition that is not allowed, a silence beyond policy).
        case failed
        /// The daemon could not do it (database error, too many connections).
        case unavailable
        /// A request with this id was already handled (a redelivery over the broker); it did not run again.
        case duplicate
    }

    /// The reason.
    public var code: Code
    /// One line for a terminal (the CLI sanitises it before printing).
    public var message: String
    /// For `refused`: the lowest role that may do it.
    public var requiredRole: StaffRole?
    /// Which message `message` is (`unknown_event`, `invalid_transition`, …; nil: no other client needs to know), so
    /// that a client can say it in its user's language with `values`; `message` stays the English line.
    public var reason: String?
    /// The values in the message, in the order its reason documents (`[id]` for `unknown_event`).
    public var values: [String]?

    /// Creates an error.
    public init(_ code: Code, _ message: String, requiredRole: StaffRole? = nil, reason: String? = nil, values: [String]? = nil) {
        self.code = code
        self.message = message
        self.requiredRole = requiredRole
        self.reason = reason
        self.values = values
    }

    /// The message.
    public var description: String { message }

    enum CodingKeys: String, CodingKey {
        case code, message, reason, values
        case requiredRole = "required_role"
    }
}
