#if canImport(Glibc)
import Glibc
#endif

/// Runs one program to its end, as `Foundation.Process` with pipes did, without linking all of Foundation (see
/// docs/packaging.md, "Sizes"): `posix_spawn` in a process group of its own (a timeout or a stop kills the whole
/// group, grandchildren included), `input` written to its stdin, its stdout thrown away, the start of its stderr
/// kept, every other descriptor closed in the child. One thread, no helpers: a `poll` loop feeds stdin and drains
/// stderr, so a child that writes much to stderr or reads slowly never blocks.
public struct CommandRunner: Sendable {
    /// The program's path (`arguments[0]`, not looked up in `PATH`) and its arguments.
    public var arguments: [String]
    /// The child's whole environment.
    public var environment: [String: String]
    /// Written to the child's stdin, which is then closed.
    public var input: [UInt8]
    /// Seconds before the child's group is killed.
    public var timeoutSeconds: Double
    /// Most bytes of stderr kept (the rest is read and dropped).
    public var stderrLimit: Int
    /// Seconds between SIGTERM and SIGKILL when the group is killed.
    public var killGraceSeconds: Double
    /// Seconds to wait, after the child ended, for the end of its stderr (a grandchild may hold it open).
    public var stderrGraceSeconds: Double

    /// How the child ended (its wait status).
    public enum Termination: Sendable, Equatable {
        /// Exited with this status.
        case exited(Int32)
        /// Killed by this signal.
        case signalled(Int32)
    }

    /// Why the run ended.
    public enum Ending: Sendable, Equatable {
        /// The child ended by itself.
        case finished
        /// The timeout passed; the group was killed.
        case timedOut
        /// `stopping` turned true; the group was killed.
        case interrupted
    }

    /// What a run produced.
    public struct Outcome: Sendable, Equatable {
        /// How the child ended.
        public var termination: Termination
        /// Why the run ended.
        public var ending: Ending
        /// The first `stderrLimit` bytes of its stderr.
        public var stderr: [UInt8]
        /// Whether stderr had more than was kept.
        public var stderrTruncated: Bool
    }

    /// A runner for `arguments` (the program's path first).
    public init(arguments: [String], environment: [String: String], input: [UInt8] = [], timeoutSeconds: Double,
                stderrLimit: Int = 4_096, killGraceSeconds: Double = 1, stderrGraceSeconds: Double = 1) {
        precondition(!arguments.isEmpty, "a command needs a program")
        self.arguments = arguments
        self.environment = environment
        self.input = input
        self.timeoutSeconds = timeoutSeconds
        self.stderrLimit = stderrLimit
        self.killGraceSeconds = killGraceSeconds
        self.stderrGraceSeconds = stderrGraceSeconds
    }

    /// Starts the program and waits for its end. `stopping` is asked about every 50 ms while it runs: when it turns
    /// true the group is killed. Throws only when the program cannot be started ("cannot start /x: No such file or
    /// directory"); a child that fails is an outcome.
    public func run(stopping: () -> Bool = { false }) throws(ErrnoError) -> Outcome {
        let stdinPipe = try Self.pipe("cannot create a pipe for \(arguments[0])")
        let stderrPipe: (read: Int32, write: Int32)
        do {
            stderrPipe = try Self.pipe("cannot create a pipe for \(arguments[0])")
        } catch {
            close(stdinPipe.read); close(stdinPipe.write)
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawn(stdin: stdinPipe.read, stderr: stderrPipe.write)
        } catch {
            for fd in [stdinPipe.read, stdinPipe.write, stderrPipe.read, stderrPipe.write] { close(fd) }
            throw error
        }
        close(stdinPipe.read)
        close(stderrPipe.write)
        // A child that closes its stdin early must not kill the caller with SIGPIPE: blocked on this thread, the
        // write fails with EPIPE instead, and a pending SIGPIPE is taken back before the mask is restored.
        var pipeOnly = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
        defer {
            var zero = timespec()
            while sigtimedwait(&pipeOnly, nil, &zero) == SIGPIPE {}
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        var session = CommandSession(pid: pid, stdin: stdinPipe.write, stderr: stderrPipe.read, input: input,
                                     stderrLimit: stderrLimit)
        return session.finish(runner: self, stopping: stopping)
    }

    /// A pipe whose ends are closed on exec; the parent's ends are made non-blocking by the caller's session.
    private static func pipe(_ operation: String) throws(ErrnoError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw ErrnoError(operation: operation) }
        // (`pipe2` is not in the `Glibc` module; the child closes every descriptor from 3 up in any case.)
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}
