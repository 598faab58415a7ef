import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout audit`: who asked lookoutd for what, from where, and how it ended (refused requests too); and
/// `lookout audit verify`: whether the timeline is still the one lookoutd wrote. Both go through the daemon, which
/// holds the chain's key (the CLI never reads it); supervisor or admin only.
struct AuditCommand: Command {
    static let name = "audit"
    static let help = CommandHelp(
        summary: "list staff API requests (who, from where, what, outcome); 'audit verify' checks the timeline's chain",
        usage: "[verify]",
        options: [
            .value("since", "WHEN", help: "only requests since WHEN: 2h, 7d, 2026-11-23T08:00"),
            .value("user", "U", help: "only requests of user U"),
            .value("limit", "N", short: "n", help: "the last N requests (default 100)"),
            .flag("json", help: "print JSON (stable field names, for scripts)"),
        ],
        discussion: [
            "Needs role supervisor or admin. 'lookout audit verify' walks the timeline's hash chain with lookoutd's key and prints 'N entries, chain intact' or the first broken link (exit 1).",
        ],
        examples: ["lookout audit --since 24h", "lookout audit --user alice -n 20", "lookout audit verify"])

    let context: CLIContext
    let verify: Bool
    let arguments: [String: String]
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        switch arguments.positionals {
        case []: verify = false
        case ["verify"]: verify = true
        default: throw CLIError.usage("audit: unexpected argument '\(arguments.positionals[0])' (only 'verify')")
        }
        var request: [String: String] = [:]
        if let since = arguments.value("since") {
            guard let time = TimeText.pointInTime(since, now: context.now) else {
                throw CLIError.usage("audit: --since needs a duration (2h, 7d) or a time (2026-11-23T08:00), not '\(since)'")
            }
            request["since"] = String(time)
        }
        if let user = arguments.value("user") { request["user"] = user }
        if let limit = try arguments.integer("limit") { request["limit"] = String(limit) }
        self.arguments = request
        json = arguments.flag("json")
    }

    func run() throws {
        if verify { return try runVerify() }
        let entries = try context.request(.audit, arguments).audit ?? []
        if json {
            Console.out(JSONOutput.array(entries.map { entry in
                .object([("id", .integer(entry.id)), ("at", .string(TimeText.iso(entry.at))), ("user", .string(entry.user)),
                         ("origin", .string(entry.origin)), ("on_behalf_of", .string(entry.onBehalfOf)),
                         ("operation", .string(entry.operation)), ("event", .string(entry.eventID)),
                         ("outcome", .string(entry.outcome.rawValue)), ("detail", .string(entry.detail))])
            }).rendered())
            return
        }
        var table = TextTable(columns: [.init("TIME"), .init("USER", maxWidth: 20), .init("ORIGIN"),
                                        .init("FOR", maxWidth: 20), .init("OPERATION"), .init("EVENT"), .init("OUTCOME"),
                                        .init("DETAIL", minWidth: 10)])
        for entry in entries {
            table.append([TextTable.Cell(TimeText.local(entry.at)), TextTable.Cell(entry.user), TextTable.Cell(entry.origin),
                          TextTable.Cell(entry.onBehalfOf), TextTable.Cell(entry.operation), TextTable.Cell(entry.eventID),
                          TextTable.Cell(entry.outcome.rawValue), TextTable.Cell(entry.detail)])
        }
        Console.out(table.render(totalWidth: context.width, style: context.style))
    }

    /// `audit verify`: the chain's verdict; exit 1 on a break or missing triggers.
    private func runVerify() throws {
        guard let verification = try context.request(.auditVerify, [:]).verification else {
            throw CLIError.failure("lookoutd did not answer with a verification")
        }
        if json {
            let brk = verification.firstBreak
            Console.out(JSONOutput.object([
                ("entries", .integer(Int64(verification.entries))), ("keyed", .bool(verification.keyed)),
                ("intact", .bool(verification.isIntact)), ("head", .string(verification.head)),
                ("missing_triggers", .array(verification.missingTriggers.map { .string($0) })),
                ("first_break", brk.map { brk in .object([
                    ("entry_id", .integer(brk.entryID)), ("event", .string(brk.eventID)), ("at", .string(TimeText.iso(brk.at))),
                    ("action", .string(brk.action)), ("note", .string(brk.note)), ("problem", .string(brk.problem))]) } ?? .null),
            ]).rendered())
        } else {
            var out = ""
            if let brk = verification.firstBreak {
                out += "chain broken at entry #\(brk.entryID) (\(brk.eventID), \(TimeText.local(brk.at)), \(TextSanitizer.sanitize(brk.action))"
                    + (brk.note.isEmpty ? "" : ": \(TextSanitizer.sanitize(brk.note))") + "): \(brk.problem)\n"
                out += "entries before it (\(verification.entries - 1)) verify\n"
            } else {
                out += "\(verification.entries) \(verification.entries == 1 ? "entry" : "entries"), chain intact\n"
            }
            if !verification.missingTriggers.isEmpty {
                out += "append-only triggers missing: \(verification.missingTriggers.joined(separator: ", ")) (someone changed the schema)\n"
            }
            if !verification.keyed {
                out += "warning: the chain is unkeyed (lookoutd has no timeline key): it catches careless edits, not a chain recomputed by hand\n"
            }
            Console.out(out)
        }
        if !verification.isIntact { throw CLIError.exit(1) }
    }
}
