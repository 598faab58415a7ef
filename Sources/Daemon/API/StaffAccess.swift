import EventCore
import StaffAPI
import Vocabulary

/// Who may do what: the lowest role an operation needs for a given member, and the refusal that says so.
///
/// - viewer: reads only (`events`, `show`, `stats`, `devices`, `rejects`, the lists, `status`, `watch`, `handover`).
/// - staff: acts on events of their own teams (an event's teams: its rule's and those a step brought in) and on
///   events of no team (manual reports), reports in for their own team, raises manual events, hands a shift over
///   and takes one over.
/// - supervisor: acts on every event; adds and removes silences within the policy; away notes; test notifications.
/// - admin: everything, including silences beyond the policy (`--force`).
enum StaffAccess {
    /// The lowest role `member` needs for `operation`. `eventTeams`: the teams of the event it acts on (nil when
    /// there is no such event: the event core then says so). `team`: the team reporting in. `force`: a silence
    /// beyond the policy.
    static func requiredRole(_ operation: APIOperation, member: StaffMember, eventTeams: [String]?,
                             team: String?, force: Bool) -> StaffRole {
        switch operation {
        case .reportIn:
            guard let team else { return .staff }
            return member.teams.contains(team) ? .staff : .supervisor
        case .acknowledge, .dispatch, .onsite, .resolve, .close, .reopen, .note:
            // An event no team is responsible for (a manual report) is any staff member's to take.
            guard let eventTeams, !eventTeams.isEmpty else { return .staff }
            return eventTeams.contains(where: member.teams.contains) ? .staff : .supervisor
        case .report:
            return .staff
        case .events, .show, .stats, .devices, .rejects, .silenceList, .awayList, .status, .site, .watch, .handover:
            return .viewer
        case .handoverGive, .handoverAccept:
            // Shifts are worked by staff: a viewer (the street office) reads the handover but takes no shift.
            return .staff
        case .silenceAdd:
            return force ? .admin : .supervisor
        case .silenceRemove, .awayAdd, .awayRemove, .notifyTest, .audit, .auditVerify:
            return .supervisor
        }
    }

    /// What the action is, for a refusal: `acknowledge E-1003 (teams police)`.
    static func describe(_ operation: APIOperation, eventID: String?, eventTeams: [String]?, team: String?,
                         force: Bool) -> String {
        let verb: String
        switch operation {
        case .acknowledge: verb = "acknowledge"
        case .reportIn: verb = "report in for \(team ?? "a team") on"
        case .dispatch: verb = "dispatch"
        case .onsite: verb = "record on site"
        case .resolve: verb = "resolve"
        case .close: verb = "close"
        case .reopen: verb = "reopen"
        case .note: verb = "add a note to"
        case .report: return "raise a manual event"
        case .silenceAdd: return force ? "add a silence beyond the policy (--force)" : "add a silence"
        case .silenceRemove: return "remove a silence"
        case .awayAdd: return "add an away note"
        case .awayRemove: return "remove an away note"
        case .events: return "list events"
        case .show: return "show an event"
        case .stats: return "read the statistics"
        case .devices: return "list devices"
        case .rejects: return "list rejected messages"
        case .silenceList: return "list silences"
        case .awayList: return "list away notes"
        case .status: return "read lookoutd's status"
        case .site: return "read the site's time zone"
        case .watch: return "watch the change feed"
        case .notifyTest: return "send a test notification"
        case .audit: return "list the audit"
        case .auditVerify: return "verify the timeline's chain"
        case .handover: return "read the shift handover"
        case .handoverGive: return "hand the shift over"
        case .handoverAccept: return "take over the shift"
        }
        var text = "\(verb) \(eventID ?? "an event")"
        if let eventTeams {
            text += eventTeams.isEmpty ? " (no team)" : " (teams \(eventTeams.joined(separator: ", ")))"
        }
        return text
    }

    /// `refused: alice (staff, teams fire) may not acknowledge E-1003 (teams police): that needs role supervisor`.
    static func refusal(member: StaffMember, action: String, required: StaffRole) -> String {
        let teams = member.teams.isEmpty ? "no team" : "teams " + member.teams.joined(separator: ", ")
        return "refused: \(member.user) (\(member.role.rawValue), \(teams)) may not \(action): that needs role \(required.rawValue)"
    }
}
