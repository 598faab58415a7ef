import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
import Vocabulary
#endif

extension ReliabilityTests {
    /// Issue 14 items 1 and 14: a maintenance silence never hides a red event of a life-safety rule; what it
    /// does hide is listed by `lookout silence list` and shown (ringing, deadlines from then) when it ends.
    @Suite struct SilenceTests {
        /// A life-safety call button and a plain red rule with a short deadline, both in building c01/3.
        static let rules = LookoutdProcess.Rules.files(["silence.rules": """
            rule test_sos {
              on kind sos channel event
              when event == "sos"
              level red
              life_safety
              title "Emergency call ({topic.device})"
              ack within 1h
            }
            rule test_tilt {
              on kind manhole channel event
              when event == "cover_tilt"
              level red
              title "Cover displaced ({topic.device})"
              ack within 3s
            }
            """])

        static let registry = """
            id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact
            SOS-0301,sos,c01,3,1,Bldg 3 Unit 1 #101,grid-03,,,Wang Fang,13800000000,true,
            MH-0301,manhole,c01,3,,Bldg 3 gate,grid-03,water,86400,,,,
            SD-0401,smoke,c01,4,1,Bldg 4 Unit 1 #101,grid-04,,,,,,
            """

        /// `lookout ARGS` on the daemon's database and API socket (the test runner is an admin), colours off.
        static func lookout(_ daemon: LookoutdProcess, _ arguments: [String]) throws -> ChildProcess.Result {
            try daemon.lookout(["--no-color"] + arguments)
        }

        /// The event of `rule` on `device`.
        static func event(_ daemon: LookoutdProcess, rule: String, device: String) throws -> EventRecord? {
            try daemon.events().first { $0.rule == rule && $0.deviceID == device }
        }

        @Test func silenceNeverHidesLifeSafetyAndReleasesWhatItHidWhenItEnds() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Self.rules, registry: Self.registry)
            try daemon.start()
            _ = try waitFor("the registry mirrored into the database", log: daemon.log) {
                try daemon.store().registeredDevices(in: .community("c01")) == 3 ? true : nil
            }
            let watch = try WatchFollower(socketPath: daemon.socketPath)

