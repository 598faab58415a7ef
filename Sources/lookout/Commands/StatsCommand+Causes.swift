import EventCore
import TerminalText
import Vocabulary

/// `lookout stats`: nuisance and false-alarm rates, and the sections of the monthly report (`--month`, `--report`).
extension StatsCommand {
    /// Most rows of a breakdown or offender table shown on a terminal (`--json` and `--csv` have them all).
    static let shownRows = 10

    /// The rates per kind, the buildings and devices with the most nuisance and false alarms.
    func causesSection(_ breakdown: EventBreakdown) -> String {
        let style = context.style
        guard breakdown.total.classified > 0 else {
            return "\n" + tr("No event of the period was resolved with a cause yet (lookout resolve --cause).") + "\n"
        }
        var out = "\n" + style.paint(tr("Nuisance and false alarms by kind (shares of the events resolved with a cause)"), .bold) + "\n"
        out += rateTable(breakdown.byKind, title: tr("KIND"))
        let buildings = breakdown.byBuilding.filter { $0.count(.nuisance) + $0.count(.falseAlarm) > 0 }
            .sorted { flagged($0) > flagged($1) }
        if !buildings.isEmpty {
            out += "\n" + style.paint(tr("Buildings with the most nuisance and false alarms"), .bold) + "\n"
            out += rateTable(Array(buildings.prefix(Self.shownRows)), title: tr("BUILDING"), withCommunity: true)
        }
        if !breakdown.devices.isEmpty {
            out += "\n" + style.paint(tr("Devices with the most nuisance and false alarms (move or replace?)"), .bold) + "\n"
            var table = TextTable(columns: [
                .init(tr("DEVICE"), maxWidth: 20), .init(tr("KIND"), maxWidth: 10), .init(tr("WHERE"), maxWidth: 20),
                .init(tr("RESOLVED"), alignRight: true), .init(tr("NUISANCE"), alignRight: true), .init(tr("FALSE"), alignRight: true),
            ])
            for device in breakdown.devices.prefix(Self.shownRows) {
                let place = [device.community, device.building].filter { !$0.isEmpty }.joined(separator: "/")
                table.append([TextTable.Cell(device.deviceID), TextTable.Cell(device.kind), TextTable.Cell(place.isEmpty ? "-" : place),
                              TextTable.Cell(String(device.classified)),
                              TextTable.Cell(Self.countAndRate(device.nuisance, of: device.classified), colour: device.nuisance > 0 ? .yellow : nil),
                              TextTable.Cell(Self.countAndRate(device.falseAlarms, of: device.classified), colour: device.falseAlarms > 0 ? .yellow : nil)])
            }
            out += table.render(totalWidth: context.width, style: style)
        }
        return out
    }

    /// The monthly report's own sections: the 15-minute circle, causes, breakdowns with bars, devices offline longest.
    func reportSections(_ statistics: EventStatistics, _ breakdown: EventBreakdown) -> String {
        let style = context.style
        var out = ""
        if let circle = statistics.onsiteWithinCircle {
            out += "\n" + tr("15-minute circle (on site in under 15 min, of those reached): %1$s", Self.share(circle)) + "\n"
        }
        out += "\n" + style.paint(tr("By cause"), .bold) + "\n"
        var causeRows = EventCause.allCases.map { (EventText.causeWord($0), breakdown.total.count($0), Optional<TerminalColour>.none) }
        causeRows.append((tr("not recorded"), breakdown.total.events - breakdown.total.classified, nil))
        out += bars(causeRows)
        let sections: [(String, [CauseCounts])] = [
            (tr("By community"), breakdown.byCommunity), (tr("By grid"), breakdown.byGrid), (tr("By team"), breakdown.byTeam),
            (tr("By kind"), breakdown.byKind), (tr("By rule"), breakdown.byRule),
        ]
        for (title, groups) in sections where !groups.isEmpty {
            out += "\n" + style.paint(title, .bold) + "\n"
            out += bars(groups.prefix(Self.shownRows).map { (DisplayWidth.truncate(TextSanitizer.sanitize($0.key.isEmpty ? "-" : $0.key), to: 24), $0.events, nil) })
            if groups.count > Self.shownRows {
                out += "  " + tr("%1$d more (--json or --csv lists them all)", groups.count - Self.shownRows) + "\n"
            }
        }
        if !breakdown.offline.isEmpty {
            out += "\n" + style.paint(tr("Devices offline longest"), .bold) + "\n"
            var table = TextTable(columns: [.init(tr("DEVICE"), maxWidth: 20), .init(tr("KIND"), maxWidth: 10),
                                            .init(tr("WHERE"), maxWidth: 20), .init(tr("LAST SEEN")),
                                            .init(tr("OFFLINE FOR"), alignRight: true)])
            for device in breakdown.offline.prefix(Self.shownRows) {
                let place = [device.community, device.building].filter { !$0.isEmpty }.joined(separator: "/")
                table.append([TextTable.Cell(device.deviceID), TextTable.Cell(device.kind), TextTable.Cell(place.isEmpty ? "-" : place),
                              TextTable.Cell(TimeText.local(device.lastSeen)),
                              TextTable.Cell(TimeText.span(milliseconds: max(context.now - device.lastSeen, 0)))])
            }
            out += table.render(totalWidth: context.width, style: style)
        }
        return out
    }

    /// Nuisance plus false alarms of a group.
    private func flagged(_ group: CauseCounts) -> Int { group.count(.nuisance) + group.count(.falseAlarm) }

    /// A table of groups with their events, classified events, nuisance and false alarms (count and share).
    private func rateTable(_ groups: [CauseCounts], title: String, withCommunity: Bool = false) -> String {
        var columns: [TextTable.Column] = [.init(title, maxWidth: 20)]
        if withCommunity { columns.append(.init(tr("COMMUNITY"), maxWidth: 16)) }
        columns += [.init(tr("EVENTS"), alignRight: true), .init(tr("RESOLVED"), alignRight: true),
                    .init(tr("NUISANCE"), alignRight: true), .init(tr("FALSE"), alignRight: true)]
        var table = TextTable(columns: columns)
        for group in groups {
            var row = [TextTable.Cell(group.key.isEmpty ? "-" : group.key)]
            if withCommunity { row.append(TextTable.Cell(group.community.map { $0.isEmpty ? "-" : $0 } ?? "-")) }
            let classified = group.classified
            row += [TextTable.Cell(String(group.events)), TextTable.Cell(String(classified)),
                    TextTable.Cell(Self.countAndRate(group.count(.nuisance), of: classified), colour: Self.warn(group.rate(.nuisance))),
                    TextTable.Cell(Self.countAndRate(group.count(.falseAlarm), of: classified), colour: Self.warn(group.rate(.falseAlarm)))]
            table.append(row)
        }
        return table.render(totalWidth: context.width, style: context.style)
    }

    /// `12 (30%)`, or `0` when nothing was classified.
    static func countAndRate(_ count: Int, of classified: Int) -> String {
        guard classified > 0 else { return String(count) }
        return "\(count) (\(Int((Double(count) * 100 / Double(classified)).rounded()))%)"
    }

    /// `41/50 82%`.
    static func share(_ share: DeadlineShare) -> String {
        "\(share.met)/\(share.total)" + (share.fraction.map { " \(Int(($0 * 100).rounded()))%" } ?? "")
    }

    /// Yellow from a quarter of the classified events on.
    private static func warn(_ rate: Double?) -> TerminalColour? { (rate ?? 0) >= 0.25 ? .yellow : nil }
}
