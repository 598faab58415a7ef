import Vocabulary

/// Runs a notifier command once: stdin, environment, a timeout after which it is killed (with its process group),
/// and the first line of what it wrote to stderr.
struct NotifierCommand {
    /// How a run ended.
    enum Result: Equatable {
        /// Exit status 0.
        case success
        /// A failure, described for the timeline (`exit 22: curl: (22) …`, `timed out after 10s`).
        case failure(String)
        /// Killed because the daemon is stopping: not a try (the message stays due, sent again at the next start).
        case interrupted
    }

    /// The program and its arguments.
    var command: [String]
    /// The child's whole environment.
    var environment: [String: String]
    /// Written to the child's stdin, then closed.
    var input: [UInt8]
    /// Seconds before the child is killed.
    var timeoutSeconds: Double

    /// Most bytes of stderr kept.
    private static let stderrLimit = 4_096

    /// Variables passed on from the daemon's own environment (nothing else is: not the systemd sockets).
    static let inheritedVariables = ["PATH", "LANG", "LC_ALL", "TZ", "HOME", "CREDENTIALS_DIRECTORY"]

    /// Runs the command; never throws (a command that cannot start is a failure). `stopping` is polled while it
    /// runs: when it turns true the command is killed (a shutdown does not wait for a slow gateway).
    func run(stopping: () -> Bool = { false }) -> Result {
        let runner = CommandRunner(arguments: command, environment: environment, input: input,
                                   timeoutSeconds: timeoutSeconds, stderrLimit: Self.stderrLimit)
        let outcome: CommandRunner.Outcome
        do {
            outcome = try runner.run(stopping: stopping)
        } catch {
            return .failure("\(error)")
        }
        switch outcome.ending {
        case .interrupted: return .interrupted
        case .timedOut: return .failure("timed out after \(formatDuration(timeoutSeconds)), killed")
        case .finished: break
        }
        let detail = Self.firstLine(of: outcome.stderr)
        switch outcome.termination {
        case .exited(0): return .success
        case .exited(let status): return .failure("exit \(status)" + (detail.isEmpty ? "" : ": \(detail)"))
        case .signalled(let signal): return .failure("killed by signal \(signal)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
    }

    /// The first non-empty line of stderr, sanitised and shortened: what the timeline shows.
    static func firstLine(of stderr: [UInt8]) -> String {
        let text = String(decoding: stderr, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let clean = TextSanitizer.sanitize(line.trimmingWhitespace())
        return clean.count > 200 ? String(clean.prefix(200)) + "…" : clean
    }
}
