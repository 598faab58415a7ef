import EventCore
import TerminalText
import Vocabulary

/// How events look in the CLI: level colours, deadlines, where, one-line summaries, JSON.
enum EventText {
    /// Statuses that are finished: no deadline runs for them.
    static let finishedStatuses: Set<EventStatus> = [.resolved, .closed, .cleared, .merged]

    /// `RED` in red (bold when red), etc.
    static func level(_ level: AlertLevel) -> TextTable.Cell {
        TextTable.Cell(levelWord(level), colour: colour(of: level))
    }

    /// The level as staff read it (`RED`, 红色); JSON keeps `red`.
    static func levelWord(_ level: AlertLevel) -> String {
        switch level {
        case .red: return tr("RED")
        case .yellow: return tr("YELLOW")
        case .green: return tr("GREEN")
        }
    }

    /// The status as staff read it (`acknowledged`, 已确认); JSON and options keep the English word.
    static func statusWord(_ status: EventStatus) -> String {
        switch status {
        case .open: return tr("open")
        case .acknowledged: return tr("acknowledged")
        case .dispatched: return tr("dispatched")
        case .onsite: return tr("onsite")
        case .resolved: return tr("resolved")
        case .closed: return tr("closed")
        case .cleared: return tr("cleared")
        case .merged: return tr("merged")
        }
    }

    /// The colour for a level.
    static func colour(of level: AlertLevel) -> TerminalColour {
        switch level {
        case .red: return .alarm
        case .yellow: return .yellow
        case .green: return .green
        }
    }

    /// A timeline action as staff read it (`escalated`, 已升级); an action this CLI does not know is shown as stored.
    static func actionWord(_ action: String) -> String {
        switch action {
        case "raised": return tr("raised")
        case "acknowledged": return tr("acknowledged")
        case "dispatched": return tr("dispatched")
        case "onsite": return tr("onsite")
        case "resolved": return tr("resolved")
        case "closed": return tr("closed")
        case "reopened": return tr("reopened")
        case "note": return tr("note")
        case "cleared": return tr("cleared")
        case "merged": return tr("merged")
        case "escalated": return tr("escalated")
        case "downgraded": return tr("downgraded")
        case "upgraded": return tr("upgraded")
        case "renotified": return tr("renotified")
        case "repeated": return tr("repeated")
        case "reported_in": return tr("reported_in")
        case "unsilenced": return tr("unsilenced")
        default: return action
        }
    }

    /// The deadline that applies now and what it is for, or nil when none runs.
    static func pendingDeadline(of event: EventRecord) -> (what: String, at: EpochMillis)? {
        if finishedStatuses.contains(event.status) { return nil }
        switch event.status {
        case .open:
            if let ack = event.ackDeadline { return (tr("ack"), ack) }
            if let onsite = event.onsiteDeadline { return (tr("on site"), onsite) }
        case .acknowledged, .dispatched:
            if let onsite = event.onsiteDeadline { return (tr("on site"), onsite) }
        default:
            break
        }
        return nil
    }

    /// `ack 1m30s`, `on site 12m`, `OVERDUE 4m` (alarm colour), or `-`.
    static func deadline(_ event: EventRecord, now: EpochMillis) -> TextTable.Cell {
        guard let pending = pendingDeadline(of: event) else {
            return event.overdue && !finishedStatuses.contains(event.status)
                ? TextTable.Cell(tr("OVERDUE"), colour: .alarm) : TextTable.Cell("-")
        }
        if pending.at <= now {
            return TextTable.Cell(tr("OVERDUE %1$s", TimeText.span(milliseconds: now - pending.at)), colour: .alarm)
        }
        let text = tr("%1$s %2$s", pending.what, TimeText.span(milliseconds: pending.at - now))
        return TextTable.Cell(text, colour: event.overdue ? .alarm : nil)
    }

    /// Where to go: the address, else the group, else community/building/unit, else `unregistered`.
    static func place(_ event: EventRecord) -> String {
        let location = event.location
        if !location.address.isEmpty { return location.address }
        if !event.group.isEmpty { return event.group }
        let parts = [location.community, location.building, location.unit].filter { !$0.isEmpty }
        if !parts.isEmpty { return parts.joined(separator: "/") }
        return location.registered ? "-" : tr("unregistered device")
    }

    /// The maintenance mark of an event raised under a silence, sanitised: "during maintenance: REASON" when it
    /// is shown (a life-safety red event, or its silence ended), "silenced: REASON" while hidden; nil otherwise.
    static func maintenance(_ event: EventRecord) -> String? {
        if event.silenced { return tr("silenced: %1$s", TextSanitizer.sanitize(event.maintenance ?? tr("maintenance"))) }
        guard let reason = event.maintenance else { return nil }
        return tr("during maintenance: %1$s", TextSanitizer.sanitize(reason))
    }

