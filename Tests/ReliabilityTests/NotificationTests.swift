import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Issue 15 item 1 (out-of-band notification): the real lookoutd runs the shipped reference notifier
    /// (`config/notifiers/http-post`, curl) against an HTTP server the test starts; re-notification, the server
    /// being down, a failing notifier made visible, recovery, and a message due across a restart.
    @Suite struct NotificationTests {
        /// A call button for team `security`, re-notified every 10 s (the shortest the language allows) while nobody takes it.
        static let rules = LookoutdProcess.Rules.files(["notify.rules": """
            rule test_sos {
              on kind sos channel event
              when event == "sos"
              level red
              life_safety
              title "Emergency call ({topic.device})"
              team "security"
              ack within 1h
              renotify every 10s
            }
            rule test_smoke {
              on kind smoke channel event
              when event == "smoke"
              level red
              title "Smoke ({topic.device})"
              team "security"
              ack within 1h
            }
            """])

        static let registry = """
            id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact
            SOS-0301,sos,c01,3,1,Bldg 3 Unit 1 #101,grid-03,,,Wang Fang,13800000000,true,
            SD-0401,smoke,c01,4,1,Bldg 4 Unit 1 #101,grid-04,,,,,,
            SD-0402,smoke,c01,4,2,Bldg 4 Unit 2 #101,grid-04,,,,,,
            SD-0403,smoke,c01,4,3,Bldg 4 Unit 3 #101,grid-04,,,,,,
            """

        /// A notifier configuration with the shipped http-post notifier for team `security` at `url`.
        static func notifiers(url: String, tries: Int, backoff: String) throws -> (TemporaryDirectory, String) {
            let directory = try TemporaryDirectory(prefix: "lookout-notifiers")
            let path = directory.file("notifiers.conf")
            try """
                [notify]
                operator_team = operator
                failing_after = 3

                [notifier http]
                command = \(LookoutdProcess.repositoryFile("config/notifiers/http-post"))
                timeout = 20s
                tries = \(tries)
                backoff = \(backoff)
                backoff_max = \(backoff)

                [team security]
                notifier = http
                contact = \(url)
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return (directory, path)
        }

        /// The daemon's timeline entries of `action` for event `id`.
        static func timeline(_ daemon: LookoutdProcess, _ id: String, action: String) throws -> [TimelineEntry] {
            try daemon.store().timeline(of: id).filter { $0.action == action }
        }

        @Test func referenceNotifierPostsRenotifiesFailsVisiblyAndRecovers() throws {
            let broker = try MosquittoBroker()
            let server = try HTTPRecorder()
            let (notifiersDirectory, notifiersPath) = try Self.notifiers(url: server.url(), tries: 2, backoff: "200ms")
            let daemon = try LookoutdProcess(broker: broker, rules: Self.rules, registry: Self.registry,
                                             settings: ["notify": ["notifiers": notifiersPath]])
            try daemon.start()
            _ = try waitFor("the registry mirrored into the database", log: daemon.log) {
                try daemon.store().registeredDevices(in: .community("c01")) == 4 ? true : nil
            }
            // `lookout notify test` goes through the daemon's real path: sent, or why not.
            let test = try SilenceTests.lookout(daemon, ["notify", "test", "security"])
            #expect(test.status == 0, "\(test.stderr)")
            #expect(test.stdout.contains("test message to security sent via http"))
            let testRequest = try #require(server.requests.first)
            #expect(testRequest.headers["idempotency-key"]?.hasPrefix("test.") == true)
            #expect(testRequest.body.contains("\"test\":true"))
            let nobody = try SilenceTests.lookout(daemon, ["notify", "test", "nobody", "--json"])
            #expect(nobody.status == 1)
            #expect(nobody.stdout.contains("\"state\": \"gave_up\"") || nobody.stdout.contains("\"state\":\"gave_up\""))
            #expect(nobody.stderr.contains("no notifier is configured for nobody"))

            let watch = try WatchFollower(socketPath: daemon.socketPath)
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0301/event", #"{"event":"sos","press":"short"}"#)
            try publisher.flush()
            let event = try waitFor("the call-button event", log: daemon.log) { try daemon.events().first { $0.rule == "test_sos" } }

            // The first message: POSTed with the event as JSON and the idempotency key of step 0, attempt 1.
            let first = try waitFor("the first notification at the HTTP server", log: daemon.log) {
                server.requests.first { $0.headers["x-lookout-event"] == event.id }
            }
            #expect(first.method == "POST")
            #expect(first.path == "/hook")
            #expect(first.headers["idempotency-key"] == "\(event.id).s0.a1.security")
            #expect(first.headers["content-type"] == "application/json")
            #expect(first.headers["x-lookout-level"] == "red")
            let body = try JSONDecoder().decode(EventRecord.self, from: Data(first.body.utf8))
            #expect(body.id == event.id)
            #expect(body.level == .red)
            #expect(body.teams == ["security"])
            let notified = try waitFor("the outcome on the timeline", log: daemon.log) {
                try Self.timeline(daemon, event.id, action: "notified").first
            }
            #expect(notified.note.contains("security via http (attempt 1"))

            // Nobody takes it: re-notified (a new key), and the watch bell rings again for the renotified change.
            let second = try waitFor("a re-notification at the HTTP server", log: daemon.log) {
                server.requests.first { $0.headers["idempotency-key"] == "\(event.id).s0.a2.security" }
            }
            #expect(second.body.contains("\"id\":\"\(event.id)\""))
            let ring = try waitFor("the renotified change ringing in watch", log: watch.output) {
                watch.output.split(separator: "\n").first { $0.contains("RENOTIFIED") && $0.contains(event.id) }
            }
            #expect(ring.hasSuffix("\u{07}"))
            // A notification outcome is on the timeline only: it never rings.
            #expect(!watch.output.contains("NOTIFY_"))

            // The gateway goes down: tries fail (curl cannot connect), are retried with backoff, are on the
            // timeline, and after three failures in a row the notifier is failing: status row, metrics, green event.
            server.stop()
            try publisher.publish("c01/smoke/SD-0401/event", #"{"event":"smoke","state":"alarm"}"#)
            try publisher.publish("c01/smoke/SD-0402/event", #"{"event":"smoke","state":"alarm"}"#)
            try publisher.flush()
            let failed = try waitFor("a failed try on the timeline", log: daemon.log) {
                try daemon.events().filter { $0.rule == "test_smoke" }.flatMap { try Self.timeline(daemon, $0.id, action: "notify_failed") }.first
            }
            #expect(failed.note.contains("exit 7"))
            _ = try waitFor("a message given up on the timeline", log: daemon.log) {
                try daemon.events().filter { $0.rule == "test_smoke" }.flatMap { try Self.timeline(daemon, $0.id, action: "notify_gave_up") }.first
            }
            let failingEvent = try waitFor("the notifier_failing event", log: daemon.log) {
                try daemon.events().first { $0.rule == "notifier_failing" && $0.status == .open }
            }
            #expect(failingEvent.level == .green)
            #expect(failingEvent.teams == ["operator"])
            _ = try waitFor("the status row naming the failing notifier", log: daemon.log) {
                try daemon.statusRow()["notifiers_failing"] == "http" ? true : nil
            }
            _ = try waitFor("lookout_notifier_failing 1", log: daemon.log) {
                daemon.metric(#"lookout_notifier_failing{notifier="http"}"#) == 1 ? true : nil
            }
            #expect((daemon.metric(#"lookout_notifications_total{notifier="http",outcome="gave_up"}"#) ?? 0) >= 1)
            // The shipped alert rule pages on exactly this metric.
            #expect(MetricsFileTests.metricNames(inExpressionsOf: try MetricsFileTests.alertRules).contains("lookout_notifier_failing"))
            let downTest = try SilenceTests.lookout(daemon, ["notify", "test", "security"])
            #expect(downTest.status == 1)
            #expect(downTest.stderr.contains("not sent via http: exit 7"), "\(downTest.stderr)")
            let status = try SilenceTests.lookout(daemon, ["status"])
            #expect(status.status == 1)
            #expect(status.stdout.contains("FAILING http: "))

            // Back up on the same port: the next message goes through and the notifier recovers.
            let again = try HTTPRecorder(port: server.port)
            try publisher.publish("c01/smoke/SD-0403/event", #"{"event":"smoke","state":"alarm"}"#)
            try publisher.flush()
            _ = try waitFor("a notification after the server is back", log: daemon.log) { again.requests.first }
            _ = try waitFor("the notifier_failing event cleared", log: daemon.log) {
                try daemon.events().first { $0.rule == "notifier_failing" }?.status == .cleared ? true : nil
            }
            _ = try waitFor("the status row without failing notifiers", log: daemon.log) {
                try daemon.statusRow()["notifiers_failing"] == "" ? true : nil
            }
            _ = try waitFor("lookout_notifier_failing 0", log: daemon.log) {
                daemon.metric(#"lookout_notifier_failing{notifier="http"}"#) == 0 ? true : nil
            }
            watch.stop()
            #expect(daemon.stop() == 0)
            withExtendedLifetime(notifiersDirectory) {}
        }

        /// A call button's step notifies the resident's emergency contact at once: the registry's emergency phone is
        /// the contact passed to the notifier (`emergency-contact` target), here as the reference notifier's header.
        @Test func emergencyContactIsToldWithTheRegisteredPhone() throws {
            let broker = try MosquittoBroker()
            let server = try HTTPRecorder()
            let directory = try TemporaryDirectory(prefix: "lookout-notifiers")
            let notifiersPath = directory.file("notifiers.conf")
            try """
                [notifier relatives]
                command = \(LookoutdProcess.repositoryFile("config/notifiers/http-post")) \(server.url("/sms"))
                [team emergency-contact]
                notifier = relatives
                """.write(toFile: notifiersPath, atomically: true, encoding: .utf8)
            let rules = LookoutdProcess.Rules.files(["sos.rules": """
                rule test_sos {
                  on kind sos channel event
                  when event == "sos"
                  level red
                  title "Emergency call ({topic.device})"
                  team "security", "emergency-contact"
                }
                """])
            let registry = """
                id,kind,community,building,unit,address,resident_name,resident_phone,emergency_contact,emergency_phone
                SOS-0301,sos,c01,3,1,Bldg 3 Unit 1 #101,Wang Fang,13800000000,Wang Qiang (son),+86 139-0000-0001
                """
            let daemon = try LookoutdProcess(broker: broker, rules: rules, registry: registry,
                                             settings: ["notify": ["notifiers": notifiersPath]])
            try daemon.start()
            _ = try waitFor("the registry mirrored into the database", log: daemon.log) {
                try daemon.store().registeredDevices(in: .community("c01")) == 1 ? true : nil
            }
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0301/event", #"{"event":"sos","press":"short"}"#)
            try publisher.flush()
            let request = try waitFor("the message to the emergency contact", log: daemon.log) { server.requests.first }
            let event = try #require(try daemon.events().first { $0.rule == "test_sos" })
            #expect(request.path == "/sms")
            #expect(request.headers["x-lookout-contact"] == "+86 139-0000-0001")
            #expect(request.headers["idempotency-key"] == "\(event.id).s0.a1.emergency-contact")
            _ = try waitFor("the outcome on the timeline", log: daemon.log) {
                try Self.timeline(daemon, event.id, action: "notified").first { $0.note.hasPrefix("emergency-contact via relatives") }
            }
            // Team security has no notifier: not notified out of band (only `lookout watch`), and nothing queued for it.
            #expect(server.requests.count == 1)
            #expect(daemon.stop() == 0)
        }

        /// SIGHUP rereads the notifier file: a new contact is used for the next message; a file with errors is refused
        /// with its line in the log, and the notifiers in force stay.
        @Test func notifiersReloadOnSIGHUPAndABadFileKeepsTheOldOnes() throws {
            let broker = try MosquittoBroker()
            let server = try HTTPRecorder()
            let (notifiersDirectory, notifiersPath) = try Self.notifiers(url: server.url("/before"), tries: 2, backoff: "200ms")
            let daemon = try LookoutdProcess(broker: broker, rules: Self.rules, registry: Self.registry,
                                             settings: ["notify": ["notifiers": notifiersPath]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            func alarm(_ device: String) throws -> TimelineEntry {
                try publisher.publish("c01/smoke/\(device)/event", #"{"event":"smoke","state":"alarm"}"#)
                try publisher.flush()
                let event = try waitFor("the event of \(device)", log: daemon.log) {
                    try daemon.events().first { $0.deviceID == device }
                }
                return try waitFor("the notification of \(device)", log: daemon.log) {
                    try daemon.store().timeline(of: event.id).first { $0.action.hasPrefix("notif") }
                }
            }
            _ = try alarm("SD-0401")
            #expect(server.requests.map(\.path) == ["/before"])

            let text = try String(contentsOfFile: notifiersPath, encoding: .utf8)
            try text.replacingOccurrences(of: "/before", with: "/after").write(toFile: notifiersPath, atomically: true, encoding: .utf8)
            daemon.send(SIGHUP)
            _ = try waitFor("the notifiers reloaded", log: daemon.log) { daemon.logLines(containing: "notifiers reloaded").first }
            _ = try alarm("SD-0402")
            #expect(server.requests.map(\.path) == ["/before", "/after"])

            try (text + "\n[team police]\nnotifier = pager\n").write(toFile: notifiersPath, atomically: true, encoding: .utf8)
            daemon.send(SIGHUP)
            let refused = try waitFor("the bad notifier file refused", log: daemon.log) {
                daemon.logLines(containing: "notifier reload refused").first
            }
            #expect(refused.contains("keeping the 1 notifiers in force"))
            #expect(!daemon.logLines(containing: "uses notifier 'pager', which is not defined").isEmpty)
            // The refusal is visible where an operator looks, not only in the journal.
            _ = try waitFor("the refusal in the metrics", log: daemon.log) {
                (daemon.metric("lookout_notifier_load_errors") ?? 0) >= 1 ? true : nil
            }
            let status = try SilenceTests.lookout(daemon, ["status"])
            #expect(status.stdout.contains("last reload of the notifier configuration refused with 1 error(s)"), "\(status.stdout)")
            _ = try alarm("SD-0403")
            #expect(server.requests.map(\.path) == ["/before", "/after", "/after"])
            #expect(daemon.stop() == 0)
            withExtendedLifetime(notifiersDirectory) {}
        }

        /// `lookoutd --check` reads the notifier file too, and names the teams the rules use that no notifier reaches.
        @Test func checkWarnsAboutTeamsWithoutANotifier() throws {
            let broker = try MosquittoBroker()
            let (notifiersDirectory, notifiersPath) = try Self.notifiers(url: "http://127.0.0.1:9/hook", tries: 1, backoff: "1s")
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, settings: ["notify": ["notifiers": notifiersPath]])
            let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--check", "--config", daemon.configPath])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("1 notifiers for 1 teams"))
            #expect(check.stderr.contains("warning: team 'community-office' is used by rules but has no notifier"))
            #expect(!check.stderr.contains("team 'security'"))
            // A notifier file with errors fails the check (and the start) with its lines.
            try "[team fire]\nnotifier = pager\n".write(toFile: notifiersPath, atomically: true, encoding: .utf8)
            let bad = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--check", "--config", daemon.configPath])
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("\(notifiersPath):1: error: [team fire] uses notifier 'pager', which is not defined"))
            withExtendedLifetime(notifiersDirectory) {}
        }

        /// `lookoutd --check` warns when rules tell the resident's emergency contact (the shipped sos rule) and no
        /// device of the registry has an emergency phone: those messages would be given up, one by one, at 3 a.m.
        @Test func checkWarnsWhenNoDeviceHasAnEmergencyPhoneForTheRulesThatCallOne() throws {
            let broker = try MosquittoBroker()
            let without = try LookoutdProcess(broker: broker, rules: .shipped, registry: """
                id,kind,community,building,unit,address,resident_name,resident_phone,emergency_contact
                SOS-0001,sos,c01,3,1,502,王芳,13800000001,李明 13900000002
                """)
            let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--check", "--config", without.configPath])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stderr.contains("warning: rules sos_call tell the resident's emergency contact, but no device of the registry has an emergency_phone"),
                    "\(check.stderr)")
            let with = try LookoutdProcess(broker: broker, rules: .shipped, registry: """
                id,kind,community,building,unit,address,resident_name,resident_phone,emergency_contact,emergency_phone
                SOS-0001,sos,c01,3,1,502,王芳,13800000001,李明 13900000002,13900000002
                """)
            let good = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--check", "--config", with.configPath])
            #expect(good.status == 0, "\(good.stderr)")
            #expect(!good.stderr.contains("emergency_phone"), "\(good.stderr)")
        }

        /// A message due while the daemon is stopped is sent when it starts, with the same idempotency key.
        @Test func messageDueWhileStoppedIsSentAfterRestartWithTheSameKey() throws {
            let broker = try MosquittoBroker()
            let server = try HTTPRecorder()
            server.answer(with: 503)
            let (notifiersDirectory, notifiersPath) = try Self.notifiers(url: server.url(), tries: 5, backoff: "3s")
            let daemon = try LookoutdProcess(broker: broker, rules: Self.rules, registry: Self.registry,
                                             settings: ["notify": ["notifiers": notifiersPath]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/smoke/SD-0401/event", #"{"event":"smoke","state":"alarm"}"#)
            try publisher.flush()
            let event = try waitFor("the smoke event", log: daemon.log) { try daemon.events().first { $0.rule == "test_smoke" } }
            // The gateway refuses the first try (HTTP 503: curl exits 22); the retry is due in 3 s.
            let failed = try waitFor("the refused first try on the timeline", log: daemon.log) {
                try Self.timeline(daemon, event.id, action: "notify_failed").first
            }
            #expect(failed.note.contains("exit 22"))
            daemon.killHard()
            let refused = server.requests
            #expect(refused.count == 1)
            server.answer(with: 200)
            try daemon.start()
            let delivered = try waitFor("the retried message after the restart", log: daemon.log) {
                try Self.timeline(daemon, event.id, action: "notified").first
            }
            #expect(delivered.note.contains("try 2"))
            let requests = server.requests
            #expect(requests.count == 2)
            #expect(requests.map { $0.headers["idempotency-key"] } == Array(repeating: "\(event.id).s0.a1.security", count: 2))
            #expect(daemon.stop() == 0)
            withExtendedLifetime(notifiersDirectory) {}
        }

        /// Try-out finding: a notifier whose command hangs delays only its own messages. The red call's message to
        /// the other team goes out while the hanging command is still running (before its timeout ends it).
        @Test func aHangingNotifierDelaysNoOtherTeam() throws {
            let rules = LookoutdProcess.Rules.files(["hang.rules": """
                rule test_sos {
                  on kind sos channel event
                  when event == "sos"
                  level red
                  title "Emergency call ({topic.device})"
                  team "slow", "security"
                  ack within 1h
                }
                """])
            let broker = try MosquittoBroker()
            let server = try HTTPRecorder()
            let (notifiersDirectory, notifiersPath) = try Self.notifiers(url: server.url(), tries: 1, backoff: "1s")
            let handle = try #require(FileHandle(forWritingAtPath: notifiersPath))
            handle.seekToEndOfFile()
            handle.write(Data("\n[notifier hang]\ncommand = /bin/sleep 60\ntimeout = 30s\ntries = 1\n\n[team slow]\nnotifier = hang\n".utf8))
            handle.closeFile()
            let daemon = try LookoutdProcess(broker: broker, rules: rules, registry: Self.registry,
                                             settings: ["notify": ["notifiers": notifiersPath]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0301/event", #"{"event":"sos","press":"short"}"#)
            try publisher.flush()
            let event = try waitFor("the call", log: daemon.log) { try daemon.events().first { $0.rule == "test_sos" } }
            // The slow team's message is queued first; the other team's is sent anyway while the command hangs.
            _ = try waitFor("the security team's message at the HTTP server", timeout: 25, log: daemon.log) {
                server.requests.first { $0.headers["idempotency-key"] == "\(event.id).s0.a1.security" }
            }
            let slowOutcomes = try daemon.store().timeline(of: event.id).filter { $0.note.contains("slow") }
            #expect(slowOutcomes.isEmpty, "the hanging command is still running: \(slowOutcomes.map(\.note))")
            #expect(daemon.stop() == 0)
            withExtendedLifetime(notifiersDirectory) {}
        }
    }
}
