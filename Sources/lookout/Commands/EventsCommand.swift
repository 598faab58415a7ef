import EventCore
import FoundationEssentials
import Glibc
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout events`: the table of open events, red and overdue first, then newest first, as lookoutd finds them.
struct EventsCommand: Command {
    static let name = "events"
    static let help = CommandHelp(
        summary: tr("list open events (red and overdue first, then newest)"),
        usage: "",
        options: [
            .flag("all", short: "a", help: tr("include resolved, closed and cleared events")),
            .value("level", "L", short: "l", help: tr("only this level: red, yellow, green"), repeatable: true,
                   choices: AlertLevel.allCases.map(\.rawValue)),
            .value("status", "S", help: tr("only this status"), repeatable: true, choices: EventStatus.allCases.map(\.rawValue)),
            .value("kind", "K", help: tr("only this device kind (smoke, manhole, door, sos, …)")),
            .value("community", "C", help: tr("only this community")),
            .value("building", "B", help: tr("only this building")),
            .value("team", "T", help: tr("only events dispatched to this team")),
            .value("since", "WHEN", help: tr("only events active since WHEN (raised, or repeated into them): 2h, today, yesterday, 06:00, 2026-11-23T08:00")),
            .flag("overdue", help: tr("only overdue events")),
            .flag("silenced", help: tr("include events raised under a maintenance silence (hidden by default)")),
            .value("limit", "N", short: "n", help: tr("at most N events (default 1000)")),
            .flag("json", help: tr("print a JSON array (stable field names, for scripts)")),
        ],
        examples: ["lookout events", "lookout events --level red,yellow --community c01",
                   "lookout events --all --since 24h --json | jq '.[].id'"])

    let context: CLIContext
    let filter: EventFilter
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        var filter = EventFilter()
        filter.includeAll = arguments.flag("all")
        filter.levels = arguments.list("level").compactMap(AlertLevel.init(rawValue:))
        filter.statuses = arguments.list("status").compactMap(EventStatus.init(rawValue:))
        filter.kind = arguments.value("kind")
        filter.community = arguments.value("community")
        filter.building = arguments.value("building")
        filter.team = arguments.value("team")
        if let since = arguments.value("since") {
            guard let time = TimeText.pointInTime(since, now: context.now) else {
                throw CLIError.usage(tr("%1$s: --%2$s needs a time such as 7d, -2h, today, yesterday, 06:00 or 2026-11-01, not '%3$s'", "events", "since", since))
            }
            filter.since = time
        }
        filter.overdueOnly = arguments.flag("overdue")
        // Silenced events are on the record, not alerts: listed only on request.
        filter.silenced = arguments.flag("silenced") ? nil : false
        if let limit = try arguments.integer("limit") { filter.limit = limit }
        self.filter = filter
        json = arguments.flag("json")
    }

    func run() throws {
        let encoded = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
        let result = try context.request(.events, ["filter": encoded])
        let events = result.events ?? []
        // A cut list says so: on stderr for JSON (the array stays parseable), after the table otherwise.
        let notShown = max(0, (result.matching ?? events.count) - events.count)
        let cutNote = notShown > 0 ? tr("%1$d more event(s) not shown (limit %2$d): --limit N or a filter to see them",
                                         notShown, filter.limit) + "\n" : ""
        if json {
            Console.out(JSONOutput.array(events.map(EventText.json)).rendered())
            if !cutNote.isEmpty { Console.err(cutNote) }
            return
        }
        if events.isEmpty {
            Console.out((filter.includeAll ? tr("No events.") : tr("No open events.")) + "\n")
        } else {
            Console.out(Self.table(events, now: context.now).render(totalWidth: context.width, style: context.style))
        }
        if !cutNote.isEmpty { Console.out(context.style.paint(cutNote, .bold)) }
        if let hidden = result.silencedLeftOut, hidden > 0 {
            Console.out(tr("%1$d silenced event(s) not shown (maintenance silence): --silenced to list them", hidden) + "\n")
        }
    }

    /// The events table (shared with other listings of events). Id, level, deadline and device are never cut: on a
    /// narrow terminal (80 columns) where and title shorten, then count, age and kind are left out, in that order.
    static func table(_ events: [EventRecord], now: EpochMillis) -> TextTable {
        var table = TextTable(columns: [
            .whole(tr("ID")), .whole(tr("LEVEL")), .init(tr("STATUS"), minWidth: 12),
            .init(tr("AGE"), alignRight: true, minWidth: 5, dropOrder: 2), .whole(tr("DEADLINE")),
            .init(tr("KIND"), minWidth: 4, maxWidth: 10, dropOrder: 3),
            .whole(tr("DEVICE")), .init(tr("WHERE"), minWidth: 8, maxWidth: 40),
            .init(tr("TITLE"), minWidth: 10, maxWidth: 60), .init(tr("COUNT"), alignRight: true, dropOrder: 1),
        ])
        for event in events {
            table.append([
                TextTable.Cell(event.id), EventText.level(event.level),
                TextTable.Cell(event.silenced ? tr("%1$s (silenced)", EventText.statusWord(event.status)) : EventText.statusWord(event.status)),
                TextTable.Cell(TimeText.span(milliseconds: now - event.firstSeen)), EventText.deadline(event, now: now),
                TextTable.Cell(event.kind), TextTable.Cell(event.deviceID.isEmpty ? "-" : event.deviceID),
                TextTable.Cell(EventText.place(event)),
                TextTable.Cell(EventText.maintenance(event).map { "\(event.title) [\($0)]" } ?? event.title),
                TextTable.Cell(String(event.count)),
            ])
        }
        return table
    }
}
