import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// Issue 14, item 13: device data reaches the journal under the same rules as the terminal.
    @Suite struct LogSanitisingTests {
        /// Characters that reorder or break a line: a right-to-left override, an isolate, a line separator, ESC.
        static let hostile = "\u{202E}gpj.exe\u{2066}\u{2028}\u{1B}[2J"

        @Test func bidiControlsFromADeviceNeverReachTheLog() throws {
            let broker = try MosquittoBroker()
            let rule = """
                rule labelled_alarm {
                  on "+/door/+/event"
                  when event == "door_forced"
                  level yellow
                  title "Door forced ({topic.device}) label {label}"
                }
                """
            let registry = """
                id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact
                D-1,door,c01,1,1,Gate 1,grid-01,property,600,,,,
                """
            let daemon = try LookoutdProcess(broker: broker, rules: .files(["label.rules": rule]), registry: registry + "\n")
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let label = Self.hostile.replacingOccurrences(of: "\u{1B}", with: "\\u001b")
            try publisher.publish("c01/door/D-1/event", #"{"event":"door_forced","door":1,"label":"\#(label)"}"#)
            // The device id is the sender's to choose, so it may carry the bidi characters (MQTT refuses C0 in topics).
            try publisher.publish("c01/door/D-\u{202E}gpj.exe\u{2066}/event", #"{"event":"door_forced","door":1,"label":"x"}"#)
            try publisher.flush()
            _ = try waitFor("the raise of D-1 in the log", log: daemon.log) {
                daemon.logLines(containing: "labelled_alarm D-1").first
            }
            let status = daemon.stop()
            #expect(status == 0)

            let log = daemon.log
            let dangerous = log.unicodeScalars.filter { $0 != "\n" && TextSanitizerProbe.isDangerous($0) }
            #expect(dangerous.isEmpty, "raw control or bidi characters in the log: \(dangerous.map { String($0.value, radix: 16) })")
            let line = daemon.logLines(containing: "labelled_alarm D-1").first ?? ""
            #expect(line.contains("\\u{202e}gpj.exe\\u{2066}\\u{2028}\\x1b[2J"), "escaped label not in: \(line)")
        }
    }
}

extension ReliabilityTests {
    /// The log's flood guard counts instead of writing only a flood of one rule's lines (beyond a burst); a red
    /// event is someone's emergency and always gets its own line.
    @Suite struct EventLogLineTests {
        @Test func everyRedRaiseHasItsOwnLogLine() throws {
            let broker = try MosquittoBroker()
            let registry = try String(contentsOfFile: LookoutdProcess.repositoryFile("config/devices.csv"), encoding: .utf8)
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: registry)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let presses = ["SOS-0001", "SOS-0002", "SOS-0003"]
            for device in presses {
                try publisher.publish("c01/sos/\(device)/event", #"{"event":"sos","press":"short"}"#)
            }
            try publisher.flush()
            _ = try waitFor("three call-button events", log: daemon.log) {
                try daemon.events().filter { $0.rule == "sos_call" }.count == presses.count ? true : nil
            }
            #expect(daemon.stop() == 0)
            for device in presses {
                #expect(daemon.logLines(containing: "red sos_call \(device)").count == 1, "\(daemon.log)")
            }
        }

        /// Issue 15, item 2: 33 yellow raises of one rule within a minute used to leave one line (the flood guard
        /// keyed by rule for 60 s), and escalations were logged at info, hidden from `journalctl -p warning`.
        @Test func everyRaiseIsLoggedWithItsEventIdAndEscalationsAtWarning() throws {
            let broker = try MosquittoBroker()
            let rules = """
                rule door_watch {
                  on kind door channel event
                  when event == "door_forced"
                  level yellow
                  title "Door forced ({topic.device})"
                }
                rule tilt_watch {
                  on kind manhole channel event
                  when event == "cover_tilt"
                  level yellow
                  title "Cover tilted ({topic.device})"
                  ack within 1s
                }
                """
            let doors = (1...33).map { String(format: "D-%02d", $0) }
            let registry = (["id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact",
                             "MH-01,manhole,c01,1,,Gate 1,grid-01,water,86400,,,,"]
                            + doors.map { "\($0),door,c01,1,1,Gate 1,grid-01,property,600,,,," }).joined(separator: "\n") + "\n"
            let daemon = try LookoutdProcess(broker: broker, rules: .files(["watch.rules": rules]), registry: registry)
            // As under systemd: journald priority prefixes (`<4>` is what `journalctl -p warning` shows).
            try daemon.start(environment: ["JOURNAL_STREAM": "8:12345"])
            let publisher = try TestPublisher(broker: broker)
            for device in doors {
                try publisher.publish("c01/door/\(device)/event", #"{"event":"door_forced","door":1}"#)
            }
            try publisher.publish("c01/manhole/MH-01/event", #"{"event":"cover_tilt","state":"alarm","tilt_deg":30}"#)
            try publisher.flush()
            let raised = try waitFor("33 door events", log: daemon.log) {
                let events = try daemon.events().filter { $0.rule == "door_watch" }
                return events.count == doors.count ? events : nil
            }
            let tilt = try waitFor("the cover event", log: daemon.log) { try daemon.events().first { $0.rule == "tilt_watch" } }
            let escalation = try waitFor("the cover event's escalation in the log", log: daemon.log) {
                daemon.logLines(containing: "escalated \(tilt.id) ").first
            }
            #expect(daemon.stop() == 0)

            for event in raised {
                let lines = daemon.logLines(containing: "raised \(event.id) yellow door_watch \(event.deviceID):")
                #expect(lines == ["<6>raised \(event.id) yellow door_watch \(event.deviceID): Door forced (\(event.deviceID))"],
                        "\(daemon.log)")
            }
            #expect(daemon.logLines(containing: "similar").isEmpty, "\(daemon.log)")
            #expect(escalation.hasPrefix("<4>escalated \(tilt.id) yellow (tilt_watch, MH-01): not acknowledged by"), "\(escalation)")
        }
    }
}

/// The characters the shared sanitizer escapes, spelled out here so that the test does not trust the code it tests.
enum TextSanitizerProbe {
    static func isDangerous(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F..<0xA0, 0x061C, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2060, 0x2066...0x2069,
             0xFEFF: return true
        default: return false
        }
    }
}
