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
        summary: tr("send a test message to a team through lookoutd's notifier; exit 1 unless it was sent"),
        usage: "TEAM [--timeout 30s] [--json]",
        options: [
            .value("timeout", "DURATION", help: tr("how long to wait for lookoutd to send it (default 30s)")),
            .flag("json", help: tr("print a JSON object: team, state (sent, gave_up, timeout), notifier, error, key")),
        ],
        discussion: [tr("The message is queued in the database and sent by the running lookoutd like any other (one try, " +
                     "stdin: {\"test\": true, …}, LOOKOUT_TEST=1), so this checks the team's notifier, its contact and " +
                     "the gateway together. Needs role supervisor in lookoutd's staff directory. " +
                     "A message lookoutd has not picked up within the timeout is withdrawn.")],
        examples: ["lookout notify test fire", "lookout notify test emergency-contact --timeout 1m"])

    let context: CLIContext
    let team: String
    let timeoutMillis: EpochMillis
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        team = try arguments.positionals(exactly: ["TEAM"])[0]
        guard TeamName.isValid(team) else {
            throw CLIError.usage(tr("%1$s: '%2$s' is not a team name (letters, digits, - _ .)", "notify test", TextSanitizer.sanitize(team)))
        }
        let timeout = arguments.value("timeout") ?? "30s"
        guard let seconds = TimeText.seconds(timeout), seconds > 0 else {
            throw CLIError.usage(tr("%1$s: --timeout needs a duration like 30s or 2m, not '%2$s'", "notify test", TextSanitizer.sanitize(timeout)))
        }
        timeoutMillis = seconds * 1000
        json = arguments.flag("json")
    }

    func run() throws {
        // lookoutd queues it, waits for its notifier, and withdraws it if nobody took it within the timeout.
        let result = try context.request(.notifyTest, ["team": team, "timeout": String(timeoutMillis)],
                                         waitSeconds: Int(timeoutMillis / 1000) + 1)
        guard let message = result.notification else { throw CLIError.failure(tr("lookoutd answered without the message")) }
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
            if !json { Console.out(tr("test message to %1$s sent via %2$s (key %3$s)", team, notifier, message.idempotencyKey) + "\n") }
        case "timeout":
            throw CLIError.failure(tr("%1$s: lookoutd did not take the test message within %2$s; withdrawn. Is lookoutd running (lookout status) with [notify] notifiers set?",
                                      "notify test", TimeText.span(milliseconds: timeoutMillis)))
        default:
            throw CLIError.failure(notifier.isEmpty || notifier == "none"
                ? tr("%1$s: the test message to %2$s was not sent: %3$s", "notify test", team, error)
                : tr("%1$s: the test message to %2$s was not sent via %3$s: %4$s", "notify test", team, notifier, error))
        }
    }
}
