import EventCore

/// The messages of the staff API a client says in its own language: each `reason` with its `values`, in order. The
/// English `message` is still sent, for clients that do not know a reason.
extension APIError {
    /// `[id]`.
    public static let unknownEvent = "unknown_event"
    /// `[id, status, action]`: `action` is `EventAction.verb` (`acknowledge`, `mark on site`) or `report in for TEAM`.
    public static let invalidTransition = "invalid_transition"
    /// `[id, team, teams]`: `teams` comma-separated, empty when none.
    public static let unknownTeam = "unknown_team"
    /// `[id, team, time, by]`: `time` in milliseconds since 1970.
    public static let alreadyReportedIn = "already_reported_in"
    /// `[user, role, required role]`.
    public static let refusedRole = "refused_role"
    /// `[caller, staff directory path]`.
    public static let notInDirectory = "not_in_directory"
    /// `[id]`.
    public static let unknownSilence = "unknown_silence"
    /// `[id]`.
    public static let unknownAway = "unknown_away"
    /// `[name]`: a handover to someone not in the staff directory.
    public static let unknownStaff = "unknown_staff"
    /// `[user]`: a handover to oneself.
    public static let handoverToSelf = "handover_to_self"
    /// `[user]`: `handover --accept` with no handover waiting for the user.
    public static let noHandover = "no_handover"
    /// `[from, to, user]`: `handover --accept` of a handover given to someone else.
    public static let handoverForOther = "handover_for_other"

    /// `[cause, causes]`: `causes` comma-separated.
    public static let unknownCause = "unknown_cause"
    /// `[id, cause, kind]`: a call-button cause (`errand`, `cancelled-by-resident`) for an event of another kind.
    public static let causeNotForKind = "cause_not_for_kind"

    /// Every reason above, for clients that check they can say each one.
    public static let allReasons = [unknownEvent, invalidTransition, unknownTeam, alreadyReportedIn, refusedRole,
                                    notInDirectory, unknownSilence, unknownAway, unknownStaff, handoverToSelf,
                                    noHandover, handoverForOther, unknownCause, causeNotForKind]

    /// The event core's refusal, with its reason and values.
    public init(_ error: EventStoreError) {
        switch error {
        case .unknownEvent(let id):
            self.init(.failed, error.description, reason: Self.unknownEvent, values: [id])
        case .invalidTransition(let id, let from, let action):
            self.init(.failed, error.description, reason: Self.invalidTransition, values: [id, from.rawValue, action])
        case .unknownTeam(let id, let team, let teams):
            self.init(.failed, error.description, reason: Self.unknownTeam, values: [id, team, teams.joined(separator: ",")])
        case .alreadyReportedIn(let id, let team, let at, let by):
            self.init(.failed, error.description, reason: Self.alreadyReportedIn, values: [id, team, String(at), by])
        case .schemaTooNew, .permissionDenied:
            self.init(.failed, error.description)
        }
    }
}
