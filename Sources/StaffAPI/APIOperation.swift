/// The operations of the staff API, by their wire name. A request names one; an unknown name is refused as a
/// bad request, so an older daemon tells a newer CLI what it does not know.
public enum APIOperation: String, Codable, Sendable, CaseIterable {
    /// Take an event (`lookout ack ID`). Arguments: `id`, `note`.
    case acknowledge = "ack"
    /// Report in for a team an event brought in (`lookout ack ID --team T`). Arguments: `id`, `team`, `note`.
    case reportIn = "report_in"
    /// Dispatch to a person or team. Arguments: `id`, `to`, `note`.
    case dispatch
    /// Someone is on site. Arguments: `id`, `note`.
    case onsite
    /// Handled. Arguments: `id`, `note` (required), `cause` (an `EventCause` raw value; the call-button causes only
    /// for kind `sos`).
    case resolve
    /// Filed. Arguments: `id`, `note`.
    case close
    /// Open again. Arguments: `id`, `note`.
    case reopen
    /// A note on the timeline. Arguments: `id`, `note`.
    case note
    /// A manual event. Arguments: `kind`, `level`, `title`, and optionally `where`, `device`, `community`,
    /// `building`, `description`.
    case report
    /// A maintenance silence. Arguments: one or more of `device`, `community`, `building`, `kind`, `rule`; `until`
    /// (milliseconds since 1970), `reason`, `force` (`true`).
    case silenceAdd = "silence_add"
    /// End a silence early. Arguments: `silence` (its id).
    case silenceRemove = "silence_remove"
    /// A resident is away. Arguments: `subject` (device or resident id), `until`, `reason`.
    case awayAdd = "away_add"
    /// End an away note early. Arguments: `away` (its id).
    case awayRemove = "away_remove"
    /// List events (`lookout events`). Arguments: `filter` (an `EventFilter` as JSON).
    case events
    /// One event with its timeline, teams and senders (`lookout show`). Arguments: `id`.
    case show
    /// A test message to a team through the daemon's notifier (`lookout notify test`), answered once it was sent,
    /// given up, or withdrawn untried after `timeout` (milliseconds, at most 10 minutes). Arguments: `team`,
    /// `timeout`.
    case notifyTest = "notify_test"
    /// The audit of staff API requests (`lookout audit`). Arguments: `since` (milliseconds since 1970), `user`,
    /// `limit`.
    case audit
    /// Walk the timeline's hash chain with the daemon's key (`lookout audit verify`). No arguments.
    case auditVerify = "audit_verify"
    /// Counts and response times since a time (`lookout stats`). Arguments: `since`, `until` (milliseconds since
    /// 1970), optionally `community` (the report-in figures of one community). Answers with the breakdowns too.
    case stats
    /// The registry mirror with what the daemon saw of each device (`lookout devices`). No arguments.
    case devices
    /// Rejected messages: counts and recent samples (`lookout rejects`). Arguments: optionally `reason`, `limit`.
    case rejects
    /// Silences in force and what each holds back (`lookout silence list`). No arguments.
    case silenceList = "silence_list"
    /// Away notes in force (`lookout away list`). No arguments.
    case awayList = "away_list"
    /// The daemon's status row, open events by level, free space for the database (`lookout status`). No arguments.
    case status
    /// Nothing but what every answer says: the community's time zone (`site_time_zone`). What `lookout` asks when it
    /// must read a local time (`--month 2026-11`, `today`) before any other answer came; cheap, unlike `status`.
    case site
    /// Keeps the connection open and streams change-feed entries (`lookout watch`), one `APIResponse` line per
    /// batch (`changes`, `sequence`), and a line with no changes when there were none for a while, so that the
    /// client knows the daemon is alive. The first line says where it starts. Arguments: `after` (resume after
    /// this change sequence) or `replay` (start N changes before the latest; neither: from the latest), optionally
    /// `heartbeat` (milliseconds between lines when nothing changes) and `interval` (milliseconds between looks).
    case watch
    /// What the next shift must know (`lookout handover`): a `ShiftHandover`. Arguments: optionally `since`
    /// (milliseconds since 1970; default: the last accepted handover).
    case handover
    /// Hand the shift over to a named member of the staff directory (`lookout handover --to NAME`), recorded in the
    /// audit under the caller's authenticated name; answered with the summary. Arguments: `to`, optionally `note`,
    /// `since`.
    case handoverGive = "handover_give"
    /// Take over the shift handed to the caller (`lookout handover --accept`), recorded under the caller's
    /// authenticated name; answered with the summary of the shift taken over. Arguments: optionally `since`.
    case handoverAccept = "handover_accept"

    /// Whether the operation changes one existing event (the event is the `id` argument).
    public var actsOnEvent: Bool {
        switch self {
        case .acknowledge, .reportIn, .dispatch, .onsite, .resolve, .close, .reopen, .note: return true
        case .report, .silenceAdd, .silenceRemove, .awayAdd, .awayRemove, .events, .show, .notifyTest, .stats,
             .devices, .rejects, .silenceList, .awayList, .status, .site, .watch, .audit, .auditVerify, .handover, .handoverGive,
             .handoverAccept: return false
        }
    }

    /// Whether the operation only reads.
    public var isRead: Bool {
        switch self {
        case .events, .show, .stats, .devices, .rejects, .silenceList, .awayList, .status, .site, .watch, .audit, .auditVerify,
             .handover:
            return true
        default: return false
        }
    }
}
