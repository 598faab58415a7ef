import Foundation
import Vocabulary
#if canImport(Glibc)
import Glibc
#endif

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        let stdin = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return .failure("cannot start \(command[0]): \(error.localizedDescription)")
        }
        try? stdin.fileHandleForReading.close()
        try? stderr.fileHandleForWriting.close()
        let errors = StderrCollector(handle: stderr.fileHandleForReading, limit: Self.stderrLimit)
        let input = self.input
        let writer = stdin.fileHandleForWriting
        let writing = Thread {
            try? writer.write(contentsOf: input)
            try? writer.close()
        }
        writing.start()
        let pid = process.processIdentifier
        let deadline = DispatchTime.now() + timeoutSeconds
        var interrupted = false
        while finished.wait(timeout: min(.now() + 0.05, deadline)) == .timedOut {
            interrupted = stopping()
            guard interrupted || DispatchTime.now() >= deadline else { continue }
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            finished.wait()
            errors.wait(seconds: 1)
            return interrupted ? .interrupted : .failure("timed out after \(formatDuration(timeoutSeconds)), killed")
        }
        errors.wait(seconds: 1)
        let detail = errors.firstLine
        switch (process.terminationReason, process.terminationStatus) {
        case (.exit, 0): return .success
        case (.exit, let status): return .failure("exit \(status)" + (detail.isEmpty ? "" : ": \(detail)"))
        case (_, let signal): return .failure("killed by signal \(signal)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
    }
}

/// Reads a child's stderr on a thread of its own (a full pipe must never block the child), keeping the start.
private final class StderrCollector: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    init(handle: FileHandle, limit: Int) {
        let thread = Thread { [self] in
            while let chunk = try? handle.read(upToCount: 4_096), !chunk.isEmpty {
                lock.withLock { if bytes.count < limit { bytes += chunk.prefix(limit - bytes.count) } }
            }
            try? handle.close()
            done.signal()
        }
        thread.start()
    }

    /// Waits for the end of stderr, at most `seconds` (a grandchild may hold it open).
    func wait(seconds: Double) { _ = done.wait(timeout: .now() + seconds) }

    /// The first non-empty line, sanitised and shortened: what the timeline shows.
    var firstLine: String {
        let text = String(decoding: lock.withLock { bytes }, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let clean = TextSanitizer.sanitize(line.trimmingCharacters(in: .whitespaces))
        return clean.count > 200 ? String(clean.prefix(200)) + "…" : clean
    }
}
