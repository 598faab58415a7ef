import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
import Vocabulary
#endif

extension ReliabilityTests {
    /// Issue 15 item 1 on the real `lookoutd` and `lookout`: an unanswered call brings in departments step by step,
    /// re-notifies until someone takes it (the `watch` bell rings again), each department reports in on its own, and
    /// a step due while the daemon was stopped runs when it starts.
    @Suite struct EscalationChainEndToEndTests {
        static let rules = LookoutdProcess.Rules.files(["chain.rules": """
            rule test_sos {
              on kind sos channel event
              when event == "sos"
              level red
              life_safety
              title "Emergency call ({topic.device})"
              team "community-office", device.grid
              ack within 1h
              onsite within 2h
              renotify every 10s
              escalate after 0s bring in "fire" report in
              escalate after 0s bring in emergency contact
              escalate after 3s unless acknowledged bring in "medical", "police" report in
              escalate after 1h unless onsite bring in "street-office"
            }
            """])

        static let registry = """
            id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact,emergency_phone
            SOS-0301,sos,c01,3,1,Bldg 3 Unit 1 #101,grid-03,,,Wang Fang,13800000000,true,Wang Lei (son),13900000000
            SOS-0302,sos,c01,3,2,Bldg 3 Unit 2 #201,grid-03,,,Li Na,13800000001,true,,
            """

        /// `lookout ARGS` through the daemon as the test runner (an admin), on behalf of `actor` when given.
        static func lookout(_ daemon: LookoutdProcess, _ arguments: [String], actor: String? = nil) throws -> ChildProcess.Result {
            try daemon.lookout(["--no-color"] + (actor.map { ["--as", $0] } ?? []) + arguments)
        }

        static func event(_ daemon: LookoutdProcess, device: String) throws -> EventRecord? {
            try daemon.events().first { $0.deviceID == device }
        }

        @Test func anUnansweredCallBringsInDepartmentsThatEachReportIn() throws {
            let broker = try MosquittoBroker()
            // The shipped reference notifier tells medical, police and the emergency contact at an HTTP server.
            let server = try HTTPRecorder()
            let notifiersDirectory = try TemporaryDirectory(prefix: "lookout-notifiers")
            let notifiersPath = notifiersDirectory.file("notifiers.conf")
            // Teams are reached at a URL; the emergency contact through an SMS-like gateway given the phone number.
            let httpPost = LookoutdProcess.repositoryFile("config/notifiers/http-post")
            try ([
                "[notifier http]", "command = \(httpPost)", "timeout = 20s", "",
                "[notifier sms]", "command = \(httpPost) \(server.url("/sms"))", "timeout = 20s", "",
                "[team emergency-contact]", "notifier = sms", "",
            ] + ["medical", "police"].flatMap { ["[team \($0)]", "notifier = http", "contact = \(server.url())", ""] })
                .joined(separator: "\n").write(toFile: notifiersPath, atomically: true, encoding: .utf8)
            let daemon = try LookoutdProcess(broker: broker, rules: Self.rules, registry: Self.registry,
                                             settings: ["notify": ["notifiers": notifiersPath]])
            try daemon.start()
            _ = try waitFor("the registry mirrored into the database", log: daemon.log) {
                try daemon.store().registeredDevices(in: .community("c01")) == 2 ? true : nil
            }
            let watch = try WatchFollower(socketPath: daemon.socketPath)
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0301/event", #"{"event":"sos","press":"short"}"#)
            try publisher.flush()
            let raised = try waitFor("the call", log: daemon.log) { try Self.event(daemon, device: "SOS-0301") }

            // At once: fire and the emergency contact; after 3 s nobody has taken it: medical and police.
            let escalated = try waitFor("medical and police brought in", log: daemon.log) {
                try Self.event(daemon, device: "SOS-0301").flatMap { $0.teams.contains("police") ? $0 : nil }
            }
            #expect(escalated.teams == ["community-office", "grid-03", "fire", "emergency-contact", "medical", "police"])
            let notes = try daemon.store().timeline(of: raised.id).filter { $0.action == "escalated" }.map(\.note)
            #expect(notes.count == 3, "\(notes)")
            #expect(notes.contains { $0.contains("brought in medical, police; each must report in") }, "\(notes)")
            #expect(!notes.contains { $0.contains("→") }, "a red event is not 'escalated to red': \(notes)")
            // The journal says what each escalation did, at warning.
            let journal = daemon.logLines(containing: "escalated \(raised.id)")
            #expect(journal.contains { $0.contains("brought in medical, police") && $0.contains("warning") }, "\(journal)")
            #expect(!journal.contains { $0.contains("to red") }, "\(journal)")

            // Each team a step brings in is told out of band, with the step in the idempotency key: the emergency contact
            // by step 2 at once, medical and police by step 3.
            for key in ["\(raised.id).s2.a1.emergency-contact", "\(raised.id).s3.a1.medical", "\(raised.id).s3.a1.police"] {
                _ = try waitFor("\(key) at the HTTP server", log: daemon.log) {
                    server.requests.first { $0.headers["idempotency-key"] == key }
                }
            }

            let relative = try #require(server.requests.first { $0.headers["idempotency-key"] == "\(raised.id).s2.a1.emergency-contact" })
            #expect(relative.path == "/sms" && relative.headers["x-lookout-contact"] == "13900000000", "\(relative.headers)")

            // Until someone takes it, it is re-notified: the bell rings again in `watch`.
            let renotified = try waitFor("the call re-notified in watch", timeout: 60, log: watch.output) {
                watch.line(containing: "RENOTIFIED")
            }
            #expect(renotified.contains(raised.id) && renotified.contains("\u{07}"), "\(renotified)")

            // Each department reports in on its own; the event's own acknowledgement is the first one.
            let fire = try Self.lookout(daemon, ["ack", raised.id, "--team", "fire", "--note", "engine 3 on the way"], actor: "li")
            #expect(fire.status == 0 && fire.stdout.contains("fire reported in by \(LookoutdProcess.runnerLogin) on behalf of li"),
                    "\(fire.stdout)\(fire.stderr)")
            let firstAck = try #require(try daemon.store().event(id: raised.id))
            #expect(firstAck.status == .acknowledged)
            let medical = try Self.lookout(daemon, ["ack", raised.id, "--team", "medical"], actor: "zhao")
            #expect(medical.status == 0, "\(medical.stderr)")
            let again = try Self.lookout(daemon, ["ack", raised.id, "--team", "fire"], actor: "li")
            #expect(again.status == 1 && again.stderr.contains("fire already reported in"), "\(again.stderr)")
            let stranger = try Self.lookout(daemon, ["ack", raised.id, "--team", "water"])
            #expect(stranger.status == 1 && stranger.stderr.contains("has not brought in team water"), "\(stranger.stderr)")

