import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout stats`: how many events, how fast they were taken and reached, per community, as lookoutd counts them;
/// nuisance and false-alarm rates; with `--month` (or `--report`) the street office's monthly report.
struct StatsCommand: Command {
    static let name = "stats"
    static let help = CommandHelp(
        summary: tr("counts by level and status, time to ack and on site (median, p90), share within deadline"),
        usage: "",
        options: [
            .value("since", "WHEN", help: tr("period start: 7d (default), 24h, today, yesterday, 06:00, 2026-11-01")),
            .value("until", "WHEN", help: tr("period end (default now), in the same forms")),
            .value("month", "YYYY-MM", help: tr("the calendar month, local time (the street office's monthly figures)")),
            .value("community", "C", help: tr("only this community")),
            .flag("report", help: tr("the full report (breakdowns, causes, devices offline) for any period; --month implies it")),
            .flag("json", help: tr("print a JSON object")),
            .flag("csv", help: tr("print the report as CSV for a spreadsheet (UTF-8 with BOM, one long table)")),
        ],
        examples: ["lookout stats", "lookout stats --since 30d --community c01", "lookout stats --month 2026-11",
                   "lookout stats --month 2026-11 --csv > 2026-11.csv", "lookout stats --month 2026-11 --json",
                   "lookout stats --since yesterday --until today"])

    let context: CLIContext
    let since: EpochMillis
    /// The period's end (exclusive).
    let until: EpochMillis
    let community: String?
    let json: Bool
    /// `--csv`: the report for a spreadsheet.
    let csv: Bool
    /// The monthly report's sections on the terminal (`--month` or `--report`).
    let report: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        if let month = arguments.value("month") {
            guard arguments.value("since") == nil, arguments.value("until") == nil else {
                throw CLIError.usage(tr("stats: --month gives the whole period; leave out --since and --until"))
            }
            guard let period = TimeText.month(month) else {
                throw CLIError.usage(tr("stats: --month needs a year and month such as 2026-11, not '%1$s'", month))
            }
            (since, until) = period
        } else {
            let text = arguments.value("since") ?? "7d"
            let now = context.now
            guard let start = TimeText.pointInTime(text, now: now) else {
                throw CLIError.usage(tr("%1$s: --%2$s needs a time such as 7d, -2h, today, yesterday, 06:00 or 2026-11-01, not '%3$s'", "stats", "since", text))
            }
            let end = arguments.value("until")
            guard let finish = end.map({ TimeText.pointInTime($0, now: now) }) ?? now + 1 else {
                throw CLIError.usage(tr("%1$s: --%2$s needs a time such as 7d, -2h, today, yesterday, 06:00 or 2026-11-01, not '%3$s'", "stats", "until", end ?? ""))
            }
            guard start < finish else { throw CLIError.usage(tr("stats: the period ends before it starts")) }
            (since, until) = (start, finish)
        }
        community = arguments.value("community")
        json = arguments.flag("json")
        csv = arguments.flag("csv")
        guard !(json && csv) else { throw CLIError.usage(tr("stats: choose one of --json and --csv")) }
        report = arguments.value("month") != nil || arguments.flag("report")
    }

    func run() throws {
        var arguments = ["since": String(since), "until": String(until)]
        if let community { arguments["community"] = community }
        let result = try context.request(.stats, arguments)
        guard let statistics = result.statistics else { throw CLIError.failure(tr("lookoutd answered without the statistics")) }
        let reportIn = result.reportIn ?? []
        let breakdown = result.breakdown
        if csv {
            guard let breakdown else { throw CLIError.failure(tr("lookoutd answered without the breakdowns (an older lookoutd?)")) }
            Console.out(Self.csvReport(statistics, breakdown, now: context.now))
            return
        }
        if json {
            Console.out(Self.json(statistics, community: community, reportIn: reportIn, breakdown: breakdown).rendered())
            return
        }
        var out = render(statistics) + reportInTable(reportIn)
        if let breakdown {
            out += causesSection(breakdown)
            if report { out += reportSections(statistics, breakdown) }
        }
        Console.out(out)
    }

    /// The report for a terminal.
    func render(_ statistics: EventStatistics) -> String {
        let style = context.style
        var out = statistics.until <= context.now
            ? tr("Events from %1$s to %2$s", TimeText.local(statistics.since), TimeText.local(statistics.until))
            : tr("Events since %1$s (%2$s)", TimeText.local(statistics.since), TimeText.span(milliseconds: context.now - statistics.since))
        if let community {
            guard let figures = statistics.perCommunity.first(where: { $0.community == community }) else {
                return out + tr(" in community %1$s: none", TextSanitizer.sanitize(community)) + "\n"
            }
            out += tr(" in community %1$s: %2$d   active %3$d   overdue %4$d", TextSanitizer.sanitize(community), figures.total, figures.stillActive, figures.overdue) + "\n"
            out += "\n" + style.paint(tr("By level"), .bold) + "\n" + levelBars(figures.byLevel)
            out += "\n" + responseTable(ack: figures.timeToAcknowledge, onsite: figures.timeToOnsite, shares: nil)
            return out
        }
        out += tr(": %1$d   overdue %2$d   silenced %3$d", statistics.total, statistics.overdue, statistics.silenced) + "\n"
        out += "\n" + style.paint(tr("By level"), .bold) + "\n" + levelBars(statistics.byLevel)
        out += "\n" + style.paint(tr("By status"), .bold) + "\n"
        out += bars(EventStatus.allCases.compactMap { status in
            statistics.byStatus[status].map { (EventText.statusWord(status), $0, nil) }
        })
        out += "\n" + responseTable(ack: statistics.timeToAcknowledge, onsite: statistics.timeToOnsite,
                                    shares: (statistics.acknowledgedInTime, statistics.onsiteInTime))
        if !statistics.perCommunity.isEmpty {
            out += "\n" + style.paint(tr("Per community"), .bold) + "\n"
            var table = TextTable(columns: [
                .init(tr("COMMUNITY"), maxWidth: 20), .init(tr("EVENTS"), alignRight: true), .init(tr("RED"), alignRight: true),
                .init(tr("YELLOW"), alignRight: true), .init(tr("GREEN"), alignRight: true), .init(tr("ACTIVE"), alignRight: true),
                .init(tr("OVERDUE"), alignRight: true), .init(tr("ACK MEDIAN"), alignRight: true), .init(tr("ACK P90"), alignRight: true),
                .init(tr("ONSITE MEDIAN"), alignRight: true), .init(tr("ONSITE P90"), alignRight: true),
            ])
            for figures in statistics.perCommunity {
                table.append([
                    TextTable.Cell(figures.community.isEmpty ? "-" : figures.community), TextTable.Cell(String(figures.total)),
                    TextTable.Cell(String(figures.byLevel[.red] ?? 0)), TextTable.Cell(String(figures.byLevel[.yellow] ?? 0)),
                    TextTable.Cell(String(figures.byLevel[.green] ?? 0)), TextTable.Cell(String(figures.stillActive)),
                    TextTable.Cell(String(figures.overdue), colour: figures.overdue > 0 ? .alarm : nil),
                    TextTable.Cell(Self.duration(figures.timeToAcknowledge.medianMillis)),
                    TextTable.Cell(Self.duration(figures.timeToAcknowledge.p90Millis)),
                    TextTable.Cell(Self.duration(figures.timeToOnsite.medianMillis)),
                    TextTable.Cell(Self.duration(figures.timeToOnsite.p90Millis)),
                ])
            }
            out += table.render(totalWidth: context.width, style: style)
        }
        return out
    }

    /// Each department's own figure (部门报到): of the events it was brought into with `report in`, how many it
    /// reported in on and how fast. Empty when no team was asked to report in.
    func reportInTable(_ teams: [TeamReportIn]) -> String {
        guard !teams.isEmpty else { return "" }
        var table = TextTable(columns: [.init(tr("TEAM"), maxWidth: 24), .init(tr("BROUGHT IN"), alignRight: true),
                                        .init(tr("REPORTED IN"), alignRight: true), .init(tr("MEDIAN"), alignRight: true),
                                        .init(tr("LONGEST"), alignRight: true)])
        for team in teams {
            let missed = team.broughtIn - team.reportedIn
            table.append([TextTable.Cell(team.team), TextTable.Cell(String(team.broughtIn)),
                          TextTable.Cell(String(team.reportedIn), colour: missed > 0 ? .yellow : nil),
                          TextTable.Cell(Self.duration(team.medianMillis)), TextTable.Cell(Self.duration(team.maxMillis))])
        }
        return "\n" + context.style.paint(tr("Report-in by team (time from being brought in to reporting in)"), .bold) + "\n"
            + table.render(totalWidth: context.width, style: context.style)
    }

    private func levelBars(_ byLevel: [AlertLevel: Int]) -> String {
        bars(AlertLevel.allCases.reversed().map { (EventText.levelWord($0).lowercased(), byLevel[$0] ?? 0, EventText.colour(of: $0)) })
    }

    /// `  red        12  ██████▌` lines, scaled to the largest value.
    func bars(_ rows: [(label: String, value: Int, colour: TerminalColour?)]) -> String {
        let maximum = Double(rows.map(\.value).max() ?? 0)
        let labelWidth = rows.map { DisplayWidth.of($0.label) }.max() ?? 0
        let valueWidth = rows.map { String($0.value).count }.max() ?? 0
        let barWidth = max(10, min(40, (context.width ?? 80) - labelWidth - valueWidth - 6))
        return rows.map { row in
            "  " + row.label.padding(to: labelWidth) + "  " + String(repeating: " ", count: valueWidth - String(row.value).count)
                + String(row.value) + "  " + context.style.paint(TextBar.render(Double(row.value), of: maximum, width: barWidth), row.colour) + "\n"
        }.joined()
    }

    private func responseTable(ack: DurationSummary, onsite: DurationSummary,
                               shares: (ack: DeadlineShare, onsite: DeadlineShare)?) -> String {
        var columns: [TextTable.Column] = [.init(tr("RESPONSE")), .init(tr("COUNT"), alignRight: true),
                                           .init(tr("MEDIAN"), alignRight: true), .init(tr("P90"), alignRight: true)]
        if shares != nil { columns.append(.init(tr("WITHIN DEADLINE"), alignRight: true)) }
        var table = TextTable(columns: columns)
        for (label, summary, share) in [(tr("time to acknowledge"), ack, shares?.ack), (tr("time to on site"), onsite, shares?.onsite)] {
            var row = [TextTable.Cell(label), TextTable.Cell(String(summary.count)),
                       TextTable.Cell(Self.duration(summary.medianMillis)), TextTable.Cell(Self.duration(summary.p90Millis))]
            if let share {
                let percent = share.fraction.map { " \(Int(($0 * 100).rounded()))%" } ?? ""
                let colour: TerminalColour? = (share.fraction ?? 1) < 0.9 ? .yellow : nil
                row.append(TextTable.Cell("\(share.met)/\(share.total)\(percent)", colour: colour))
            }
            table.append(row)
        }
        return table.render(totalWidth: context.width, style: context.style)
    }

    private static func duration(_ millis: EpochMillis?) -> String { millis.map { TimeText.span(milliseconds: $0) } ?? "-" }

    /// The JSON report (one community's figures with `community`); durations in seconds.
    static func json(_ statistics: EventStatistics, community: String?, reportIn: [TeamReportIn] = [],
                     breakdown: EventBreakdown? = nil) -> JSONOutput {
        let extra = breakdown.map { breakdownMembers($0, circle: statistics.onsiteWithinCircle) } ?? []
        let teams = JSONOutput.array(reportIn.map { team in
            .object([("team", .string(team.team)), ("brought_in", .integer(Int64(team.broughtIn))),
                     ("reported_in", .integer(Int64(team.reportedIn))),
                     ("median_s", team.medianMillis.map { .number(Double($0) / 1000) } ?? .null),
                     ("max_s", team.maxMillis.map { .number(Double($0) / 1000) } ?? .null)])
        })
        func summary(_ value: DurationSummary) -> JSONOutput {
            .object([("count", .integer(Int64(value.count))),
                     ("median_s", value.medianMillis.map { .number(Double($0) / 1000) } ?? .null),
                     ("p90_s", value.p90Millis.map { .number(Double($0) / 1000) } ?? .null)])
        }
        func share(_ value: DeadlineShare) -> JSONOutput {
            .object([("met", .integer(Int64(value.met))), ("total", .integer(Int64(value.total))),
                     ("fraction", value.fraction.map { .number($0) } ?? .null)])
        }
        func levels(_ byLevel: [AlertLevel: Int]) -> JSONOutput {
            .object(AlertLevel.allCases.reversed().map { ($0.rawValue, .integer(Int64(byLevel[$0] ?? 0))) })
        }
        /// A community's figures; zeros when it had no events.
        func communityObject(_ community: String, _ figures: CommunityStatistics?) -> JSONOutput {
            .object([
                ("community", .string(community)), ("since", .string(TimeText.iso(statistics.since))),
                ("until", .string(TimeText.iso(statistics.until))), ("total", .integer(Int64(figures?.total ?? 0))),
                ("by_level", levels(figures?.byLevel ?? [:])), ("active", .integer(Int64(figures?.stillActive ?? 0))),
                ("overdue", .integer(Int64(figures?.overdue ?? 0))),
                ("time_to_acknowledge", summary(figures?.timeToAcknowledge ?? DurationSummary([]))),
                ("time_to_onsite", summary(figures?.timeToOnsite ?? DurationSummary([]))),
            ])
        }
        if let community {
            guard case .object(var members) = communityObject(community, statistics.perCommunity.first { $0.community == community }) else {
                return .null
            }
            members.append(("report_in_by_team", teams))
            return .object(members + extra)
        }
        return .object([
            ("since", .string(TimeText.iso(statistics.since))), ("until", .string(TimeText.iso(statistics.until))),
            ("total", .integer(Int64(statistics.total))), ("by_level", levels(statistics.byLevel)),
            ("by_status", .object(EventStatus.allCases.map { ($0.rawValue, .integer(Int64(statistics.byStatus[$0] ?? 0))) })),
            ("overdue", .integer(Int64(statistics.overdue))), ("silenced", .integer(Int64(statistics.silenced))),
            ("time_to_acknowledge", summary(statistics.timeToAcknowledge)), ("time_to_onsite", summary(statistics.timeToOnsite)),
            ("acknowledged_in_time", share(statistics.acknowledgedInTime)), ("onsite_in_time", share(statistics.onsiteInTime)),
            ("communities", .array(statistics.perCommunity.map { communityObject($0.community, $0) })),
            ("report_in_by_team", teams),
        ] + extra)
    }
}