            // Refused: no registered device; a whole community without --force (the reason is given).
            let nothing = try Self.lookout(daemon, ["silence", "add", "--building", "c01/9", "--for", "1h", "--reason", "x"])
            #expect(nothing.status == 1 && nothing.stderr.contains("covers no registered device"), "\(nothing.stderr)")
            let community = try Self.lookout(daemon, ["silence", "add", "--community", "c01", "--for", "1h", "--reason", "x"])
            #expect(community.status == 1 && community.stderr.contains("whole community c01")
                && community.stderr.contains("--force"), "\(community.stderr)")

            let add = try Self.lookout(daemon, ["silence", "add", "--building", "c01/3", "--for", "15s", "--reason", "fire alarm test"])
            try #require(add.status == 0, "\(add.stderr)")
            let silence = try #require(try daemon.store().listSilences(now: WallClock.now()).first)

            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0301/event", #"{"event":"sos","press":"short"}"#)
            try publisher.publish("c01/manhole/MH-0301/event", #"{"event":"cover_tilt","state":"alarm","tilt_deg":30}"#)
            try publisher.flush()
            let sos = try waitFor("the call-button event", log: daemon.log) { try Self.event(daemon, rule: "test_sos", device: "SOS-0301") }
            let tilt = try waitFor("the cover event", log: daemon.log) { try Self.event(daemon, rule: "test_tilt", device: "MH-0301") }

            // The life-safety red event is shown, marked; the other one is hidden while the silence lasts.
            #expect(!sos.silenced && sos.maintenance == "fire alarm test")
            #expect(tilt.silenced && tilt.maintenance == "fire alarm test")
            let events = try Self.lookout(daemon, ["events"])
            #expect(events.stdout.contains(sos.id) && events.stdout.contains("[during maintenance: fire"), "\(events.stdout)")
            let show = try Self.lookout(daemon, ["show", sos.id])
            #expect(show.stdout.contains("during maintenance: fire alarm test"), "\(show.stdout)")
            #expect(!events.stdout.contains(tilt.id))
            let sosLine = try waitFor("the call-button event in watch", log: watch.output) { watch.line(containing: sos.id) }
            #expect(sosLine.contains("RAISED") && sosLine.contains("\u{07}") && sosLine.contains("during maintenance: fire alarm test"),
                    "\(sosLine)")

            // Item 14: the list says what the silence holds back right now.
            let list = try Self.lookout(daemon, ["silence", "list"])
            if WallClock.now() < silence.until {
                #expect(list.stdout.contains("1 event(s) hidden, 2 device(s), 1 life-safety event(s) shown anyway"), "\(list.stdout)")
                #expect(list.stdout.contains("silence \(silence.id) hides \(tilt.id)"), "\(list.stdout)")
                #expect(list.stdout.contains("silence \(silence.id) does not hide (life safety) \(sos.id)"), "\(list.stdout)")
            }

            // When the silence ends, the hidden event is shown, rings, its deadline runs from then and escalates.
            let released = try waitFor("the cover event shown after the silence", log: daemon.log) {
                try Self.event(daemon, rule: "test_tilt", device: "MH-0301").flatMap { $0.silenced ? nil : $0 }
            }
            let ackDeadline = try #require(released.ackDeadline)
            #expect(ackDeadline >= silence.until + 3_000, "the deadline runs from the end of the silence, not from the raise")
            let shownLine = try waitFor("the released event in watch", log: watch.output) { watch.line(containing: "UNSILENCED") }
            #expect(shownLine.contains(tilt.id) && shownLine.contains("\u{07}"), "\(shownLine)")
            let escalated = try waitFor("the released event escalated", log: daemon.log) {
                try Self.event(daemon, rule: "test_tilt", device: "MH-0301").flatMap { $0.overdue ? $0 : nil }
            }
            let timeline = try daemon.store().timeline(of: escalated.id).map(\.action)
            #expect(timeline == ["raised", "unsilenced", "escalated"], "\(timeline)")
            let after = try Self.lookout(daemon, ["silence", "list"])
            #expect(after.stdout.contains("No silences in force."))
            watch.stop()
            #expect(daemon.stop() == 0)
        }

        /// Try-out finding A: alarms of unregistered devices are folded into one event per kind and community; the
        /// folded event keeps the life-safety flag of the rule that raised it, so a community silence does not hide a
        /// red folded smoke alarm or call (shown, ringing, marked), while it still hides a folded door alarm.
        @Test func silenceNeverHidesARedFoldedLifeSafetyEventOfUnregisteredDevices() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: Self.registry)
            try daemon.start()
            _ = try waitFor("the registry mirrored into the database", log: daemon.log) {
                try daemon.store().registeredDevices(in: .community("c01")) == 3 ? true : nil
            }
            let watch = try WatchFollower(socketPath: daemon.socketPath)
            let add = try Self.lookout(daemon, ["silence", "add", "--community", "c01", "--for", "1h", "--reason", "community test",
                                                "--force"])
            try #require(add.status == 0, "\(add.stderr)")

            let publisher = try TestPublisher(broker: broker)
            // SD-9999, SOS-9999 and D-9999 are not in the registry; the smoke alarm is held past the shipped debounce.
            try publisher.publish("c01/door/D-9999/event", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"door_forced","door":1}"#)
            try publisher.publish("c01/sos/SOS-9999/event", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"sos","press":"short"}"#)
            try publisher.publish("c01/smoke/SD-9999/event", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"smoke","state":"alarm"}"#)
            try publisher.flush()
            func folded(_ kind: String) throws -> EventRecord? {
                try daemon.events().first { $0.rule == "unregistered_devices" && $0.kind == kind }
            }
            let smoke = try waitFor("the folded smoke event", log: daemon.log) { try folded("smoke") }
            let sos = try waitFor("the folded call-button event", log: daemon.log) { try folded("sos") }
            let door = try waitFor("the folded door event", log: daemon.log) { try folded("door") }

            for event in [smoke, sos] {
                #expect(event.level == .red && event.status == .open)
                #expect(!event.silenced && event.maintenance == "community test", "\(event)")
                #expect(event.location.community == "c01")
            }
            // The silence is in force: the folded event of a rule that is not life-safety stays hidden.
            #expect(door.silenced && door.maintenance == "community test")
            let events = try Self.lookout(daemon, ["events"]).stdout
            #expect(events.contains(smoke.id) && events.contains(sos.id) && !events.contains(door.id), "\(events)")
            #expect(events.contains("Alarms from unregistered smoke devices in community c01"), "\(events)")
            #expect(events.contains("1 silenced event(s) not shown"), "\(events)")
            let show = try Self.lookout(daemon, ["show", smoke.id]).stdout
            #expect(show.contains("during maintenance: community test"), "\(show)")
            for event in [smoke, sos] {
                let line = try waitFor("\(event.id) ringing in watch", log: watch.output) { watch.line(containing: event.id) }
                #expect(line.contains("RAISED") && line.contains("\u{07}") && line.contains("during maintenance: community test"),
                        "\(line)")
            }
            watch.stop()
            #expect(daemon.stop() == 0)
        }
    }
}

/// `lookout watch --since-start --bell` followed in the background; its output read as it grows.
final class WatchFollower {
    let process = Process()
    let path: String
    let directory: TemporaryDirectory

    /// Watches through the lookoutd serving `socketPath`.
    init(socketPath: String) throws {
        directory = try TemporaryDirectory(prefix: "lookout-watch")
        path = directory.file("watch.out")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        process.executableURL = URL(fileURLWithPath: ChildProcess.product("lookout"))
        process.arguments = ["--no-color", "watch", "--since-start", "--bell", "--interval", "0.1"]
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "250"
        environment["LOOKOUT_SOCKET"] = socketPath
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: path)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit { stop() }

    /// Everything printed so far.
    var output: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The first complete line containing `text`.
    func line(containing text: String) -> String? {
        output.split(separator: "\n").map(String.init).first { $0.contains(text) }
    }

    /// Interrupts it and waits.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
    }
}
