import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout handover`: what the next shift must know, and the handover itself. The outgoing staff hands over with
/// `--to NAME`, the incoming staff takes over with `--accept`; lookoutd records each under the name it
/// authenticated (the kernel's, or the broker user's), never one given on the command line.
struct HandoverCommand: Command {
    static let name = "handover"
    static let help = CommandHelp(
        summary: tr("what the next shift must know: open and overdue events, escalations, silences, away notes, devices offline, notes"),
        usage: "[--to NAME [--note TEXT] | --accept] [--since WHEN]",
        options: [
            .value("to", "NAME", help: tr("hand the shift over to this member of staff (recorded under your own name)")),
            .value("note", "TEXT", help: tr("a word for the next shift, recorded with the handover (with --to)")),
            .flag("accept", help: tr("take over the shift handed to you (recorded under your own name)")),
            .value("since", "WHEN", help: tr("shift start: 12h, today, 08:00, 2026-11-01 (default: the last handover taken over)")),
            .flag("json", help: tr("print a JSON object")),
        ],
        discussion: [tr("Without --to or --accept it only reads. The notes are those staff wrote on events during the shift; " +
                        "the shift starts when the last handover was taken over (the last 12 hours when none was).")],
        examples: ["lookout handover", "lookout handover --to bob --note 'E-1042: the plumber comes at 9'",
                   "lookout handover --accept", "lookout handover --since 08:00 --json"])

    let context: CLIContext
    let operation: APIOperation
    let arguments: [String: String]
    let json: Bool

    init(arguments parsed: ParsedArguments) throws {
        context = try CLIContext(arguments: parsed)
        _ = try parsed.positionals(exactly: [])
        json = parsed.flag("json")
        var arguments: [String: String] = [:]
        let to = parsed.value("to")
        if to != nil, parsed.flag("accept") {
            throw CLIError.usage(tr("%1$s: give either --to NAME (handing over) or --accept (taking over), not both", "handover"))
        }
        if let note = parsed.value("note") {
            guard to != nil else { throw CLIError.usage(tr("%1$s: --note goes with --to NAME", "handover")) }
            arguments["note"] = note
        }
        if let text = parsed.value("since") {
            guard let since = TimeText.pointInTime(text, now: context.now), since <= context.now else {
                throw CLIError.usage(tr("%1$s: --%2$s needs a time such as 7d, -2h, today, yesterday, 06:00 or 2026-11-01, not '%3$s'", "handover", "since", text))
            }
            arguments["since"] = String(since)
        }
        if let to {
            guard !to.isEmpty, TextSanitizer.isSafe(to), to.count <= 64 else {
                throw CLIError.usage(tr("%1$s: --to needs a login name of the staff directory", "handover"))
            }
            arguments["to"] = to
            operation = .handoverGive
        } else {
            operation = parsed.flag("accept") ? .handoverAccept : .handover
        }
        self.arguments = arguments
    }

    func run() throws {
        let result = try context.request(operation, arguments)
        guard let handover = result.handover else { throw CLIError.failure(tr("lookoutd answered without the handover")) }
        if json {
            Console.out(HandoverText.json(handover, operation: operation, actor: result.actor).rendered())
            return
        }
        var lines: [String] = []
        switch operation {
        case .handoverGive:
            lines.append(tr("Shift handed over to %1$s %2$s.", TextSanitizer.sanitize(handover.last?.to ?? ""), CLIContext.byline(result)))
        case .handoverAccept:
            lines.append(tr("Shift taken over from %1$s %2$s.", TextSanitizer.sanitize(handover.last?.from ?? ""), CLIContext.byline(result)))
        default:
            break
        }
        lines += HandoverText.lines(handover)
        let width = max(40, context.width ?? 80)
        Console.out(lines.map { DisplayWidth.truncate($0, to: width) + "\n" }.joined())
    }
}
