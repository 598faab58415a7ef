import EventCore
import FoundationEssentials
import Glibc
import Synchronization
import TerminalText
import Vocabulary

/// Set by SIGINT/SIGTERM while `lookout watch` runs; the poll loop checks it.
private let watchInterrupted = Atomic<Bool>(false)

/// `lookout watch`: follows the change feed and prints one line per change as it happens.
struct WatchCommand: Command {
    static let name = "watch"
    static let help = CommandHelp(
        summary: "follow events as they are raised, change, escalate or renotify (Ctrl-C to stop)",
        usage: "",
        options: [
            .value("team", "T", help: "only events for this team (teams or assignee)"),
            .value("level", "L", short: "l", help: "only this level", repeatable: true,
                   choices: AlertLevel.allCases.map(\.rawValue)),
            .flag("bell", help: "ring the terminal bell on red events and escalations (default on a terminal)"),
            .flag("no-bell", help: "never ring the bell"),
            .flag("since-start", help: "print the whole change feed first, then follow"),
            .value("replay", "N", help: "print the last N changes first, then follow"),
            .value("interval", "SECONDS", help: "how often to poll the database (default 1)"),
            .flag("silenced", help: "also show events raised under a maintenance silence (never with a bell)"),
        ],
        discussion: ["Starts from now. Each line: time of the change, what happened, id, level, status, kind, device, " +
                     "title, where, time since raised and time left to the deadline (or how long it is overdue)."],
        examples: ["lookout watch", "lookout watch --team fire --level red", "lookout watch --replay 20 --no-bell"])

    let context: CLIContext
    let team: String?
    let levels: [AlertLevel]
    let bell: Bool
    let startFromBeginning: Bool
    let replay: Int?
    let pollMilliseconds: Int
    let includeSilenced: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        team = arguments.value("team")
        levels = arguments.list("level").compactMap(AlertLevel.init(rawValue:))
        if arguments.flag("bell") && arguments.flag("no-bell") {
            throw CLIError.usage("watch: --bell and --no-bell contradict each other")
        }
        bell = arguments.flag("bell") || (!arguments.flag("no-bell") && isatty(1) == 1)
        startFromBeginning = arguments.flag("since-start")
        includeSilenced = arguments.flag("silenced")
        replay = try arguments.integer("replay")
        if let text = arguments.value("interval") {
            guard let seconds = Double(text), seconds >= 0.05, seconds <= 3600 else {
                throw CLIError.usage("watch: --interval needs seconds between 0.05 and 3600, not '\(text)'")
            }
            pollMilliseconds = Int(seconds * 1000)
        } else {
            pollMilliseconds = 1000
        }
    }

    func run() throws {
        let store = try context.openStore()
        Self.stopOnInterrupt()
        let latest = try store.latestChangeSequence()
        var sequence: Int64 = startFromBeginning ? 0 : max(0, latest - Int64(replay ?? 0))
        Console.err("watching \(context.databasePath) (Ctrl-C to stop)\n")
        var lastError = ""
        var moreWaiting = true
        while !watchInterrupted.load(ordering: .relaxed) {
            let batch: [EventChange]
            var failed = false
            do {
                // `hasChanged` reads one pragma: most polls stop there.
                let changed = try store.hasChanged()
                batch = changed || moreWaiting ? try store.changes(after: sequence, limit: Self.batchSize) : []
                lastError = ""
            } catch {
                // A busy or briefly unavailable database is retried; say so once per distinct problem.
                let message = "\(error)"
                if message != lastError { Console.err("lookout: warning: \(TextSanitizer.sanitize(message))\n") }
                lastError = message
                batch = []
                failed = true
            }
            for change in batch {
                sequence = change.sequence
                guard matches(change.event) else { continue }
                // Who has reported in and who has not, on the lines where that changes (read now, not at the change).
                let teams = Self.reportInActions.contains(change.action) ? (try? store.teams(of: change.event.id)) ?? [] : []
                Console.out(line(for: change, now: context.now, teams: teams))
            }
            // After a failure the change marker may have been consumed: query again next time.
            moreWaiting = failed || batch.count == Self.batchSize
            if batch.count == Self.batchSize { continue }
            sleepUnlessInterrupted(milliseconds: pollMilliseconds)
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

    /// Changes read per query.
    static let batchSize = 500

    /// Actions that call for attention (bell when red). `upgraded`: an open event raised to red by its device
    /// (a flapping detector whose alarm then holds) calls for attention as a new red event would.
    /// `unsilenced`: an event hidden by a maintenance silence is shown for the first time.
    static let alertingActions: Set<String> = ["raised", "upgraded", "renotified", "escalated", "reopened", "unsilenced"]

    /// Actions after which `watch` says which teams have reported in and which have not.
    static let reportInActions: Set<String> = ["escalated", "reported_in", "acknowledged"]

    /// One line for a change, ending in a newline (and a bell when called for). `teams`: the event's teams with
    /// their report-in, listed when any was asked to report in.
    func line(for change: EventChange, now: EpochMillis, teams: [EventTeam] = []) -> String {
        let event = change.event
        let style = context.style
        let actionColour: TerminalColour? = change.action == "escalated" ? .alarm
            : change.action == "raised" || change.action == "unsilenced" ? EventText.colour(of: event.level) : .cyan
        var parts = [
            // When the change happened (a re-notification leaves the event's own time as it was).
            TimeText.clock(change.at > 0 ? change.at : event.updatedAt),
            style.paint(DisplayWidth.fit(TextSanitizer.sanitize(change.action.uppercased()), to: 12), actionColour),
            DisplayWidth.fit(event.id, to: 7),
            style.paint(DisplayWidth.fit(event.level.rawValue.uppercased(), to: 6), EventText.colour(of: event.level)),
            DisplayWidth.fit(event.status.rawValue, to: 12),
            DisplayWidth.fit(TextSanitizer.sanitize(event.kind), to: 7),
            DisplayWidth.fit(TextSanitizer.sanitize(event.deviceID.isEmpty ? "-" : event.deviceID), to: 12),
            TextSanitizer.sanitize(event.title),
            "(" + TextSanitizer.sanitize(EventText.place(event)) + ")",
            "raised \(TimeText.span(milliseconds: now - event.firstSeen)) ago",
        ]
        if let lateness = EventText.lateness(event, now: now) { parts.append(style.paint(lateness, .yellow)) }
        let deadline = EventText.deadline(event, now: now)
        if deadline.text != "-" { parts.append(style.paint(deadline.text, deadline.colour)) }
        if event.count > 1 { parts.append("×\(event.count)") }
        if let maintenance = EventText.maintenance(event) {
            parts.append(event.silenced ? "(\(maintenance))" : style.paint("[\(maintenance)]", .yellow))
        }
        let reportIn = EventText.reportIn(teams, now: now)
        if !reportIn.isEmpty { parts.append("[" + TextSanitizer.sanitize(reportIn) + "]") }
        // A silenced event is on the record, not an alert: never a bell.
        let ring = bell && !event.silenced && (change.action == "escalated"
            || (event.level == .red && Self.alertingActions.contains(change.action)))
        return parts.joined(separator: "  ") + (ring ? "\u{07}" : "") + "\n"
    }

    private func sleepUnlessInterrupted(milliseconds: Int) {
        var left = milliseconds
        while left > 0 && !watchInterrupted.load(ordering: .relaxed) {
            let step = min(left, 50)
            usleep(useconds_t(step * 1000))
            left -= step
        }
    }
}
