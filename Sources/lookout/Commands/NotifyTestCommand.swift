import EventCore
import FoundationEssentials
import Glibc
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout notify test TEAM`: asks lookoutd to send a test message through its real notification path (the outbox,
/// the team's notifier command) and reports how it went.
struct NotifyTestCommand: Command {
    static let name = "notify test"
    static let help = CommandHelp(
        summary: "send a test message to a team through lookoutd's notifier; exit 1 unless it was sent",
        usage: "TEAM [--timeout 30s] [--json]",
        options: [
            .value("timeout", "DURATION", help: "how long to wait for lookoutd to send it (default 30s)"),
            .flag("json", help: "print a JSON object: team, state (sent, gave_up, timeout), notifier, error, key"),
        ],
        discussion: ["The message is queued in the database and sent by the running lookoutd like any other (one try, " +
                     "stdin: {\"test\": true, …}, LOOKOUT_TEST=1), so this checks the team's notifier, its contact and " +
                     "the gateway together. Needs role supervisor in lookoutd's staff directory. " +
                     "A message lookoutd has not picked up within the timeout is withdrawn."],
        examples: ["lookout notify test fire", "lookout notify test emergency-contact --timeout 1m"])

    let context: CLIContext
    let team: String
    let timeoutMillis: EpochMillis
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        team = try arguments.positionals(exactly: ["TEAM"])[0]
        guard TeamName.isValid(team) else {
            throw CLIError.usage("notify test: '\(TextSanitizer.sanitize(team))' is not a team name (letters, digits, - _ .)")
        }
        let timeout = arguments.value("timeout") ?? "30s"
        guard let seconds = TimeText.seconds(timeout), seconds > 0 else {
            throw CLIError.usage("notify test: --timeout needs a duration like 30s or 2m, not '\(TextSanitizer.sanitize(timeout))'")
        }
        timeoutMillis = seconds * 1000
        json = arguments.flag("json")
    }

    func run() throws {
        // lookoutd queues it, waits for its notifier, and withdraws it if nobody took it within the timeout.
        let result = try context.request(.notifyTest, ["team": team, "timeout": String(timeoutMillis)],
                                         waitSeconds: Int(timeoutMillis / 1000) + 1)
        guard let message = result.notification else { throw CLIError.failure("lookoutd answered without the message") }
        let error = TextSanitizer.sanitize(message.lastError)
        let notifier = TextSanitizer.sanitize(message.notifier)
        if json {
            Console.out(JSONOutput.object([
                ("team", .string(team)), ("state", .string(message.state)),
                ("notifier", .string(notifier.isEmpty ? nil : notifier)), ("error", .string(error.isEmpty ? nil : error)),
                ("idempotency_key", .string(message.idempotencyKey)),
            ]).rendered())
        }
        switch message.state {
        case "sent":
            if !json { Console.out("test message to \(team) sent via \(notifier) (key \(message.idempotencyKey))\n") }
        case "timeout":
            throw CLIError.failure("notify test: lookoutd did not take the test message within \(TimeText.span(milliseconds: timeoutMillis)); "
                                   + "withdrawn. Is lookoutd running (lookout status) with [notify] notifiers set?")
        default:
            throw CLIError.failure("notify test: the test message to \(team) was not sent"
                                   + (notifier.isEmpty || notifier == "none" ? "" : " via \(notifier)") + ": \(error)")
        }
    }
}
