import Daemon
import EventCore
import Vocabulary

/// `lookout silence add`: silence a device, a building or a community for a while, with a reason.
struct SilenceAddCommand: Command {
    static let name = "silence add"
    static let help = CommandHelp(
        summary: "silence a device, building or community for maintenance (events are still recorded)",
        usage: "(--device ID | --building C/B | --community C) --for 2h --reason TEXT",
        options: [
            .value("device", "ID", help: "one device"),
            .value("building", "C/B", help: "one building: community/building"),
            .value("community", "C", help: "a whole community"),
            .value("for", "DURATION", help: "how long: 30m, 2h, 1d (or --until)"),
            .value("until", "WHEN", help: "until a time: 2026-11-23T18:00"),
            .value("reason", "TEXT", help: "why, for the record (required)"),
        ],
        examples: ["lookout silence add --building c01/3 --for 2h --reason 'fire alarm test'",
                   "lookout silence add --device MH-0007 --until 2026-11-24T08:00 --reason 'road works'"])

    let context: CLIContext
    let scope: SilenceScope
    let until: Millis
    let reason: String

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        var scopes: [SilenceScope] = []
        if let device = arguments.value("device") { scopes.append(.device(device)) }
        if let building = arguments.value("building") {
            let parts = building.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CLIError.usage("silence add: --building needs COMMUNITY/BUILDING, e.g. c01/3")
            }
            scopes.append(.building(community: parts[0], building: parts[1]))
        }
        if let community = arguments.value("community") { scopes.append(.community(community)) }
        guard scopes.count == 1, let scope = scopes.first else {
            throw CLIError.usage("silence add: give exactly one of --device, --building, --community")
        }
        self.scope = scope
        switch (arguments.value("for"), arguments.value("until")) {
        case (let duration?, nil):
            guard let seconds = TimeText.seconds(duration), seconds > 0 else {
                throw CLIError.usage("silence add: --for needs a duration like 30m, 2h, 1d, not '\(duration)'")
            }
            until = context.now + seconds * 1000
        case (nil, let when?):
            guard let time = TimeText.futureTime(when, now: context.now), time > context.now else {
                throw CLIError.usage("silence add: --until needs a future time like 2026-11-23T18:00, not '\(when)'")
            }
            until = time
        default:
            throw CLIError.usage("silence add: give exactly one of --for DURATION or --until WHEN")
        }
        reason = try arguments.required("reason")
    }

    func run() throws {
        let store = try context.openStore(writing: true)
        let silence = try store.addSilence(scope: scope, until: until, reason: reason, actor: context.actor, at: context.now)
        Console.out("silence \(silence.id): \(TextSanitizer.sanitize(SilenceText.scope(silence.scope))) until \(TimeText.local(silence.until)) (\(TimeText.span(milliseconds: silence.until - context.now))) by \(context.actor)\n")
    }
}

/// `lookout silence list`.
struct SilenceListCommand: RecordListCommand {
    static let name = "silence list"
    static let help = CommandHelp(summary: "list silences in force", usage: "",
                                  options: [.flag("json", help: "print a JSON array")],
                                  examples: ["lookout silence list"])
    static let subjectTitle = "SCOPE"
    static let emptyText = "No silences in force."
    let context: CLIContext
    let json: Bool

    static func records(in store: EventStore, now: Millis) throws -> [RecordListing] {
        try store.listSilences(now: now).map {
            RecordListing(id: $0.id, subject: SilenceText.scope($0.scope), createdAt: $0.createdAt, until: $0.until,
                          reason: $0.reason, actor: $0.actor)
        }
    }
}

/// `lookout silence remove ID`.
struct SilenceRemoveCommand: RecordRemoveCommand {
    static let name = "silence remove"
    static let help = CommandHelp(summary: "end a silence early (it stays on the record)", usage: "ID",
                                  examples: ["lookout silence remove 3"])
    static let recordNoun = "silence"
    static let listCommand = "lookout silence list"
    let context: CLIContext
    let id: Int64

    static func remove(id: Int64, in store: EventStore, at time: Millis) throws -> Bool {
        try store.removeSilence(id: id, at: time)
    }
}

/// How silences read.
enum SilenceText {
    /// `device SD-0113`, `building c01/3`, `community c01`.
    static func scope(_ scope: SilenceScope) -> String {
        switch scope {
        case .device(let id): return "device \(id)"
        case .building(let community, let building): return "building \(community)/\(building)"
        case .community(let community): return "community \(community)"
        }
    }
}
