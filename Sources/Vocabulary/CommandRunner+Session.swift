#if canImport(Glibc)
import Glibc
#endif

/// One running child seen from the parent: its pid, the parent's ends of its stdin and stderr pipes, and what has
/// been written and read so far.
struct CommandSession {
    let pid: pid_t
    private var stdin: Int32
    private var stderr: Int32
    private let input: [UInt8]
    private var written = 0
    private let stderrLimit: Int
    private var kept: [UInt8] = []
    private var truncated = false

    init(pid: pid_t, stdin: Int32, stderr: Int32, input: [UInt8], stderrLimit: Int) {
        self.pid = pid
        self.stdin = stdin
        self.stderr = stderr
        self.input = input
        self.stderrLimit = max(0, stderrLimit)
        for fd in [stdin, stderr] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        if input.isEmpty { closeStdin() }
    }

    /// Feeds stdin and drains stderr until the child ends, the timeout passes or `stopping` turns true (then kills
    /// the group: SIGTERM, up to `killGraceSeconds`, SIGKILL); reaps the child and returns the outcome.
    mutating func finish(runner: CommandRunner, stopping: () -> Bool) -> CommandRunner.Outcome {
        let clock = ContinuousClock()
        let deadline = clock.now + Self.duration(runner.timeoutSeconds)
        var ending = CommandRunner.Ending.finished
        while !leaderEnded() {
            if stopping() { ending = .interrupted } else if clock.now >= deadline { ending = .timedOut }
            if ending != .finished { break }
            pump(until: min(deadline, clock.now + .milliseconds(50)))
        }
        if ending != .finished {
            kill(-pid, SIGTERM)
            let grace = clock.now + Self.duration(runner.killGraceSeconds)
            while !leaderEnded() && clock.now < grace { pump(until: min(grace, clock.now + .milliseconds(50))) }
            // The leader is not reaped yet, so the group id cannot have been reused: this reaches what is left of it.
            kill(-pid, SIGKILL)
        }
        let termination = reap()
        closeStdin()
        let drainEnd = clock.now + Self.duration(runner.stderrGraceSeconds)
        while stderr >= 0 && clock.now < drainEnd { pump(until: drainEnd) }
        if stderr >= 0 { close(stderr); stderr = -1 }
        return CommandRunner.Outcome(termination: termination, ending: ending, stderr: kept, stderrTruncated: truncated)
    }

    /// Whether the child has ended (it stays unreaped: `waitid` with `WNOWAIT`).
    private func leaderEnded() -> Bool {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 {
            if errno != EINTR { return true }  // ECHILD: nothing left to wait for
        }
        return info.si_signo == SIGCHLD
    }

    /// Reaps the child: its exit status or the signal that killed it.
    private func reap() -> CommandRunner.Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(-1) }
        }
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// Polls the open pipe ends until one is ready or `limit`, then writes and reads what it can.
    private mutating func pump(until limit: ContinuousClock.Instant) {
        var fds: [pollfd] = []
        if stdin >= 0 { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
        if stderr >= 0 { fds.append(pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)) }
        let left = ContinuousClock().now.duration(to: limit)
        let milliseconds = max(0, Int32(clamping: left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000))
        guard poll(&fds, nfds_t(fds.count), milliseconds) > 0 else { return }
        for entry in fds where entry.revents != 0 {
            if entry.fd == stdin { feed(ready: entry.revents) } else if entry.fd == stderr { drain() }
        }
    }

    /// Writes the next part of the input; closes stdin when all is written or the child stopped reading.
    private mutating func feed(ready: Int16) {
        if ready & Int16(POLLERR | POLLHUP) != 0 { closeStdin(); return }
        let count = input.withUnsafeBytes { write(stdin, $0.baseAddress! + written, input.count - written) }
        if count > 0 { written += count } else if count < 0 && errno != EAGAIN && errno != EINTR { closeStdin(); return }
        if written >= input.count { closeStdin() }
    }

    /// Reads what stderr has, keeping up to the limit; closes it at its end.
    private mutating func drain() {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(stderr, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && errno == EAGAIN { return }
            if count <= 0 { close(stderr); stderr = -1; return }
            let room = stderrLimit - kept.count
            if count > room { truncated = true }
            if room > 0 { kept += buffer.prefix(min(room, count)) }
        }
    }

    private mutating func closeStdin() {
        if stdin >= 0 { close(stdin); stdin = -1 }
    }

    private static func duration(_ seconds: Double) -> Duration {
        guard seconds.isFinite else { return .seconds(Int64(Int32.max)) }
        return .milliseconds(Int64(max(0, seconds) * 1_000))
    }
}
