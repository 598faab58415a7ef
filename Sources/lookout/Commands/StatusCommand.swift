import EventCore
import FoundationEssentials
import Glibc
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout status`: the daemon's health, asked of lookoutd itself: a daemon that does not answer is down, whatever
/// its last status row said; one that answers is judged by the status row it writes every few seconds.
struct StatusCommand: Command {
    static let name = "status"
    static let help = CommandHelp(
        summary: tr("daemon health: running?, broker connection, msgs/s, rejects, rules, last commit, open events"),
        usage: "",
        options: [.flag("json", help: tr("print a JSON object (the status row plus the verdict)"))],
        discussion: [tr("Exit status 1 when the daemon is down (its API socket does not answer, no status row, the row is older than three status " +
                     "intervals, the process is gone, or it stopped), not connected to the broker, or cannot write to its " +
                     "database (disk full: then nothing is acknowledged, and status says so even when the row is stale), or a " +
                     "notifier is failing (its teams are not told of events out of band).")],
        examples: ["lookout status", "lookout status || echo 'lookoutd needs attention'"])

    /// Status interval assumed when the row does not say (lookoutd's default `[status] interval`).
    static let defaultIntervalSeconds = 5.0

    let context: CLIContext
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        json = arguments.flag("json")
    }

    /// The verdict on a status row.
    struct Verdict: Equatable {
        /// Whether the daemon is running.
        var running: Bool
        /// Whether it is connected to the broker.
        var connected: Bool
        /// Why it is considered down, if it is.
        var problem: String?
        /// Set while its database commits fail: nothing is acknowledged to the broker meanwhile.
        var storage: StorageTrouble? = nil
    }

    /// Commits that fail: since when (nil: not known, the daemon could not write it down) and whether the disk is full.
    struct StorageTrouble: Equatable {
        var since: EpochMillis?
        var diskFull: Bool
    }

    /// What the status row cannot say when the daemon cannot write it: whether its process is alive, whether
    /// the disk holding the database is full.
    struct HostProbe {
        /// Whether process `pid` is a running `lookoutd`.
        var lookoutdRunning: (Int32) -> Bool
        /// Bytes free for the database on its filesystem, nil when unknown.
        var bytesFree: () -> Int64?

        /// What a daemon that answered tells: it runs, and how much room its database has.
        static func answered(bytesFree: Int64?) -> HostProbe {
            HostProbe(lookoutdRunning: { _ in true }, bytesFree: { bytesFree })
        }
    }

    /// Below this many free bytes the database's disk counts as full (SQLite grows its files a page at a time,
    /// and the write-ahead log by several pages per commit).
    static let fullDiskBytes: Int64 = 64 * 1024

    /// Judges a snapshot at `now`.
    static func verdict(_ snapshot: DaemonStatusSnapshot, now: EpochMillis, host: HostProbe? = nil) -> Verdict {
        let values = DaemonStatusValues(snapshot.values)
        guard let updatedAt = snapshot.updatedAt else {
            return Verdict(running: false, connected: false, problem: tr("lookoutd has never written its status"))
        }
        if values[.state] == "stopped" {
            return Verdict(running: false, connected: false, problem: tr("lookoutd stopped %1$s ago", TimeText.span(milliseconds: now - updatedAt)))
        }
        let pid = values[.pid].flatMap(Int32.init) ?? 0
        let connected = values[.connected] == "true"
        let failingSince = values[.commitsFailingSince].flatMap(EpochMillis.init).flatMap { $0 > 0 ? $0 : nil }
        let diskFullInRow = values[.diskFull] == "true"
        let diskFullOnHost = host?.bytesFree().map { $0 < fullDiskBytes } ?? false
        let interval = values[.statusInterval].flatMap(Double.init) ?? defaultIntervalSeconds
        let age = now - updatedAt
        if Double(age) > 3 * interval * 1000 {
            // A daemon that cannot commit cannot write this row either: alive with a full disk (or failing commits
            // on record) it is not down, it is stuck, and says why.
            if pid > 0, let host, host.lookoutdRunning(pid), diskFullOnHost || failingSince != nil {
                return Verdict(running: true, connected: connected, problem: tr("it cannot write to its database"),
                               storage: StorageTrouble(since: failingSince, diskFull: diskFullOnHost || diskFullInRow))
            }
            return Verdict(running: false, connected: false,
                           problem: tr("status is %1$s old (expected every %2$s)", TimeText.span(milliseconds: age), TimeText.span(milliseconds: Int64(interval * 1000))))
        }
        if pid > 0, kill(pid, 0) != 0, errno == ESRCH {
            return Verdict(running: false, connected: false, problem: tr("process %1$d is not running", pid))
        }
        if let failingSince {
            return Verdict(running: true, connected: connected, problem: tr("it cannot write to its database"),
                           storage: StorageTrouble(since: failingSince, diskFull: diskFullInRow || diskFullOnHost))
        }
        return Verdict(running: true, connected: connected, problem: connected ? nil : tr("not connected to the broker"))
    }

    /// One line on failing commits: the disk is full (or commits fail), nothing is acknowledged.
    static func storageText(_ trouble: StorageTrouble, now: EpochMillis) -> String {
        var text = trouble.diskFull ? tr("DISK FULL") : tr("COMMITS FAIL")
        if let since = trouble.since { text += tr(" since %1$s (%2$s)", TimeText.local(since), TimeText.span(milliseconds: now - since)) }
        text += trouble.diskFull ? tr(": the database cannot grow") : tr(": see the lookoutd log")
        return text + tr("; nothing is being acknowledged: the broker keeps the messages and redelivers them once it can write again")
    }

    func run() throws {
        let now = context.now
        let response: APIResponse
        do {
            response = try context.send(context.apiRequest(.status, [:]))
        } catch {
            // No answer is the verdict: never the last row a daemon wrote before it went.
            // JSON's `problem` is read by scripts: English in every language.
            let describe = { () -> String in
                switch error {
                case .notRunning(let path): return tr("lookoutd is down: nothing serves its API socket %1$s", path)
                case .transport(let detail): return tr("lookoutd does not answer at %1$s: %2$s", context.endpoint, detail)
                }
            }
            let problem = json ? Localized.inEnglish(describe) : describe()
            if json {
                Console.out(JSONOutput.object([
                    ("running", .bool(false)), ("connected", .bool(false)), ("problem", .string(problem)),
                    ("updated_at", .null), ("disk_full", .bool(false)), ("acknowledging", .bool(false)),
                    ("open_events", .null), ("overdue", .null), ("notifiers_failing", .array([])), ("daemon", .object([])),
                ]).rendered())
            } else {
                let style = context.style
                Console.out(style.paint("lookoutd" + tr(":"), .bold) + " " + style.paint(tr("DOWN"), .alarm) + tr(" (%1$s)", TextSanitizer.sanitize(problem)) + "\n")
            }
            throw CLIError.exit(1)
        }
        let result = try CLIContext.result(of: response)
        let snapshot = result.daemonStatus ?? DaemonStatusSnapshot(values: [:], updatedAt: nil)
        let judge = { Self.verdict(snapshot, now: now, host: .answered(bytesFree: result.bytesFree)) }
        let verdict = json ? Localized.inEnglish(judge) : judge()
        var byLevel: [AlertLevel: Int] = [:]
        for (level, count) in result.openByLevel ?? [:] {
            if let level = AlertLevel(rawValue: level) { byLevel[level] = count }
        }
        let overdue = result.overdue ?? 0
        if json {
            var members: [(String, JSONOutput)] = [
                ("running", .bool(verdict.running)), ("connected", .bool(verdict.connected)),
                ("problem", .string(verdict.problem)), ("updated_at", .string(snapshot.updatedAt.map(TimeText.iso))),
                ("disk_full", .bool(verdict.storage?.diskFull == true)),
                ("acknowledging", .bool(verdict.running && verdict.storage == nil)),
                ("open_events", .object(AlertLevel.allCases.reversed().map { ($0.rawValue, .integer(Int64(byLevel[$0] ?? 0))) })),
                ("overdue", .integer(Int64(overdue))),
                ("notifiers_failing", .array(Self.failingNotifiers(snapshot).map { .string($0) })),
                ("time_zone", .string(result.siteTimeZone)),
            ]
            members.append(("daemon", .object(snapshot.values.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
            Console.out(JSONOutput.object(members).rendered())
        } else {
            Console.out(render(snapshot, verdict: verdict, byLevel: byLevel, overdue: overdue, now: now))
        }
        let failingNotifiers = verdict.running ? Self.failingNotifiers(snapshot) : []
        if !verdict.running || !verdict.connected || verdict.storage != nil || !failingNotifiers.isEmpty { throw CLIError.exit(1) }
    }

    /// Notifiers the daemon reports failing (out-of-band notification does not reach their teams).
    static func failingNotifiers(_ snapshot: DaemonStatusSnapshot) -> [String] {
        (DaemonStatusValues(snapshot.values)[.notifiersFailing] ?? "").split(separator: ",").map(String.init)
    }

    private func render(_ snapshot: DaemonStatusSnapshot, verdict: Verdict, byLevel: [AlertLevel: Int],
                        overdue: Int, now: EpochMillis) -> String {
        let style = context.style
        let values = DaemonStatusValues(snapshot.values.mapValues { TextSanitizer.sanitize($0) })
        func value(_ key: DaemonStatusKey) -> String { values[key].flatMap { $0.isEmpty ? nil : $0 } ?? "-" }
        func time(_ key: DaemonStatusKey) -> EpochMillis? { values[key].flatMap(EpochMillis.init).flatMap { $0 > 0 ? $0 : nil } }
        var lines: [(String, String)] = []
        var daemon = verdict.running ? style.paint(tr("running"), .green) : style.paint(tr("DOWN"), .alarm)
        if let problem = verdict.problem, !verdict.running { daemon += tr(" (%1$s)", problem) }
        if verdict.running {
            var facts = [tr("pid %1$s", value(.pid)), tr("version %1$s", value(.version))]
            if let started = time(.startedAt) { facts.append(tr("up %1$s", TimeText.span(milliseconds: now - started))) }
            if let updated = snapshot.updatedAt { facts.append(tr("status %1$s old", TimeText.span(milliseconds: now - updated))) }
            daemon += tr(" (%1$s)", facts.joined(separator: tr(", ")))
        }
        lines.append(("lookoutd", daemon))
        if let zone = SiteZone.shared.name, let info = try? ZoneInfo.named(zone) {
            // The community's zone, in which every time `lookout` shows is given.
            lines.append((tr("time zone"), tr("%1$s (UTC%2$s): times are shown in it", zone, SiteZone.offsetText(info.offset(at: now)))))
        }
        if let storage = verdict.storage { lines.append((tr("database"), style.paint(Self.storageText(storage, now: now), .alarm))) }
        if snapshot.updatedAt != nil {
            var broker = verdict.connected ? style.paint(tr("connected"), .green) : style.paint(tr("DISCONNECTED"), .alarm)
            if let since = time(.connectionChangedAt) {
                broker += tr(" since %1$s (%2$s)", TimeText.local(since), TimeText.span(milliseconds: now - since))
            }
            if let reconnects = values[.brokerReconnects] { broker += tr(", %1$s reconnect(s)", reconnects) }
            lines.append((tr("broker"), broker))
            lines.append((tr("subscriptions"), value(.subscriptions)))
            lines.append((tr("messages"), tr("%1$s/s; received %2$s, processed %3$s, rejected %4$s, duplicates %5$s", value(.messagesPerSecond),
                                             value(.messagesReceived), value(.messagesProcessed), value(.messagesRejected),
                                             value(.messagesDuplicate))))
            let rejects = value(.rejectsByReason).replacingEvery(",", with: ", ")
            lines.append((tr("rejects"), rejects == "-" ? tr("none") : rejects))
            let ruleErrors = Int(value(.ruleErrors)) ?? 0
            lines.append((tr("rules"), tr("%1$s loaded", value(.rulesLoaded))
                + (ruleErrors > 0 ? style.paint(tr(", last reload refused with %1$d error(s)", ruleErrors), .yellow) : "")))
            let registryErrors = Int(value(.registryErrors)) ?? 0
            lines.append((tr("devices"), tr("%1$s registered", value(.devicesRegistered))
                + (registryErrors > 0 ? style.paint(tr(", last registry reload refused with %1$d error(s)", registryErrors), .yellow) : "")))
            var commit = time(.lastCommitAt).map { tr("last %1$s ago", TimeText.span(milliseconds: now - $0)) } ?? tr("none yet")
            let failures = Int(value(.commitFailures)) ?? 0
            if failures > 0 { commit += style.paint(tr(", %1$d failure(s)", failures), .alarm) }
            let backlog = value(.outboxBacklog)
            commit += backlog == "-1" ? tr("; hand-off backlog unknown") : tr("; hand-off backlog %1$s", backlog)
            lines.append((tr("commits"), commit))
            switch value(.remoteAPI) {
            case "refused":
                lines.append((tr("remote API"), style.paint(tr("NOT served: the broker does not refuse lookoutd's publish under another user's request topic (install its ACL; see the journal)"), .alarm)))
            case "serving", "connecting":
                lines.append((tr("remote API"), value(.remoteAPI)))
            default:
                break
            }
            if let errors = Int(value(.notifierErrors)), errors > 0 {
                lines.append((tr("notifiers"), style.paint(tr("last reload of the notifier configuration refused with %1$d error(s); the previous one is in force", errors), .yellow)))
            }
            if let pending = values[.notificationsPending], pending != "-1" {
                let problems = (snapshot.values[DaemonStatusKey.notifierProblems.rawValue] ?? "").split(separator: "\n")
                    .map { TextSanitizer.sanitize(String($0)) }
                if problems.isEmpty {
                    lines.append((tr("notifiers"), style.paint(tr("ok"), .green) + tr("; %1$s notification(s) pending", pending)))
                }
                for problem in problems {
                    lines.append((tr("notifier"), style.paint(tr("FAILING %1$s", problem), .alarm) + tr("; %1$s notification(s) pending", pending)))
                }
            }
        }
        var events = AlertLevel.allCases.reversed().map { level in
            style.paint(tr("%1$s %2$d", EventText.levelWord(level).lowercased(), byLevel[level] ?? 0), (byLevel[level] ?? 0) > 0 ? EventText.colour(of: level) : nil)
        }.joined(separator: tr(", "))
        events += overdue > 0 ? "; " + style.paint(tr("%1$d overdue", overdue), .alarm) : tr("; none overdue")
        lines.append((tr("open events"), events))
        let width = lines.map { DisplayWidth.of($0.0) }.max() ?? 0
        return lines.map { style.paint(($0.0 + tr(":")).padding(to: width + DisplayWidth.of(tr(":"))), .bold) + " " + $0.1 + "\n" }.joined()
    }
}

/// The status row read by the keys `lookoutd` writes (`DaemonStatusKey`, the contract between the two).
struct DaemonStatusValues {
    /// The row as stored.
    let raw: [String: String]
    init(_ raw: [String: String]) { self.raw = raw }
    /// The value for a key, nil when the row does not have it.
    subscript(key: DaemonStatusKey) -> String? { raw[key.rawValue] }
}
