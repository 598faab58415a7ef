import EventCore
import FoundationEssentials
import Glibc
import StaffAPI
import Synchronization
import TerminalText
import Vocabulary

/// Set by SIGINT/SIGTERM while `lookout watch` runs; the stream checks it at least every second.
private let watchInterrupted = Atomic<Bool>(false)

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
        discussion: [tr("Starts from now. Each line: time of the change, what happened, id, level, status, kind, device, " +
                     "title, where, time since raised and time left to the deadline (or how long it is overdue)."),
                     tr("lookoutd pushes the changes. When it goes away, watch says so at once (with the bell), keeps " +
                     "trying, and once it is back shows every change made meanwhile.")],
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
        if context.remote != nil {
            throw CLIError.failure(tr("watch is served on lookoutd's local socket only, not over the broker (yet); run it on the server or with --socket"))
        }
        Self.stopOnInterrupt()
        // Where the feed stands: nil until lookoutd first said, then the last change shown (resumed after).
        var sequence: Int64? = startFromBeginning ? 0 : nil
        var down = false
        var announced = false
        var lastPrinted = Date()
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
                        Console.err(tr("watching through lookoutd at %1$s (Ctrl-C to stop)", context.socketPath) + "\n")
                    }
                    if down {
                        down = false
                        Console.out(context.style.paint(TimeText.clock(context.now) + "  " + tr("lookoutd is back: resuming after change %1$d", sequence ?? 0), .green) + "\n")
                        lastPrinted = Date()
                    }
                    let changes = result.changes ?? []
                    for change in changes {
                        sequence = change.sequence
                        guard matches(change.event) else { continue }
                        Console.out(line(for: change, now: context.now, teams: result.changeTeams?[change.event.id] ?? []))
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
            style.paint(DisplayWidth.fit(TextSanitizer.sanitize(EventText.actionWord(change.action).uppercased()), to: 12), actionColour),
            DisplayWidth.fit(event.id, to: 7),
            style.paint(DisplayWidth.fit(EventText.levelWord(event.level), to: 6), EventText.colour(of: event.level)),
            DisplayWidth.fit(EventText.statusWord(event.status), to: 12),
            DisplayWidth.fit(TextSanitizer.sanitize(event.kind), to: 7),
            DisplayWidth.fit(TextSanitizer.sanitize(event.deviceID.isEmpty ? "-" : event.deviceID), to: 12),
            TextSanitizer.sanitize(event.title),
            "(" + TextSanitizer.sanitize(EventText.place(event)) + ")",
            tr("raised %1$s ago", TimeText.span(milliseconds: now - event.firstSeen)),
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
