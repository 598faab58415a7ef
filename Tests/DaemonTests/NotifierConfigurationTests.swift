@testable import Daemon
import EventCore
import Foundation
import Testing
import Vocabulary

/// Issue 15 item 1: the notifier configuration file (notifiers, team contacts) and its diagnostics.
@Suite struct NotifierConfigurationTests {
    /// The shipped reference notifier, an executable file of this repository.
    static let httpPost = packageDirectory + "/config/notifiers/http-post"

    @Test func notifiersAndTeamsAreParsedIntoAPolicy() throws {
        let text = """
            [notify]
            operator_team = ops
            failing_after = 5
            failing_for = 2m

            [notifier http]
            command = \(Self.httpPost) https://gateway.example/hook
            timeout = 5s
            tries = 3
            backoff = 10s
            backoff_max = 30s
            min_level = yellow

            [notifier sms]
            command = \(Self.httpPost)

            [team fire]
            notifier = http
            min_level = red

            [team security]
            notifier = http
            contact = "https://gateway.example/security#page"

            [team emergency-contact]
            notifier = sms
            """
        let configuration = try NotifierConfiguration.parse(text, path: "/etc/lookout/notifiers.conf")
        #expect(configuration.operatorTeam == "ops")
        #expect(configuration.failingAfterTries == 5)
        #expect(configuration.failingAfterSeconds == 120)
        let http = try #require(configuration.notifiers["http"])
        #expect(http.command == [Self.httpPost, "https://gateway.example/hook"])
        #expect(http.timeoutSeconds == 5)
        #expect(http.tries == 3)
        // Backoff doubles per failed try, capped.
        #expect([1, 2, 3, 4].map { http.pause(afterFailedTries: $0) } == [10, 20, 30, 30])
        #expect(configuration.teams["security"]?.contact == "https://gateway.example/security#page")
        #expect(configuration.policy.minimumLevel == ["fire": .red, "security": .yellow, "emergency-contact": .green])
        #expect(configuration.route(for: "emergency-contact")?.notifier.name == "sms")
        #expect(configuration.route(for: "police") == nil)
    }

    @Test func mistakesAreReportedWithTheirLines() {
        let text = """
            [notifier http]
            command = /nonexistent/notifier
            tries = 0
            colour = blue

            [team fire]
            notifier = pager

            [team police]
            contact = x

            [team a/b]
            [notifier]
            """
        #expect {
            try NotifierConfiguration.parse(text, path: "n.conf")
        } throws: { error in
            let text = (error as? ConfigurationError)?.description ?? ""
            return text.contains("n.conf:2: error: command '/nonexistent/notifier' is not an executable file")
                && text.contains("n.conf:3: error: tries must be between 1 and 100, not 0")
                && text.contains("n.conf:4: error: unknown key 'colour' in [notifier http]")
                && text.contains("n.conf:6: error: [team fire] uses notifier 'pager', which is not defined (defined: http)")
                && text.contains("n.conf:9: error: [team police] needs a notifier")
                && text.contains("n.conf:12: error: unknown section [team a/b]")
                && text.contains("n.conf:13: error: unknown section [notifier]")
                && text.contains("n.conf:1: error: [notifier http] needs a command")
        }
    }

    @Test func lookoutdConfigurationNamesTheNotifierFile() throws {
        let configuration = try DaemonConfiguration.parse("[notify]\nnotifiers = notifiers.conf\n", path: "/etc/lookout/lookoutd.conf")
        #expect(configuration.notifiersPath == "/etc/lookout/notifiers.conf")
        #expect(DaemonConfiguration().notifiersPath == nil)
    }
}

/// When a notifier counts as failing: `failing_after` failed tries in a row, or `failing_for` without a success;
/// the first success ends it. Times are given, not waited for.
@Suite struct NotifierHealthTests {
    @Test func failingAfterTriesInARowOrAfterAWhileAndRecoveringOnSuccess() throws {
        var configuration = NotifierConfiguration()
        configuration.notifiers["http"] = NotifierDefinition(name: "http", command: ["/bin/true"])
        configuration.failingAfterTries = 3
        configuration.failingAfterSeconds = 600
        let state = NotificationState(configuration: configuration)
        let t0: EpochMillis = 1_000_000
        #expect(state.health["http"] == NotificationState.Health())
        #expect(state.record(notifier: "http", outcome: "failed", error: "exit 7", at: t0, policy: configuration).changed == false)
        #expect(state.record(notifier: "http", outcome: "failed", error: "exit 7", at: t0 + 1, policy: configuration).changed == false)
        let third = state.record(notifier: "http", outcome: "gave_up", error: "exit 22", at: t0 + 2, policy: configuration)
        #expect(third.changed && third.health.failing && third.health.consecutiveFailures == 3 && third.health.lastError == "exit 22")
        let recovered = state.record(notifier: "http", outcome: "sent", error: "", at: t0 + 3, policy: configuration)
        #expect(recovered.changed && !recovered.health.failing && recovered.health.failingSince == nil)
        #expect(recovered.health.outcomes == ["failed": 2, "gave_up": 1, "sent": 1])

        // One failure, then nothing for ten minutes: failing by time, found between tries.
        #expect(state.record(notifier: "http", outcome: "gave_up", error: "exit 28", at: t0 + 10, policy: configuration).changed == false)
        #expect(state.markFailingByTime(at: t0 + 10 + 599_999, policy: configuration).isEmpty)
        #expect(state.markFailingByTime(at: t0 + 10 + 600_000, policy: configuration).map(\.0) == ["http"])
        #expect(state.health["http"]?.failing == true)
        #expect(state.markFailingByTime(at: t0 + 10 + 600_001, policy: configuration).isEmpty)  // reported once

        // A notifier removed by a reload is no longer reported.
        state.replace(NotifierConfiguration())
        #expect(state.health.isEmpty)
    }
}
