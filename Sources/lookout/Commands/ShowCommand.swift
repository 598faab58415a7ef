import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout show ID`: everything about one event and its timeline, as lookoutd reads them.
struct ShowCommand: Command {
    static let name = "show"
    static let help = CommandHelp(
        summary: tr("show one event: location, resident, contacts, deadlines, payload, timeline"),
        usage: "ID",
        options: [.flag("json", help: tr("print a JSON object (the events fields plus timeline, topic, payload)"))],
        examples: ["lookout show E-1042", "lookout show 1042 --json"])

    let context: CLIContext
    let id: String
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        id = try arguments.single("ID")
        json = arguments.flag("json")
    }

    func run() throws {
        let result = try context.request(.show, ["id": id])
        guard let event = result.event else { throw CLIError.failure(tr("no event with id %1$s", id)) }
        let timeline = result.timeline ?? []
        let senders = result.senders ?? []
        let teams = result.teams ?? []
        let emergencyPhone = result.emergencyPhone ?? ""
        let withheld = result.residentDataWithheld ?? false
        if json {
            guard case .object(var members) = EventText.json(event) else { return }
            members.append(("topic", .string(event.topic)))
            members.append(("payload", .string(event.payload)))
            members.append(("resident", .object(EventText.registryJSON(event.location, personal: true, emergencyPhone: emergencyPhone))))
            members.append(("resident_withheld", .bool(withheld)))
            if !senders.isEmpty { members.append(("senders", .array(senders.map { .string($0) }))) }
            members.append(("team_report_in", .array(teams.map(EventText.json))))
            members.append(("timeline", .array(timeline.map(EventText.json))))
            Console.out(JSONOutput.object(members).rendered())
            return
        }
        Console.out(render(event, timeline: timeline, senders: senders, teams: teams, emergencyPhone: emergencyPhone,
                           residentWithheld: withheld))
    }

    /// The human-readable page.
    /// `senders`: the first device ids kept for an event that folds alarms of unregistered devices.
    /// `teams`: the event's teams with when each was brought in and reported in.
    /// `emergencyPhone`: the registry's structured emergency phone kept with the event.
    /// `residentWithheld`: lookoutd withheld the resident's data from this user (role and teams).
    func render(_ event: EventRecord, timeline: [TimelineEntry], senders: [String] = [], teams: [EventTeam] = [],
                emergencyPhone: String = "", residentWithheld: Bool = false) -> String {
        let style = context.style
        var fields = detailFields(event, senders: senders, teams: teams, emergencyPhone: emergencyPhone)
        if residentWithheld {
            let at = fields.firstIndex { $0.0 == tr("Teams") } ?? fields.endIndex
            fields.insert((tr("Resident"), tr("withheld: your role and teams do not need it for this event (ask a supervisor)")), at: at)
        }
        let width = fields.map { DisplayWidth.of($0.0) }.max() ?? 0
        var out = header(event) + "\n"
        for (label, value) in fields {
            let indented = value.split(separator: "\n", omittingEmptySubsequences: false)
                .joined(separator: "\n" + String(repeating: " ", count: width + 2))
            out += style.paint(label.padding(to: width), .dim) + "  " + indented + "\n"
        }
        out += "\n" + style.paint(tr("Timeline"), .bold) + "\n"
        var table = TextTable(columns: [.init(tr("TIME")), .init(tr("ACTOR"), maxWidth: 20), .init(tr("ACTION")),
                                        .init(tr("STATUS")), .init(tr("NOTE"), minWidth: 10)])
        for entry in timeline {
            table.append([TextTable.Cell(TimeText.local(entry.at)), TextTable.Cell(entry.actor),
                          TextTable.Cell(EventText.actionWord(entry.action)), TextTable.Cell(EventText.statusWord(entry.status)), TextTable.Cell(entry.note)])
        }
        out += table.render(totalWidth: context.width, style: style)
        return out
    }

    /// The first lines of the page: id, level, status, marks, and the title.
    private func header(_ event: EventRecord) -> String {
        let style = context.style
        let levelText = style.paint(EventText.levelWord(event.level), EventText.colour(of: event.level))
        var header = "\(style.paint(event.id, .bold))  \(levelText)  \(EventText.statusWord(event.status))"
        if event.overdue { header += "  " + style.paint(tr("OVERDUE"), .alarm) }
        if let maintenance = EventText.maintenance(event) {
            header += "  " + (event.silenced ? "(\(maintenance))" : style.paint(maintenance, .yellow))
        }
        header += "\n" + style.paint(TextSanitizer.sanitize(event.title), .bold) + "\n"
        return header
    }

    /// The labelled fields of the page, sanitized, empty ones left out (parameters as for `render`).
    private func detailFields(_ event: EventRecord, senders: [String], teams: [EventTeam], emergencyPhone: String) -> [(String, String)] {
        let now = context.now
        let location = event.location
        var fields: [(String, String)] = []
        func add(_ label: String, _ value: String, keepNewlines: Bool = false) {
            guard !value.isEmpty else { return }
            fields.append((label, TextSanitizer.sanitize(value, keepNewlines: keepNewlines)))
        }
        add(tr("Description"), event.description, keepNewlines: true)
        add(tr("Kind"), event.kind)
        add(tr("Device"), event.deviceID.isEmpty ? "-" : event.deviceID + (location.registered ? "" : tr(" (unregistered)")))
        if !senders.isEmpty {
            // The event keeps the first ids only: say that the list is cut, and that the count is of alarms.
            add(tr("Senders"), senders.joined(separator: ", ") + "\n"
                + tr("(the first %1$d device ids kept; %2$d alarms in all, from these and any others)", senders.count, event.count),
                keepNewlines: true)
        }
        add(tr("Rule"), event.rule)
        add(tr("Group"), event.group)
        for line in EventText.registryLines(location, emergencyPhone: emergencyPhone) { add(line.label, line.text) }
        if teams.contains(where: { $0.step > 0 || $0.reportRequired || $0.reportedAt != nil }) {
            // One line per team: who the chain brought in when, and who has reported in (部门报到) and who not.
            add(tr("Teams"), teams.map { team in
                var line = team.team + "  " + (team.step == 0 ? tr("at the raise")
                    : tr("brought in %1$s (step %2$d)", TimeText.local(team.broughtInAt), team.step))
                if let at = team.reportedAt {
                    line += tr("; reported in %1$s by %2$s (after %3$s)", TimeText.local(at), team.reportedBy, TimeText.span(milliseconds: at - team.broughtInAt))
                } else if team.reportRequired {
                    line += tr("; NOT reported in (%1$s so far)", TimeText.span(milliseconds: now - team.broughtInAt))
                }
                return line
            }.joined(separator: "\n"), keepNewlines: true)
        } else {
            add(tr("Teams"), event.teams.joined(separator: ", "))
        }
        add(tr("Assignee"), event.assignee)
        if let cause = event.cause { add(tr("Cause"), EventText.causeWord(cause)) }
        if event.initialLevel != event.level { add(tr("Raised as"), EventText.levelWord(event.initialLevel)) }
        if let delay = event.raisedAfterOccurrence, let occurredAt = event.occurredAt {
            add(tr("Happened"), TimeText.local(occurredAt) + "  " + tr("(%1$s ago by the device's clock; raised %2$s later)",
                                                                     TimeText.span(milliseconds: now - occurredAt), TimeText.span(milliseconds: delay)))
        }
        add(tr("First seen"), TimeText.local(event.firstSeen) + "  " + tr("(%1$s ago)", TimeText.span(milliseconds: now - event.firstSeen)))
        add(tr("Last seen"), TimeText.local(event.lastSeen) + "  " + tr("(count %1$d)", event.count))
        if let ack = event.ackDeadline {
            add(tr("Ack by"), deadlineText(ack, now: now, active: event.status.isActive, met: event.status != .open))
        }
        if let onsite = event.onsiteDeadline {
            add(tr("On site by"), deadlineText(onsite, now: now, active: event.status.isActive,
                                           met: [.onsite, .resolved, .closed].contains(event.status)))
        }
        add(tr("Topic"), event.topic)
        add(tr("Payload"), event.payload)
        return fields
    }

    /// `2026-11-23 08:15:00  (in 12m)` while its step is to come, `(passed 3m ago)` when missed,
    /// `(done)` once its step happened.
    private func deadlineText(_ deadline: EpochMillis, now: EpochMillis, active: Bool, met: Bool) -> String {
        var text = TimeText.local(deadline)
        if met {
            text += "  " + tr("(done)")
        } else if active {
            text += deadline > now ? "  " + tr("(in %1$s)", TimeText.span(milliseconds: deadline - now))
                : "  " + context.style.paint(tr("(passed %1$s ago)", TimeText.span(milliseconds: now - deadline)), .alarm)
        }
        return text
    }
}