    /// One line for action results and `watch`: id, level, status, title, sanitised and coloured.
    static func summary(_ event: EventRecord, style: TerminalStyle) -> String {
        var parts = [
            event.id,
            style.paint(levelWord(event.level), colour(of: event.level)),
            statusWord(event.status),
        ]
        if !event.assignee.isEmpty { parts.append("→ \(TextSanitizer.sanitize(event.assignee))") }
        parts.append(TextSanitizer.sanitize(event.title))
        parts.append("(\(TextSanitizer.sanitize(place(event))))")
        return parts.joined(separator: "  ")
    }

    /// `happened 3h07m ago, raised 3h05m later` for an event raised well after its report says it happened (a
    /// late report, see `EventRecord.raisedAfterOccurrence`); nil otherwise. Deadlines count from the raise.
    static func lateness(_ event: EventRecord, now: EpochMillis) -> String? {
        guard let delay = event.raisedAfterOccurrence, let occurredAt = event.occurredAt else { return nil }
        return tr("happened %1$s ago, raised %2$s later", TimeText.span(milliseconds: now - occurredAt), TimeText.span(milliseconds: delay))
    }

    /// The stable JSON object for an event (keys in this order; times in UTC ISO 8601).
    static func json(_ event: EventRecord) -> JSONOutput {
        let location = event.location
        return .object([
            ("id", .string(event.id)),
            ("level", .string(event.level.rawValue)),
            ("initial_level", .string(event.initialLevel.rawValue)),
            ("status", .string(event.status.rawValue)),
            ("overdue", .bool(event.overdue)),
            ("silenced", .bool(event.silenced)),
            ("maintenance", .string(event.maintenance)),
            ("kind", .string(event.kind)),
            ("device", .string(event.deviceID)),
            ("rule", .string(event.rule)),
            ("event_key", .string(event.eventKey)),
            ("group", .string(event.group)),
        ] + registryJSON(location, personal: false) + [ // where: the non-personal registry fields, in table order
            ("registered", .bool(location.registered)),
            ("title", .string(event.title)),
            ("description", .string(event.description)),
            ("teams", .array(event.teams.map { .string($0) })),
            ("assignee", .string(event.assignee)),
            ("count", .integer(Int64(event.count))),
            ("first_seen", .string(TimeText.iso(event.firstSeen))),
            ("occurred_at", .string(event.occurredAt.map(TimeText.iso))),
            ("last_seen", .string(TimeText.iso(event.lastSeen))),
            ("updated_at", .string(TimeText.iso(event.updatedAt))),
            ("ack_deadline", .string(event.ackDeadline.map(TimeText.iso))),
            ("onsite_deadline", .string(event.onsiteDeadline.map(TimeText.iso))),
            ("cause", .string(event.cause?.rawValue)),
        ])
    }

    /// The JSON object for a timeline entry.
    /// A team on an event, for `show --json`: when it was brought in and whether and when it reported in.
    static func json(_ team: EventTeam) -> JSONOutput {
        .object([
            ("team", .string(team.team)),
            ("step", .number(Double(team.step))),
            ("brought_in_at", .string(TimeText.iso(team.broughtInAt))),
            ("report_required", .bool(team.reportRequired)),
            ("reported_at", team.reportedAt.map { .string(TimeText.iso($0)) } ?? .null),
            ("reported_by", .string(team.reportedBy)),
        ])
    }

    /// Who has reported in and who has not, for `show` and `watch`: `fire reported in 14:03:40 (1m29s); police
    /// NOT reported in (4m)`. Empty when no team was asked to report in.
    static func reportIn(_ teams: [EventTeam], now: EpochMillis) -> String {
        teams.filter { $0.reportRequired || $0.reportedAt != nil }.map { team in
            if let at = team.reportedAt {
                return tr("%1$s reported in %2$s (%3$s)", team.team, TimeText.clock(at), TimeText.span(milliseconds: at - team.broughtInAt))
            }
            return tr("%1$s NOT reported in (%2$s)", team.team, TimeText.span(milliseconds: now - team.broughtInAt))
        }.joined(separator: "; ")
    }

    static func json(_ entry: TimelineEntry) -> JSONOutput {
        .object([
            ("at", .string(TimeText.iso(entry.at))),
            ("actor", .string(entry.actor)),
            ("action", .string(entry.action)),
            ("status", .string(entry.status.rawValue)),
            ("note", .string(entry.note)),
        ])
    }
}