            // `show` and `watch` list who has reported in and who has not, each with its own time.
            let show = try Self.lookout(daemon, ["show", raised.id])
            #expect(show.stdout.contains("fire  brought in") && show.stdout.contains("reported in")
                    && show.stdout.contains("by \(LookoutdProcess.runnerLogin)") && show.stdout.contains("on behalf of li"),
                    "\(show.stdout)")
            #expect(show.stdout.contains("police  brought in") && show.stdout.contains("NOT reported in"), "\(show.stdout)")
            #expect(show.stdout.contains("Wang Lei (son)  13900000000"), "the structured emergency phone beside the contact: \(show.stdout)")
            let json = try Self.lookout(daemon, ["show", raised.id, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let teams = try #require(object["team_report_in"] as? [[String: Any]])
            #expect(teams.compactMap { $0["team"] as? String } == escalated.teams)
            #expect(teams.first { $0["team"] as? String == "police" }?["reported_at"] is NSNull)
            let reportLine = try waitFor("the report-in in watch", log: watch.output) { watch.line(containing: "REPORTED_IN") }
            #expect(reportLine.contains("fire reported in") && reportLine.contains("police NOT reported in"), "\(reportLine)")

            // `stats` gives each department's report-in time as its own figure.
            let stats = try Self.lookout(daemon, ["stats", "--json"])
            let figures = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
            let byTeam = try #require(figures["report_in_by_team"] as? [[String: Any]])
            #expect(byTeam.compactMap { $0["team"] as? String } == ["fire", "medical", "police"])
            #expect(byTeam.first { $0["team"] as? String == "police" }?["reported_in"] as? Int == 0)
            #expect(byTeam.first { $0["team"] as? String == "fire" }?["reported_in"] as? Int == 1)
            // Re-notification reminds the staff teams, never the relatives again.
            let reminders = server.requests.compactMap { $0.headers["idempotency-key"] }.filter { $0.contains(".s0.a") }
            #expect(!reminders.isEmpty && !reminders.contains { $0.hasSuffix("emergency-contact") }, "\(reminders)")
            watch.stop()
            #expect(daemon.stop() == 0)
            withExtendedLifetime(notifiersDirectory) {}
        }

        /// Steps are kept in the database like every other timer: one due while lookoutd was stopped runs when it
        /// starts, and a conditional one whose condition no longer holds does not.
        @Test func aStepDueWhileTheDaemonWasStoppedRunsWhenItStarts() throws {
            let rules = LookoutdProcess.Rules.files(["chain.rules": """
                rule test_sos {
                  on kind sos channel event
                  when event == "sos"
                  level red
                  title "Emergency call ({topic.device})"
                  team "community-office"
                  ack within 1h
                  escalate after 4s bring in "police" report in
                  escalate after 4s unless acknowledged bring in "street-office"
                }
                """])
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: rules, registry: Self.registry)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0301/event", #"{"event":"sos","press":"short"}"#)
            try publisher.publish("c01/sos/SOS-0302/event", #"{"event":"sos","press":"short"}"#)
            try publisher.flush()
            let taken = try waitFor("the first call", log: daemon.log) { try Self.event(daemon, device: "SOS-0301") }
            let untaken = try waitFor("the second call", log: daemon.log) { try Self.event(daemon, device: "SOS-0302") }
            let ack = try Self.lookout(daemon, ["ack", taken.id])
            try #require(ack.status == 0, "\(ack.stderr)")
            #expect(daemon.stop() == 0)
            let stoppedAt = WallClock.now()
            #expect(stoppedAt < untaken.firstSeen + 4_000, "stopped before the steps were due")
            #expect(try daemon.store().event(id: untaken.id)?.teams == ["community-office"])
            usleep(4_500_000)

            try daemon.start()
            let after = try waitFor("the steps run at start", log: daemon.log) {
                try daemon.store().event(id: untaken.id).flatMap { $0.teams.count == 3 ? $0 : nil }
            }
            #expect(after.teams == ["community-office", "police", "street-office"])
            let first = try waitFor("the unconditional step of the taken call", log: daemon.log) {
                try daemon.store().event(id: taken.id).flatMap { $0.teams.count > 1 ? $0 : nil }
            }
            #expect(first.teams == ["community-office", "police"], "taken before it was due: no street office")
            let escalatedAt = try daemon.store().timeline(of: untaken.id).filter { $0.action == "escalated" }.map(\.at)
            #expect(escalatedAt.count == 2 && escalatedAt.allSatisfy { $0 > stoppedAt }, "\(escalatedAt)")
            #expect(daemon.stop() == 0)
        }
    }
}
