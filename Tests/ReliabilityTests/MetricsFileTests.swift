import Foundation
import LookoutTestSupport
import Testing
import Vocabulary

extension ReliabilityTests {
    /// Issue 15 item 3: a crashed daemon must not look up. The metrics file says when it was written, so
    /// after `kill -9` (which leaves `lookout_up 1` behind) the shipped alert rules see it go stale.
    @Suite struct MetricsFileTests {
        /// A red rule whose acknowledge deadline passes at once, for `lookout_overdue_red_events`.
        static let rules = LookoutdProcess.Rules.files(["red.rules": """
            rule test_red {
              on "+/door/+/event"
              when event == "door_forced"
              level red
              title "Door forced ({topic.device})"
              ack within 1s
            }
            """])

        /// The shipped alert rules (`config/prometheus/lookout-alerts.yml`).
        static var alertRules: String {
            get throws {
                try String(contentsOfFile: LookoutdProcess.repositoryFile("config/prometheus/lookout-alerts.yml"), encoding: .utf8)
            }
        }

        /// Sample names in a Prometheus textfile (without labels).
        static func sampleNames(_ text: String) -> Set<String> {
            Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.prefix { $0 != "{" && $0 != " " }) })
        }

        /// The `lookout_…` metric names the alert rules' `expr:` lines use.
        static func metricNames(inExpressionsOf rules: String) -> Set<String> {
            var names = Set<String>()
            for line in rules.split(separator: "\n") {
                let trimmed = line.drop { $0 == " " }
                guard trimmed.hasPrefix("expr:") else { continue }
                for match in trimmed.matches(of: /lookout_[a-z0-9_]+/) { names.insert(String(match.output)) }
            }
            return names
        }

        /// `promtool check rules` is not available here: the file's structure is checked by its text (two-space
        /// YAML indentation, one group, every alert with an expression, a severity and a summary).
        @Test func alertRulesHaveTheExpectedStructure() throws {
            let text = try Self.alertRules
            #expect(!text.contains("\t"), "YAML does not allow tabs for indentation")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let content = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
            #expect(content.first == "groups:")
            #expect(content.dropFirst().first == "  - name: lookoutd")
            #expect(content.dropFirst(2).first == "    rules:")

            // Split into alert blocks; every content line after `rules:` belongs to one.
            var blocks: [(name: String, lines: [String])] = []
            for line in content.dropFirst(3) {
                if let match = line.wholeMatch(of: /\ {6}- alert: ([A-Za-z]+)/) {
                    blocks.append((String(match.output.1), []))
                } else {
                    try #require(!blocks.isEmpty, "a line before the first alert: \(line)")
                    #expect(line.hasPrefix("        "), "not inside an alert: \(line)")
                    blocks[blocks.count - 1].lines.append(line)
                }
            }
            let names = blocks.map(\.name)
            #expect(names.count == Set(names).count, "alert names repeat: \(names)")
            #expect(Set(names).isSuperset(of: ["LookoutMetricsStale", "LookoutBrokerDisconnected", "LookoutRedEventsOverdue"]))
            for block in blocks {
                let keys = block.lines.compactMap { $0.wholeMatch(of: /( +)([a-z_]+):.*/) }.map { ($0.output.1.count, String($0.output.2)) }
                for key in ["expr", "labels", "annotations"] {
                    #expect(keys.filter { $0 == (8, key) }.count == 1, "\(block.name): one \(key)")
                }
                #expect(keys.contains { $0 == (10, "severity") } && keys.contains { $0 == (10, "summary") }, "\(block.name)")
                #expect(Set(keys.map(\.0)).isSubset(of: [8, 10]), "\(block.name): unexpected indentation")
                for line in block.lines where line.hasPrefix("        for: ") {
                    let duration = line.wholeMatch(of: /\ {8}for: [0-9]+[smhd]/) != nil
                    #expect(duration, "\(block.name): \(line)")
                }
                for line in block.lines where line.hasPrefix("          ") && line.contains("\"") {
                    // A double-quoted scalar: quotes at both ends, none inside.
                    let quoted = line.wholeMatch(of: /\ {10}[a-z]+: "[^"]*"/) != nil
                    #expect(quoted, "\(block.name): \(line)")
                }
            }
            let stale = try #require(blocks.first { $0.name == "LookoutMetricsStale" })
            #expect(stale.lines.contains { $0.contains("expr: time() - lookout_last_update_timestamp_seconds > 3 * lookout_status_interval_seconds") })
        }

        /// The file carries when it was written and the build; while lookoutd runs the time advances, after
        /// `kill -9` the file stays (still saying `lookout_up 1`) and the time stops: the stale-metrics rule's
        /// expression becomes true. Every metric the shipped alert rules use is one lookoutd writes.
        @Test func killedDaemonLeavesAStaleTimestampThatTheAlertRulesSee() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Self.rules)
            try daemon.start()
            let first = try waitFor("lookout_last_update_timestamp_seconds in the metrics file", log: daemon.log) {
                daemon.metric("lookout_last_update_timestamp_seconds")
            }
            #expect(daemon.metric("lookout_build_info{version=\"\(lookoutVersion)\"}") == 1)
            let interval = try #require(daemon.metric("lookout_status_interval_seconds"))
            #expect(interval == 0.5)

            // A red event past its deadline: the gauge the overdue rule alerts on.
            let publisher = try TestPublisher(broker: broker)
            try publisher.publishAlarm("D-red", sequence: 1)
            try publisher.flush()
            _ = try waitFor("lookout_overdue_red_events 1", log: daemon.log) {
                daemon.metric("lookout_overdue_red_events") == 1 ? true : nil
            }

            let text = try String(contentsOfFile: daemon.metricsPath, encoding: .utf8)
            let used = Self.metricNames(inExpressionsOf: try Self.alertRules)
            #expect(used.isSuperset(of: ["lookout_last_update_timestamp_seconds", "lookout_broker_connected", "lookout_overdue_red_events"]))
            // `lookout_notifier_failing` has a sample per configured notifier (none here): NotificationTests checks it.
            let written = Self.sampleNames(text).union(["lookout_notifier_failing"])
            #expect(used.isSubset(of: written), "alert rules use metrics lookoutd does not write: \(used.subtracting(written))")

            // Running: the time advances.
            let later = try waitFor("the timestamp advancing", log: daemon.log) {
                daemon.metric("lookout_last_update_timestamp_seconds").flatMap { $0 > first ? $0 : nil }
            }

            daemon.killHard()
            let last = try #require(daemon.metric("lookout_last_update_timestamp_seconds"))
            #expect(last >= later)
            // The file stays, and still looks up: only its time tells.
            #expect(daemon.metric("lookout_up") == 1)
            #expect(daemon.metric("lookout_broker_connected") == 1)
            // Wait until three intervals have passed since the last write (a wall-clock condition, not a threshold)…
            _ = try waitFor("three status intervals after the last write") {
                Date().timeIntervalSince1970 > last + 3 * interval ? true : nil
            }
            // …and the time has not moved: `time() - lookout_last_update_timestamp_seconds > 3 * interval` holds.
            let now = Date().timeIntervalSince1970
            #expect(daemon.metric("lookout_last_update_timestamp_seconds") == last)
            #expect(now - last > 3 * interval)

            // Started again, it writes fresh times.
            try daemon.start()
            _ = try waitFor("a fresh timestamp after the restart", log: daemon.log) {
                daemon.metric("lookout_last_update_timestamp_seconds").flatMap { $0 > last ? true : nil }
            }
            #expect(daemon.stop() == 0)
            #expect(daemon.metric("lookout_up") == 0)
        }
    }
}
