import EventCore
import TerminalText
import Vocabulary

/// `lookout stats --json` members of the breakdowns, and `--csv`: the whole report for a spreadsheet.
extension StatsCommand {
    // MARK: JSON

    /// The JSON members of the breakdowns (English keys, stable; rates are shares of the events resolved with a
    /// cause, null when there were none).
    static func breakdownMembers(_ breakdown: EventBreakdown, circle: DeadlineShare?) -> [(String, JSONOutput)] {
        func rate(_ value: Double?) -> JSONOutput { value.map { .number($0) } ?? .null }
        func causes(_ group: CauseCounts) -> JSONOutput {
            .object(EventCause.allCases.map { ($0.rawValue, .integer(Int64(group.count($0)))) }
                + [("none", .integer(Int64(group.events - group.classified)))])
        }
        func group(_ group: CauseCounts) -> JSONOutput {
            var members: [(String, JSONOutput)] = [("key", .string(group.key))]
            if let community = group.community { members.append(("community", .string(community))) }
            members += [("events", .integer(Int64(group.events))), ("classified", .integer(Int64(group.classified))),
                        ("by_cause", causes(group)), ("nuisance_rate", rate(group.rate(.nuisance))),
                        ("false_rate", rate(group.rate(.falseAlarm)))]
            return .object(members)
        }
        let within = circle.map { share in
            JSONOutput.object([("met", .integer(Int64(share.met))), ("total", .integer(Int64(share.total))),
                               ("fraction", share.fraction.map { .number($0) } ?? .null)])
        } ?? .null
        return [
            ("onsite_within_15_minutes", within),
            ("by_cause", causes(breakdown.total)),
            ("nuisance_rate", rate(breakdown.total.rate(.nuisance))), ("false_rate", rate(breakdown.total.rate(.falseAlarm))),
            ("breakdowns", .object(breakdownSections(breakdown).map { name, groups in (name, .array(groups.map(group))) })),
            ("nuisance_devices", .array(breakdown.devices.map { device in
                .object([("device", .string(device.deviceID)), ("kind", .string(device.kind)),
                         ("community", .string(device.community)), ("building", .string(device.building)),
                         ("classified", .integer(Int64(device.classified))), ("nuisance", .integer(Int64(device.nuisance))),
                         ("false", .integer(Int64(device.falseAlarms))),
                         ("nuisance_rate", rate(device.classified == 0 ? nil : Double(device.nuisance) / Double(device.classified))),
                         ("false_rate", rate(device.classified == 0 ? nil : Double(device.falseAlarms) / Double(device.classified)))])
            })),
            ("offline_longest", .array(breakdown.offline.map { device in
                .object([("device", .string(device.deviceID)), ("kind", .string(device.kind)),
                         ("community", .string(device.community)), ("building", .string(device.building)),
                         ("last_seen", .string(TimeText.iso(device.lastSeen)))])
            })),
        ]
    }

    /// The breakdowns by their stable names, in report order.
    static func breakdownSections(_ breakdown: EventBreakdown) -> [(String, [CauseCounts])] {
        [("community", breakdown.byCommunity), ("grid", breakdown.byGrid), ("building", breakdown.byBuilding),
         ("team", breakdown.byTeam), ("kind", breakdown.byKind), ("rule", breakdown.byRule)]
    }

    // MARK: CSV

