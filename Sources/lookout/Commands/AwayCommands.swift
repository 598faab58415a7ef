import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout away add`: a resident is away (hospital, visiting family): absence rules stay quiet until then. The
/// note names a device or a resident id (`resident_id` in the registry); either way it holds for every device
/// of that resident.
struct AwayAddCommand: Command {
    static let name = "away add"
    static let help = CommandHelp(
        summary: tr("note that a resident is away, so absence rules stay quiet until then"),
        usage: "--device ID|--resident ID --until WHEN --reason TEXT",
        options: [
            .value("device", "ID", help: tr("the resident's device (door or call button); the note holds for all their devices")),
            .value("resident", "ID", help: tr("the resident id of the registry (R-0001) instead of a device")),
            .value("until", "WHEN", help: tr("until a time (2026-11-30, 2026-11-30T18:00) or for a duration (3d) (required)")),
            .value("reason", "TEXT", help: tr("why, for the record (required)")),
        ],
        examples: ["lookout away add --device DR-0012 --until 2026-11-30 --reason 'in hospital'",
                   "lookout away add --resident R-0003 --until 3d --reason 'visiting family'"])

    let context: CLIContext
    let device: String
    let until: EpochMillis
    let reason: String

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        guard (arguments.value("device") == nil) != (arguments.value("resident") == nil) else {
            throw CLIError.usage(tr("%1$s: give either --device ID or --resident ID", "away add"))
        }
        device = try arguments.required(arguments.value("resident") == nil ? "device" : "resident")
        let when = try arguments.required("until")
        guard let time = TimeText.futureTime(when, now: context.now), time > context.now else {
            throw CLIError.usage(tr("%1$s: --until needs a future time (2026-11-30T18:00) or a duration (3d), not '%2$s'", "away add", when))
        }
        until = time
        reason = try arguments.required("reason")
    }

    func run() throws {
        let result = try context.request(.awayAdd, ["subject": device, "until": String(until), "reason": reason])
        guard let note = result.away else { throw CLIError.failure(tr("lookoutd answered without the away note")) }
        Console.out(tr("away %1$d: %2$s until %3$s %4$s", note.id, TextSanitizer.sanitize(note.subject), TimeText.local(note.until), CLIContext.byline(result)) + "\n")
    }
}

/// `lookout away list`.
struct AwayListCommand: RecordListCommand {
    static let name = "away list"
    static let help = CommandHelp(summary: tr("list away notes in force"), usage: "",
                                  options: [.flag("json", help: tr("print a JSON array"))], examples: ["lookout away list"])
    /// Also the JSON key: a resident id is listed here too (kept as `device` for scripts that read it).
    static let subjectTitle = "DEVICE"
    static let emptyText = tr("No away notes in force.")
    let context: CLIContext
    let json: Bool

    static let listOperation = APIOperation.awayList

    static func records(in result: APIResult) -> [RecordListing] {
        (result.awayNotes ?? []).map {
            RecordListing(id: $0.id, subject: $0.subject, createdAt: $0.createdAt, until: $0.until, reason: $0.reason, actor: $0.actor)
        }
    }
}

/// `lookout away remove ID`.
struct AwayRemoveCommand: RecordRemoveCommand {
    static let name = "away remove"
    static let help = CommandHelp(summary: tr("end an away note early (it stays on the record)"), usage: "ID",
                                  examples: ["lookout away remove 4"])
    static let recordNoun = tr("away note")
    static let listCommand = "lookout away list"
    let context: CLIContext
    let id: Int64

    static let operation: (APIOperation, idArgument: String) = (.awayRemove, "away")
}
