import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// Issue 14 items 5, 7 and 8 at the running binary with the shipped rules and a registry: impossible values,
    /// input no rule can read, and alarms forged from unregistered ids.
    @Suite struct InputValidationTests {
        static let registry = """
            id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact
            SD-0001,smoke,c01,1,2,1号楼2单元 502室,grid-01,property,14400,,,,
            MH-0001,manhole,c01,1,3,幸福路 1号楼旁 井盖1,grid-01,telecom,86400,,,,
            SOS-0006,sos,c01,3,1,3号楼1单元 101室,grid-01,,86400,,,,
            D-0001,door,c01,1,1,1号楼1单元 门禁,grid-01,property,86400,,,,
            """

        /// A door-forced alarm of the registered door `D-0001`; `sequence` makes each one distinct.
        static func realAlarm(_ sequence: Int) -> String {
            #"{"ts":\#(TestDeviceTime.ts(Int64(sequence) * 1000)),"event":"door_forced","door":1,"seq":\#(sequence)}"#
        }

        /// Publishes a real alarm after everything else and waits for it: the broker delivers a session's
        /// messages in order, so all that was published before has been processed.
        static func drain(_ daemon: LookoutdProcess, _ publisher: TestPublisher, sequence: Int, count: Int) throws {
            try publisher.publish("c01/door/D-0001/event", realAlarm(sequence))
            try publisher.flush()
            _ = try waitFor("the real alarm of D-0001 counted \(count) time(s)", log: daemon.log) {
                try daemon.events().first { $0.deviceID == "D-0001" && $0.rule == "door_forced" }?.count == count ? true : nil
            }
        }

        static func lookout(_ daemon: LookoutdProcess, _ arguments: [String]) throws -> ChildProcess.Result {
            let result = try daemon.lookout(["--no-color"] + arguments)
            #expect(result.status == 0, "lookout \(arguments): \(result.stderr)")
            return result
        }

        /// The `lookout devices --json` entry of `id`.
        static func device(_ id: String, in daemon: LookoutdProcess) throws -> [String: Any]? {
            let output = try lookout(daemon, ["devices", "--json"]).stdout
            let array = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]
            return array?.first { $0["id"] as? String == id }
        }

        /// The entry of `id` once it counts `rejected` rejects (device activity is written once per status interval).
        static func device(_ id: String, rejected: Int, in daemon: LookoutdProcess) throws -> [String: Any] {
            try waitFor("\(id) with \(rejected) reject(s) in lookout devices", log: daemon.log) {
                try device(id, in: daemon).flatMap { $0["rejected"] as? Int == rejected ? $0 : nil }
            }
        }

        /// Item 5: `battery_pct` 250, `temperature_c` −900 and `state` "melting" are rejected with the field and the
        /// value; the third within the hour raises the device's green `implausible_data` event and `devices` shows it.
        @Test func impossibleValuesAreRejectedAndADeviceThatKeepsSendingThemIsVisible() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: Self.registry,
                                             settings: ["payloads": ["implausible_count": "3", "implausible_window": "1h"]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/smoke/SD-0001/telemetry", #"{"ts":\#(TestDeviceTime.ts(0)),"battery_pct":250,"concentration_pct":0}"#)
            try publisher.publish("c01/smoke/SD-0001/telemetry", #"{"ts":\#(TestDeviceTime.ts(1000)),"battery_pct":96,"temperature_c":-900}"#)
            try Self.drain(daemon, publisher, sequence: 1, count: 1)
            // Two so far: below the count, no event yet.
            #expect(try daemon.events().contains { $0.rule == "implausible_data" } == false)
            try publisher.publish("c01/smoke/SD-0001/event", #"{"ts":\#(TestDeviceTime.ts(2000)),"event":"smoke","state":"melting"}"#)
            try Self.drain(daemon, publisher, sequence: 2, count: 2)

            let store = try daemon.store()
            #expect(try store.rejectCounts().first { $0.reason == "implausible_value" }?.count == 3)
            let samples = try store.recentRejects(reason: "implausible_value", limit: 10)
            #expect(samples.allSatisfy { $0.deviceID == "SD-0001" })
            #expect(Set(samples.map(\.detail)) == ["battery_pct = 250: outside 0..100", "temperature_c = -900: outside -50..150",
                                                   "state = \"melting\": not one of alarm, normal, removed, installed"])
            let event = try #require(try daemon.events().first { $0.rule == "implausible_data" })
            #expect(event.deviceID == "SD-0001")
            #expect(event.level == .green)
            #expect(event.status == .open)
            // The impossible battery never reached the devices mirror; the plausible one did.
            let entry = try Self.device("SD-0001", rejected: 3, in: daemon)
            #expect(entry["implausible_data"] as? Bool == true)
            #expect(entry["rejected"] as? Int == 3)
            #expect(entry["battery_pct"] as? Double == 96)
            let table = try Self.lookout(daemon, ["devices"]).stdout
            let line = try #require(table.split(separator: "\n").first { $0.hasPrefix("SD-0001") }, Comment(rawValue: table))
            #expect(line.contains("implausible data"))
            #expect(line.contains("3 (implausible_value)"))
            let rejects = try Self.lookout(daemon, ["rejects", "--reason", "implausible_value"]).stdout
            #expect(rejects.contains("battery_pct = 250: outside 0..100"), "\(rejects)")
            #expect(daemon.stop() == 0)
        }

        /// Item 7: an unknown kind, an unknown channel, a number sent as a string and a registered device on another
        /// community's topic are each rejected with reason and sample, and each device shows in `devices`.
        @Test func inputNoRuleCanReadIsRejectedAndItsDeviceShown() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: Self.registry,
                                             settings: ["topics": ["subscribe": "\"#\""]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/toaster/T-1/event", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"burnt"}"#)
            try publisher.publish("c01/smoke/SD-0001/bogus", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"smoke","state":"alarm"}"#)
            try publisher.publish("c01/manhole/MH-0001/event", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"cover_tilt","state":"alarm","tilt_deg":"95"}"#)
            try publisher.publish("k9/sos/SOS-0006/event", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"sos","press":"short"}"#)
            try Self.drain(daemon, publisher, sequence: 1, count: 1)

            let expected = ["unknown_kind": "T-1", "unknown_channel": "SD-0001", "wrong_type": "MH-0001", "wrong_community": "SOS-0006"]
            let store = try daemon.store()
            let counts = Dictionary(uniqueKeysWithValues: try store.rejectCounts().map { ($0.reason, $0.count) })
            for (reason, device) in expected {
                #expect(counts[reason] == 1, "\(reason): \(counts)")
                let sample = try #require(try store.recentRejects(reason: reason, limit: 1).first, "no sample for \(reason)")
                #expect(sample.deviceID == device)
                #expect(!sample.detail.isEmpty)
                let entry = try Self.device(device, rejected: 1, in: daemon)
                #expect(entry["last_reject_reason"] as? String == reason)
            }
            #expect(try store.recentRejects(reason: "wrong_type", limit: 1).first?.detail == #"tilt_deg = "95": expected a number, got a string"#)
            // The k9 message was not attributed to the c01 call button, and a rejected message is not "heard from".
            #expect(try daemon.events().contains { $0.deviceID == "SOS-0006" } == false)
            #expect(try Self.device("SOS-0006", in: daemon)?["last_seen"] is NSNull)
            #expect(try daemon.events().contains { $0.deviceID == "T-1" } == false)
            #expect(daemon.stop() == 0)
        }

        /// Try-out finding B: a registered call button that keeps publishing on topics its registry entry contradicts
        /// (another community, another kind) is rejected each time, and like impossible values those rejects count
        /// towards its green `implausible_data` event, so the misconfigured device is visible, not only in `rejects`.
        @Test func aRegisteredDeviceThatKeepsSendingOnContradictingTopicsRaisesImplausibleData() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: Self.registry,
                                             settings: ["topics": ["subscribe": "\"#\""],
                                                        "payloads": ["implausible_count": "3", "implausible_window": "1h"]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let press = #"{"ts":\#(TestDeviceTime.ts(0)),"event":"sos","press":"short"}"#
            try publisher.publish("k9/sos/SOS-0006/event", press)
            try publisher.publish("k9/sos/SOS-0006/event", press)
            try Self.drain(daemon, publisher, sequence: 1, count: 1)
            // Two so far: below the count, no event yet.
            #expect(try daemon.events().contains { $0.deviceID == "SOS-0006" } == false)
            try publisher.publish("c01/smoke/SOS-0006/event", press)
            try Self.drain(daemon, publisher, sequence: 2, count: 2)

            let counts = Dictionary(uniqueKeysWithValues: try daemon.store().rejectCounts().map { ($0.reason, $0.count) })
            #expect(counts["wrong_community"] == 2 && counts["wrong_kind"] == 1, "\(counts)")
            let event = try #require(try daemon.events().first { $0.rule == "implausible_data" })
            #expect(event.deviceID == "SOS-0006")
            #expect(event.kind == "sos")
            #expect(event.level == .green)
            #expect(event.status == .open)
            #expect(event.location.community == "c01" && event.location.registered)
            #expect(event.description.contains("SOS-0006 is registered as sos, the topic says smoke"), "\(event.description)")
            // Still no call event: the messages were not attributed to the call button.
            #expect(try daemon.events().contains { $0.deviceID == "SOS-0006" && $0.rule != "implausible_data" } == false)
            let entry = try Self.device("SOS-0006", rejected: 3, in: daemon)
            #expect(entry["implausible_data"] as? Bool == true)
            #expect(entry["last_reject_reason"] as? String == "wrong_kind")
            #expect(daemon.stop() == 0)
        }

        /// Item 8: door-forced alarms from 3,000 forged ids make one event per kind and registry community (and one
        /// for every other community), with a count and the first ids; a real device's alarm stays on screen, and a
        /// cut list says how many rows it did not show.
        @Test func alarmsFromUnregisteredDevicesAreFoldedIntoOneEventPerKindAndCommunity() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: Self.registry,
                                             settings: ["limits": ["max_unknown_devices": "1000"]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let spoofed = 3_000
            for index in 0..<spoofed {
                // Half on the registry's community, half on communities the sender made up.
                let community = index % 2 == 0 ? "c01" : "fake\(index % 50)"
                try publisher.publish("\(community)/door/X-\(index)/event", Self.realAlarm(index))
            }
            try Self.drain(daemon, publisher, sequence: 1, count: 1)

            let folded = try daemon.events().filter { $0.rule == "unregistered_devices" }
            #expect(folded.count == 2)
            let home = try #require(folded.first { $0.location.community == "c01" })
            let elsewhere = try #require(folded.first { $0.location.community.isEmpty })
            #expect(home.count == spoofed / 2)
            #expect(elsewhere.count == spoofed / 2)
            #expect(home.level == .yellow)
            let senders = try daemon.store().senders(of: home.id).map(\.deviceID)
            #expect(senders == (0..<20).map { "X-\($0 * 2)" })
            #expect(try daemon.events().count == 3)

            // The real alarm is on screen, beside the two folded events.
            let listing = try Self.lookout(daemon, ["events"]).stdout
            #expect(listing.contains("D-0001"))
            #expect(listing.contains("Alarms from unregistered door devices in community c01"))
            // A cut list says how many it did not show.
            let cut = try Self.lookout(daemon, ["events", "-n", "1"]).stdout
            #expect(cut.contains("2 more event(s) not shown"), "\(cut)")
            let page = try Self.lookout(daemon, ["show", home.id]).stdout
            #expect(page.contains("X-0, X-2, X-4"), "\(page)")
            #expect(page.contains("the first 20 device ids kept; \(spoofed / 2) alarms in all"), "\(page)")
            // The devices mirror keeps 1,000 of the forged ids; its list says what it left out.
            _ = try waitFor("the 1,000 forged ids kept in the devices mirror", log: daemon.log) {
                try daemon.store().devices().filter { !$0.registered }.count == 1_000 ? true : nil
            }
            _ = try waitFor("lookout devices to say what it does not list", log: daemon.log) {
                try Self.lookout(daemon, ["devices"]).stdout.contains(
                    "Not listed: unregistered devices beyond [limits] max_unknown_devices (1000); 2000 message(s) from them") ? true : nil
            }
            #expect(daemon.stop() == 0)
        }
    }
}