    /// The report as one long CSV table (`section,key,community,metric,value`), UTF-8 with a byte order mark so
    /// that Excel reads Chinese text right, CRLF line ends and RFC 4180 quoting. English names for sections and
    /// metrics (a spreadsheet's pivot table filters on them); see docs/staff.md.
    static func csvReport(_ statistics: EventStatistics, _ breakdown: EventBreakdown, now: EpochMillis) -> String {
        var rows: [[String]] = [["section", "key", "community", "metric", "value"]]
        func add(_ section: String, _ key: String, _ community: String = "", _ metric: String, _ value: String) {
            rows.append([section, key, community, metric, value])
        }
        func seconds(_ millis: EpochMillis?) -> String { millis.map { String(Double($0) / 1000) } ?? "" }
        func fraction(_ value: Double?) -> String { value.map { String(($0 * 10_000).rounded() / 10_000) } ?? "" }
        add("period", "", "", "since", TimeText.iso(statistics.since))
        add("period", "", "", "until", TimeText.iso(statistics.until))
        add("summary", "", "", "events", String(statistics.total))
        add("summary", "", "", "overdue", String(statistics.overdue))
        add("summary", "", "", "silenced", String(statistics.silenced))
        for level in AlertLevel.allCases.reversed() { add("level", level.rawValue, "", "events", String(statistics.byLevel[level] ?? 0)) }
        for (step, summary, share) in [("acknowledge", statistics.timeToAcknowledge, statistics.acknowledgedInTime),
                                       ("onsite", statistics.timeToOnsite, statistics.onsiteInTime)] {
            add("response", step, "", "count", String(summary.count))
            add("response", step, "", "median_s", seconds(summary.medianMillis))
            add("response", step, "", "p90_s", seconds(summary.p90Millis))
            add("response", step, "", "within_deadline", String(share.met))
            add("response", step, "", "deadline_total", String(share.total))
            add("response", step, "", "within_deadline_fraction", fraction(share.fraction))
        }
        if let circle = statistics.onsiteWithinCircle {
            add("response", "onsite", "", "within_15_minutes", String(circle.met))
            add("response", "onsite", "", "reached", String(circle.total))
            add("response", "onsite", "", "within_15_minutes_fraction", fraction(circle.fraction))
        }
        for community in statistics.perCommunity {
            add("community_response", community.community, community.community, "ack_median_s", seconds(community.timeToAcknowledge.medianMillis))
            add("community_response", community.community, community.community, "ack_p90_s", seconds(community.timeToAcknowledge.p90Millis))
            add("community_response", community.community, community.community, "onsite_median_s", seconds(community.timeToOnsite.medianMillis))
            add("community_response", community.community, community.community, "onsite_p90_s", seconds(community.timeToOnsite.p90Millis))
        }
        for cause in EventCause.allCases { add("cause", cause.rawValue, "", "events", String(breakdown.total.count(cause))) }
        add("cause", "none", "", "events", String(breakdown.total.events - breakdown.total.classified))
        for (section, groups) in breakdownSections(breakdown) {
            for group in groups {
                let community = group.community ?? (section == "community" ? group.key : "")
                add(section, group.key, community, "events", String(group.events))
                add(section, group.key, community, "classified", String(group.classified))
                for cause in EventCause.allCases { add(section, group.key, community, cause.rawValue, String(group.count(cause))) }
                add(section, group.key, community, "nuisance_rate", fraction(group.rate(.nuisance)))
                add(section, group.key, community, "false_rate", fraction(group.rate(.falseAlarm)))
            }
        }
        for device in breakdown.devices {
            add("device", device.deviceID, device.community, "kind", device.kind)
            add("device", device.deviceID, device.community, "building", device.building)
            add("device", device.deviceID, device.community, "classified", String(device.classified))
            add("device", device.deviceID, device.community, "nuisance", String(device.nuisance))
            add("device", device.deviceID, device.community, "false", String(device.falseAlarms))
        }
        for device in breakdown.offline {
            add("offline", device.deviceID, device.community, "kind", device.kind)
            add("offline", device.deviceID, device.community, "last_seen", TimeText.iso(device.lastSeen))
            add("offline", device.deviceID, device.community, "offline_s", String(max(now - device.lastSeen, 0) / 1000))
        }
        return "\u{FEFF}" + rows.map { $0.map(csvField).joined(separator: ",") + "\r\n" }.joined()
    }

    /// One CSV field: sanitised, quoted when it holds a comma, quote, line end or edge spaces (quotes doubled), and
    /// a text starting like a formula (`=`, `+`, `-`, `@`) prefixed with `'` so that a spreadsheet shows it as text.
    static func csvField(_ value: String) -> String {
        var text = TextSanitizer.sanitize(value)
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix(" ") || text.hasSuffix(" ") else {
            return text
        }
        return "\"" + text.replacingEvery("\"", with: "\"\"") + "\""
    }
}
