import EventCore
import FoundationEssentials
import Glibc
import StaffAPI
import Synchronization
import TerminalText
import Vocabulary

/// Set by SIGINT/SIGTERM while `lookout watch` runs; the stream checks it at least every second.
let watchInterrupted = Atomic<Bool>(false)

/// `lookout watch`: follows the change feed lookoutd pushes and prints one line per change as it happens.
struct WatchCommand: Command {
    static let name = "watch"
    static let help = CommandHelp(
        summary: tr("follow events as they are raised, change, escalate or renotify (Ctrl-C to stop)"),
        usage: "",
        options: [
            .value("team", "T", help: tr("only events for this team (teams or assignee)")),
            .value("level", "L", short: "l", help: tr("only this level"), repeatable: true,
                   choices: AlertLevel.allCases.map(\.rawValue)),
            .flag("bell", help: tr("ring the terminal bell on red events and escalations (default on a terminal)")),
            .flag("no-bell", help: tr("never ring the bell")),
            .flag("since-start", help: tr("print the whole change feed first, then follow")),
            .value("replay", "N", help: tr("print the last N changes first, then follow")),
            .value("interval", "SECONDS", help: tr("how often lookoutd looks for changes for this watch (default 0.2)")),
            .value("quiet", "SECONDS", help: tr("print 'all quiet, lookoutd OK' after this long without a line (default 300)")),
            .flag("silenced", help: tr("also show events raised under a maintenance silence (never with a bell)")),
        ],
        discussion: [tr("Starts from now, after a header line on stderr. Each line: time of the change, what happened, id, " +
                     "level, status, kind, device, who did it (and to whom it was dispatched), title, where (on the event's " +
                     "first line), time left to the deadline (or how long it is overdue) and time since raised. On a narrow " +
                     "terminal the least important parts give way first; ids are never cut."),
                     tr("The bell rings for red events and escalations as they happen. Replayed history (--replay, " +
                     "--since-start) rings only for a red event still open and unacknowledged, once."),
                     tr("lookoutd pushes the changes. When it goes away, watch says so at once (with the bell), keeps " +
                     "trying, and once it is back shows every change made meanwhile."),
                     tr("After 'lookout login' it follows lookoutd through the broker, with a banner when lookoutd is " +
                     "down, the broker is disconnected or lookoutd's status is stale.")],
        examples: ["lookout watch", "lookout watch --team fire --level red", "lookout watch --replay 20 --no-bell"])

