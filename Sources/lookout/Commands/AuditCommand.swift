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
        summary: tr("list staff API requests (who, from where, what, outcome); 'audit verify' checks the timeline's chain"),
        usage: "[verify]",
        options: [
            .value("since", "WHEN", help: tr("only requests since WHEN: 2h, today, yesterday, 06:00, 2026-11-23T08:00")),
            .value("user", "U", help: tr("only requests of user U")),
            .value("limit", "N", short: "n", help: tr("the last N requests (default 100)")),
            .flag("json", help: tr("print JSON (stable field names, for scripts)")),
        ],
        discussion: [
            tr("Needs role supervisor or admin. 'lookout audit verify' walks the timeline's hash chain with lookoutd's key and prints 'N entries, chain intact' or the first broken link (exit 1)."),
        ],
        examples: ["lookout audit --since 24h", "lookout audit --user alice -n 20", "lookout audit verify"])

    /// An outcome as staff read it (`refused`, 已拒绝); JSON keeps the English value.
    static func outcomeWord(_ outcome: AuditEntry.Outcome) -> String {
        switch outcome {
        case .ok: return tr("ok")
        case .refused: return tr("refused")
        case .failed: return tr("failed")
        case .expired: return tr("expired")
        case .badRequest: return tr("bad_request")
        }
    }

    let context: CLIContext
    let verify: Bool
    let arguments: [String: String]
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        switch arguments.positionals {
        case []: verify = false
        case ["verify"]: verify = true
        default: throw CLIError.usage(tr("%1$s: unexpected argument '%2$s' (only 'verify')", "audit", arguments.positionals[0]))
        }
        var request: [String: String] = [:]
        if let since = arguments.value("since") {
            guard let time = TimeText.pointInTime(since, now: context.now) else {
                throw CLIError.usage(tr("%1$s: --%2$s needs a time such as 7d, -2h, today, yesterday, 06:00 or 2026-11-01, not '%3$s'", "audit", "since", since))
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
        var table = TextTable(columns: [.init(tr("TIME")), .init(tr("USER"), maxWidth: 20), .init(tr("ORIGIN")),
                                        .init(tr("FOR"), maxWidth: 20), .init(tr("OPERATION")), .init(tr("EVENT")), .init(tr("OUTCOME")),
                                        .init(tr("DETAIL"), minWidth: 10)])
        for entry in entries {
            table.append([TextTable.Cell(TimeText.local(entry.at)), TextTable.Cell(entry.user), TextTable.Cell(entry.origin),
                          TextTable.Cell(entry.onBehalfOf), TextTable.Cell(entry.operation), TextTable.Cell(entry.eventID),
                          TextTable.Cell(Self.outcomeWord(entry.outcome)), TextTable.Cell(entry.detail)])
        }
        Console.out(table.render(totalWidth: context.width, style: context.style))
    }

    /// `audit verify`: the chain's verdict; exit 1 on a break or missing triggers.
    private func runVerify() throws {
        guard let verification = try context.request(.auditVerify, [:]).verification else {
            throw CLIError.failure(tr("lookoutd did not answer with a verification"))
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
                let entry = "\(brk.eventID), \(TimeText.local(brk.at)), \(TextSanitizer.sanitize(brk.action))"
                    + (brk.note.isEmpty ? "" : ": \(TextSanitizer.sanitize(brk.note))")
                out += tr("chain broken at entry #%1$d (%2$s): %3$s", brk.entryID, entry, brk.problem) + "\n"
                out += tr("entries before it (%1$d) verify", verification.entries - 1) + "\n"
            } else {
                out += trPlural("%1$d entry, chain intact", "%1$d entries, chain intact", verification.entries, verification.entries) + "\n"
            }
            if !verification.missingTriggers.isEmpty {
                out += tr("append-only triggers missing: %1$s (someone changed the schema)", verification.missingTriggers.joined(separator: ", ")) + "\n"
            }
            if !verification.keyed {
                out += tr("warning: the chain is unkeyed (lookoutd has no timeline key): it catches careless edits, not a chain recomputed by hand") + "\n"
            }
            Console.out(out)
        }
        if !verification.isIntact { throw CLIError.exit(1) }
    }
}
