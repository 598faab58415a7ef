import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout silence add`: silence a device, a building or a community (optionally only a device kind or a
/// rule there), or a kind or rule everywhere, for a while, with a reason.
struct SilenceAddCommand: Command {
    static let name = "silence add"
    static let help = CommandHelp(
        summary: tr("silence events for maintenance (still recorded; red events of life-safety rules are never hidden)"),
        usage: "(--device ID | --building C/B | --community C | --kind K | --rule R) --for 2h --reason TEXT [--force]",
        options: [
            .value("device", "ID", help: tr("one device")),
            .value("building", "C/B", help: tr("one building: community/building")),
            .value("community", "C", help: tr("a whole community (needs --force)")),
            .value("kind", "KIND", help: tr("only devices of this kind (smoke, sos, …); alone: in every community (needs --force)")),
            .value("rule", "RULE", help: tr("only events of this rule; alone: in every community (needs --force)")),
            .value("for", "DURATION", help: tr("how long: 30m, 2h, 1d (or --until)")),
            .value("until", "WHEN", help: tr("until a time: 2026-11-23T18:00")),
            .value("reason", "TEXT", help: tr("why, for the record (required)")),
            .flag("force", help: tr("allow a silence longer than [silences] max_duration (24 h) or covering a whole community")),
        ],
        examples: ["lookout silence add --building c01/3 --for 2h --reason 'fire alarm test'",
                   "lookout silence add --building c01/3 --kind smoke --for 1h --reason 'detector cleaning'",
                   "lookout silence add --device MH-0007 --until 2026-11-24T08:00 --reason 'road works'"])

    let context: CLIContext
    let scope: SilenceScope
    let until: EpochMillis
    let reason: String
    let force: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        var places: [SilenceScope] = []
        if let device = arguments.value("device") { places.append(.device(device)) }
        if let building = arguments.value("building") {
            let parts = building.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CLIError.usage(tr("%1$s: --building needs COMMUNITY/BUILDING, e.g. c01/3", "silence add"))
            }
            places.append(.building(community: parts[0], building: parts[1]))
        }
        if let community = arguments.value("community") { places.append(.community(community)) }
        guard places.count <= 1 else {
            throw CLIError.usage(tr("%1$s: give at most one of --device, --building, --community", "silence add"))
        }
        var scope = places.first ?? SilenceScope()
        if let kind = arguments.value("kind") { scope = scope.kind(kind) }
        if let rule = arguments.value("rule") { scope = scope.rule(rule) }
        guard !scope.isEmpty else {
            throw CLIError.usage(tr("%1$s: give --device, --building, --community, --kind or --rule", "silence add"))
        }
        self.scope = scope
        switch (arguments.value("for"), arguments.value("until")) {
        case (let duration?, nil):
            guard let seconds = TimeText.seconds(duration), seconds > 0 else {
                throw CLIError.usage(tr("%1$s: --for needs a duration like 30m, 2h, 1d, not '%2$s'", "silence add", duration))
            }
            until = context.now + seconds * 1000
        case (nil, let when?):
            guard let time = TimeText.futureTime(when, now: context.now), time > context.now else {
                throw CLIError.usage(tr("%1$s: --until needs a future time like 2026-11-23T18:00, not '%2$s'", "silence add", when))
            }
            until = time
        default:
            throw CLIError.usage(tr("%1$s: give exactly one of --for DURATION or --until WHEN", "silence add"))
        }
        reason = try arguments.required("reason")
        force = arguments.flag("force")
    }

    func run() throws {
        var arguments = ["until": String(until), "reason": reason]
        for (key, value) in [("device", scope.deviceID), ("community", scope.community), ("building", scope.building),
                             ("kind", scope.kind), ("rule", scope.rule)] where !value.isEmpty {
            arguments[key] = value
        }
        if force { arguments["force"] = "true" }
        let result = try context.request(.silenceAdd, arguments)
        guard let silence = result.silence else { throw CLIError.failure(tr("lookoutd answered without the silence")) }
        Console.out(tr("silence %1$d: %2$s until %3$s (%4$s) %5$s", silence.id, TextSanitizer.sanitize(SilenceText.scope(silence.scope)),
                       TimeText.local(silence.until), TimeText.span(milliseconds: silence.until - context.now), CLIContext.byline(result)) + "\n")
        if force { Console.out(tr("forced: it lasts longer than the maximum or covers a whole community; it shows in 'lookout silence list' with what it holds back") + "\n") }
    }
}

/// `lookout silence list`: silences in force and what each holds back right now.
struct SilenceListCommand: Command {
    static let name = "silence list"
    static let help = CommandHelp(summary: tr("list silences in force and what each is holding back (events, devices)"), usage: "",
                                  options: [.flag("json", help: tr("print a JSON array"))],
                                  examples: ["lookout silence list"])
    let context: CLIContext
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        json = arguments.flag("json")
    }

    func run() throws {
        let now = context.now
        let holds = try context.request(.silenceList, [:]).silenceHolds ?? []
        let records = holds.map { hold in
            var record = RecordListing(id: hold.silence.id, subject: SilenceText.scope(hold.silence.scope),
                                       createdAt: hold.silence.createdAt, until: hold.silence.until,
                                       reason: hold.silence.reason, actor: hold.silence.actor)
            record.holding = SilenceText.holding(hold)
            record.json = [("devices", .integer(Int64(hold.devices))),
                           ("hidden_events", .array(hold.hiddenEvents.map { .string($0.id) })),
                           ("shown_events", .array(hold.shownEvents.map { .string($0.id) }))]
            return record
        }
        var out = RecordListing.render(records, subjectTitle: "SCOPE", json: json, empty: tr("No silences in force."),
                                       now: now, context: context)
        if !json {
            for hold in holds {
                for event in hold.hiddenEvents {
                    out += tr("silence %1$d hides %2$s", hold.silence.id, EventText.summary(event, style: context.style)) + "\n"
                }
                for event in hold.shownEvents {
                    out += tr("silence %1$d does not hide (life safety) %2$s", hold.silence.id, EventText.summary(event, style: context.style)) + "\n"
                }
            }
        }
        Console.out(out)
    }
}

/// `lookout silence remove ID`.
struct SilenceRemoveCommand: RecordRemoveCommand {
    static let name = "silence remove"
    static let help = CommandHelp(summary: tr("end a silence early (it stays on the record)"), usage: "ID",
                                  examples: ["lookout silence remove 3"])
    static let recordNoun = tr("silence")
    static let listCommand = "lookout silence list"
    let context: CLIContext
    let id: Int64

    /// The events it hid are shown at once, on this person's record.
    static let operation: (APIOperation, idArgument: String) = (.silenceRemove, "silence")
}

/// How silences read.
enum SilenceText {
    /// `device SD-0113`, `building c01/3`, `community c01 kind smoke`, `rule sos_call`.
    static func scope(_ scope: SilenceScope) -> String {
        var parts: [String] = []
        if !scope.deviceID.isEmpty { parts.append(tr("device %1$s", scope.deviceID)) }
        if !scope.building.isEmpty {
            parts.append(tr("building %1$s", "\(scope.community)/\(scope.building)"))
        } else if !scope.community.isEmpty {
            parts.append(tr("community %1$s", scope.community))
        }
        if !scope.kind.isEmpty { parts.append(tr("kind %1$s", scope.kind)) }
        if !scope.rule.isEmpty { parts.append(tr("rule %1$s", scope.rule)) }
        return parts.joined(separator: " ")
    }

    /// What a silence holds back: `2 events hidden, 14 devices` (and red life-safety events it does not hide).
    static func holding(_ hold: SilenceHold) -> String {
        var text = tr("%1$d event(s) hidden, %2$d device(s)", hold.hiddenEvents.count, hold.devices)
        if !hold.shownEvents.isEmpty { text += tr(", %1$d life-safety event(s) shown anyway", hold.shownEvents.count) }
        return text
    }

}