    let context: CLIContext
    let team: String?
    let levels: [AlertLevel]
    let bell: Bool
    let startFromBeginning: Bool
    let replay: Int?
    let pollMilliseconds: Int
    let quietMilliseconds: Int
    let includeSilenced: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        team = arguments.value("team")
        levels = arguments.list("level").compactMap(AlertLevel.init(rawValue:))
        if arguments.flag("bell") && arguments.flag("no-bell") {
            throw CLIError.usage(tr("%1$s: --bell and --no-bell contradict each other", "watch"))
        }
        bell = arguments.flag("bell") || (!arguments.flag("no-bell") && isatty(1) == 1)
        startFromBeginning = arguments.flag("since-start")
        includeSilenced = arguments.flag("silenced")
        replay = try arguments.integer("replay")
        if let text = arguments.value("interval") {
            guard let seconds = Double(text), seconds >= 0.05, seconds <= 5 else {
                throw CLIError.usage(tr("%1$s: --%2$s needs seconds between %3$s and %4$s, not '%5$s'", "watch", "interval", "0.05", "5", text))
            }
            pollMilliseconds = Int(seconds * 1000)
        } else {
            pollMilliseconds = 200
        }
        if let text = arguments.value("quiet") {
            guard let seconds = Double(text), seconds >= 0.5, seconds <= 86_400 else {
                throw CLIError.usage(tr("%1$s: --%2$s needs seconds between %3$s and %4$s, not '%5$s'", "watch", "quiet", "0.5", "86400", text))
            }
            quietMilliseconds = Int(seconds * 1000)
        } else {
            quietMilliseconds = 300_000
        }
    }

    func run() throws {
        Self.stopOnInterrupt()
        if let remote = context.remote { return try runRemote(remote) }
        // Where the feed stands: nil until lookoutd first said, then the last change shown (resumed after).
        var sequence: Int64? = startFromBeginning ? 0 : nil
        var down = false
        var announced = false
        var lastPrinted = Date()
        var feed = WatchFeed(command: self)
        let heartbeat = min(quietMilliseconds, 5_000)
        while !watchInterrupted.load(ordering: .relaxed) {
            var arguments = ["heartbeat": String(heartbeat), "interval": String(pollMilliseconds)]
            if let sequence { arguments["after"] = String(sequence) } else if let replay { arguments["replay"] = String(replay) }
            var refusal: String?
            do {
                try context.client().stream(context.apiRequest(.watch, arguments),
                                            silenceLimitSeconds: Double(3 * heartbeat) / 1000 + 5,
                                            stop: { watchInterrupted.load(ordering: .relaxed) }) { response in
                    guard response.ok, let result = response.result else {
                        refusal = response.error.map(APIErrorText.message) ?? tr("lookoutd refused the watch")
                        return false
                    }
                    SiteZone.shared.adopt(result.siteTimeZone)
                    if !announced {
                        // Said once lookoutd has fixed where the watch starts: what happens from here on is shown.
                        announced = true
                        feed.started(latest: result.latestSequence, start: result.sequence)
                        Console.err(header(endpoint: context.endpoint, width: TerminalSize.columns(fileDescriptor: 2, environment: context.environment)) + "\n")
                    }
                    if down {
                        down = false
                        Console.out(context.style.paint(TimeText.clock(context.now) + "  " + tr("lookoutd is back: resuming after change %1$d", sequence ?? 0), .green) + "\n")
                        lastPrinted = Date()
                    }
                    let changes = result.changes ?? []
                    if let last = changes.last { sequence = last.sequence }
                    let lines = feed.receive(changes, teams: result.changeTeams ?? [:], now: context.now,
                                             width: TerminalSize.columns(environment: context.environment))
                    if !lines.isEmpty {
                        Console.out(lines)
                        lastPrinted = Date()
                    }
                    if changes.isEmpty, let at = result.sequence, sequence == nil { sequence = at }
                    if Date().timeIntervalSince(lastPrinted) * 1000 >= Double(quietMilliseconds) {
                        Console.out(TimeText.clock(context.now) + "  " + tr("all quiet, lookoutd OK") + "\n")
                        lastPrinted = Date()
                    }
                    return true
                }
                if let message = refusal { throw CLIError.failure(message) }
            } catch let failure as LocalAPIClient.Failure {
                if !down {
                    down = true
                    let why: String
                    switch failure {
                    case .notRunning(let path): why = tr("nothing serves %1$s", path)
                    case .transport(let detail): why = detail
                    }
                    Console.out(context.style.paint(TimeText.clock(context.now) + "  *** "
                                                    + tr("lookoutd is down (%1$s): retrying; changes made meanwhile will be shown when it is back",
                                                         TextSanitizer.sanitize(why)) + " ***", .alarm)
                                + (bell ? "\u{07}" : "") + "\n")
                }
                sleepUnlessInterrupted(milliseconds: 1000)
            }
        }
    }

    /// SIGINT and SIGTERM set `watchInterrupted`. They are also unblocked: a parent may have started us
    /// with them blocked (test runners and some supervisors do), and Ctrl-C must still end the watch.
    private static func stopOnInterrupt() {
        signal(SIGINT) { _ in watchInterrupted.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in watchInterrupted.store(true, ordering: .relaxed) }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// Whether the event passes `--team`, `--level` and `--silenced`.
    func matches(_ event: EventRecord) -> Bool {
        if event.silenced && !includeSilenced { return false }
        if !levels.isEmpty && !levels.contains(event.level) { return false }
        if let team, !event.teams.contains(team), event.assignee != team { return false }
        return true
    }

    /// Actions that call for attention (bell when red). `upgraded`: an open event raised to red by its device
    /// (a flapping detector whose alarm then holds) calls for attention as a new red event would.
    /// `unsilenced`: an event hidden by a maintenance silence is shown for the first time.
    static let alertingActions: Set<String> = ["raised", "upgraded", "renotified", "escalated", "reopened", "unsilenced"]

    func sleepUnlessInterrupted(milliseconds: Int) {
        var left = milliseconds
        while left > 0 && !watchInterrupted.load(ordering: .relaxed) {
            let step = min(left, 50)
            usleep(useconds_t(step * 1000))
            left -= step
        }
    }
}
