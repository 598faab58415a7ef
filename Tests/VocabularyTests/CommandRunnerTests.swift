import Foundation
import Glibc
import Testing
import Vocabulary

/// `CommandRunner`, the `posix_spawn` runner behind the notifier commands: real `/bin/sh` children.
@Suite struct CommandRunnerTests {
    private func shell(_ script: String, input: [UInt8] = [], timeout: Double = 60, stderrLimit: Int = 4_096,
                       environment: [String: String] = [:]) -> CommandRunner {
        CommandRunner(arguments: ["/bin/sh", "-c", script], environment: environment, input: input,
                      timeoutSeconds: timeout, stderrLimit: stderrLimit, killGraceSeconds: 0.2)
    }

    @Test func reportsTheExitStatus() throws {
        let outcome = try shell("exit 7").run()
        #expect(outcome.termination == .exited(7))
        #expect(outcome.ending == .finished)
        #expect(try shell("true").run().termination == .exited(0))
    }

    @Test func reportsTheSignalThatKilledTheChild() throws {
        let outcome = try shell("kill -KILL $$").run()
        #expect(outcome.termination == .signalled(SIGKILL))
        #expect(outcome.ending == .finished)
    }

    @Test func deliversTheInputOnStdin() throws {
        let input = Array(repeating: UInt8(ascii: "x"), count: 1_000_000) + Array("end".utf8)
        let outcome = try shell("wc -c >&2; exit 0", input: input).run()
        #expect(String(decoding: outcome.stderr, as: UTF8.self).trimmingWhitespaceAndNewlines() == "1000003")
        let small = try shell("cat >&2", input: Array("{\"test\":true}".utf8)).run()
        #expect(small.stderr == Array("{\"test\":true}".utf8))
    }

    /// A child that stops reading (here: never reads) does not hurt the caller (no SIGPIPE kills the test process).
    @Test func aChildThatIgnoresItsInputIsFine() throws {
        let outcome = try shell("exit 3", input: Array(repeating: 0, count: 4_000_000)).run()
        #expect(outcome.termination == .exited(3))
    }

    @Test func keepsTheStartOfStderrAndDrainsTheRest() throws {
        // 200 kB: far more than a pipe holds, so the child would block if the rest were not read.
        let outcome = try shell("echo first line >&2; head -c 200000 /dev/zero | tr '\\0' x >&2; exit 4",
                                stderrLimit: 1_000).run()
        #expect(outcome.termination == .exited(4))
        #expect(outcome.stderr.count == 1_000)
        #expect(outcome.stderrTruncated)
        #expect(String(decoding: outcome.stderr, as: UTF8.self).hasPrefix("first line\n"))
        #expect(!(try shell("echo short >&2").run().stderrTruncated))
    }

    @Test func passesOnlyTheGivenEnvironment() throws {
        let outcome = try shell("printf '%s|%s' \"$GREETING\" \"${HOME-unset}\" >&2", environment: ["GREETING": "hello"]).run()
        #expect(String(decoding: outcome.stderr, as: UTF8.self) == "hello|unset")
    }

    @Test func aTimeoutTerminatesTheCommand() throws {
        let outcome = try shell("sleep 1000", timeout: 0.5).run()
        #expect(outcome.ending == .timedOut)
        #expect(outcome.termination == .signalled(SIGTERM))
    }

    /// A stop (or a timeout: the same kill) sends SIGTERM to the whole group: the child and the grandchild it
    /// started end. `stopping` turns true once the grandchild is there, so no guess of how long that takes.
    @Test func aKillReachesTheGrandchild() throws {
        let directory = try TemporaryFiles()
        let pidFile = directory.path + "/grandchild"
        let outcome = try shell("sleep 1000 & echo $! > \(pidFile).new; mv \(pidFile).new \(pidFile); wait")
            .run(stopping: { FileManager.default.fileExists(atPath: pidFile) })
        #expect(outcome.ending == .interrupted)
        #expect(outcome.termination == .signalled(SIGTERM))
        #expect(try Self.isGone(Self.pid(in: pidFile)))
    }

    /// A group that ignores SIGTERM is killed with SIGKILL after the grace, grandchild included.
    @Test func aGroupThatIgnoresSIGTERMIsKilled() throws {
        let directory = try TemporaryFiles()
        let pidFile = directory.path + "/grandchild"
        let script = "trap '' TERM; echo started >&2; sleep 1000 & echo $! > \(pidFile).new; mv \(pidFile).new \(pidFile); wait"
        let outcome = try shell(script).run(stopping: { FileManager.default.fileExists(atPath: pidFile) })
        #expect(outcome.ending == .interrupted)
        #expect(outcome.termination == .signalled(SIGKILL))
        #expect(String(decoding: outcome.stderr, as: UTF8.self) == "started\n")
        #expect(try Self.isGone(Self.pid(in: pidFile)))
    }

    @Test func stoppingInterruptsTheCommand() throws {
        var asked = 0
        let outcome = try shell("sleep 1000").run(stopping: {
            asked += 1
            return asked > 2
        })
        #expect(outcome.ending == .interrupted)
        #expect(outcome.termination == .signalled(SIGTERM))
    }

    @Test func aMissingProgramIsAClearError() {
        let runner = CommandRunner(arguments: ["/nonexistent/notify-sms"], environment: [:], timeoutSeconds: 5)
        #expect(throws: ErrnoError(errno: ENOENT, operation: "cannot start /nonexistent/notify-sms")) { try runner.run() }
        #expect(ErrnoError(errno: ENOENT, operation: "cannot start /nonexistent/notify-sms").description
            == "cannot start /nonexistent/notify-sms: No such file or directory")
    }

    /// Descriptors of the caller (a database, a socket) are not inherited.
    @Test func theChildInheritsNoOtherDescriptor() throws {
        let fd = open("/dev/null", O_RDONLY)  // no O_CLOEXEC
        try #require(fd > 2)
        defer { close(fd) }
        let outcome = try shell("for f in /proc/$$/fd/*; do echo ${f##*/}; done >&2").run()
        let listed = String(decoding: outcome.stderr, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(listed.contains("2"))
        #expect(!listed.contains(String(fd)), "\(listed)")
    }

    /// The grandchild's pid, as the script wrote it.
    private static func pid(in file: String) throws -> pid_t {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try #require(pid_t(text.trimmingWhitespaceAndNewlines()))
    }

    /// Whether `pid` has ended (gone, or a zombie waiting for its new parent), waiting for the kill to land.
    private static func isGone(_ pid: pid_t) -> Bool {
        for _ in 0..<3_000 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
            usleep(10_000)
        }
        return false
    }
}

/// A scratch directory removed when the value goes.
private final class TemporaryFiles {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/runner-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
