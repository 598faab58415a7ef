@testable import Daemon
import EventCore
import Foundation
import Testing
import Vocabulary

/// `NotifierCommand` on the `posix_spawn` runner: the results the timeline shows, as with `Foundation.Process`.
@Suite struct NotifierCommandTests {
    private func command(_ script: String, timeout: Double = 60) -> NotifierCommand {
        NotifierCommand(command: ["/bin/sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"], input: Array("{}".utf8),
                        timeoutSeconds: timeout)
    }

    @Test func successAndFailuresReadAsBefore() {
        #expect(command("cat >/dev/null").run() == .success)
        #expect(command("printf '\\n  curl: (7) Failed to connect  \\nmore\\n' >&2; exit 7").run()
            == .failure("exit 7: curl: (7) Failed to connect"))
        #expect(command("exit 22").run() == .failure("exit 22"))
        #expect(command("echo gone >&2; kill -KILL $$").run() == .failure("killed by signal 9: gone"))
    }

    @Test func aTimeoutOrAStopKillsTheCommand() {
        #expect(command("sleep 1000", timeout: 0.5).run() == .failure("timed out after 500ms, killed"))
        #expect(command("sleep 1000").run(stopping: { true }) == .interrupted)
    }

    @Test func aProgramThatCannotStartIsAFailure() {
        let missing = NotifierCommand(command: ["/nonexistent/notify"], environment: [:], input: [], timeoutSeconds: 5)
        #expect(missing.run() == .failure("cannot start /nonexistent/notify: No such file or directory"))
    }

    /// Stderr's first line is sanitised and shortened for the timeline.
    @Test func theFirstLineIsSanitisedAndShort() {
        #expect(NotifierCommand.firstLine(of: Array("\u{1B}[31mred\u{1B}[0m\n".utf8)) == TextSanitizer.sanitize("\u{1B}[31mred\u{1B}[0m"))
        let long = NotifierCommand.firstLine(of: Array(String(repeating: "x", count: 500).utf8))
        #expect(long == String(repeating: "x", count: 200) + "…")
    }

    /// A test message's stdin is byte for byte what `JSONSerialization` with sorted keys wrote.
    @Test func theTestMessageJSONIsUnchanged() throws {
        for target in ["fire", "a/b \"q\" é"] {
            let json = #"{"id":1,"eventID":"","target":"\#(target.replacingOccurrences(of: "\"", with: "\\\""))","step":0,"attempt":1,"reason":"test","idempotencyKey":"k","state":"pending","tries":0,"nextTryAt":0,"notifier":"","lastError":""}"#
            let message = try JSONDecoder().decode(PendingNotification.self, from: Data(json.utf8))
            let object: [String: Any] = ["test": true, "target": target, "title": "Lookout test message", "at": Int64(1_765_000_000_123)]
            let before = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            #expect(NotificationService.testMessageJSON(message, at: 1_765_000_000_123) == Array(before))
        }
    }
}
