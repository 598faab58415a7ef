import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Issue 17 item 4 at the running binary: SIGHUP reads and compiles rules and registry off the loop thread
    /// and swaps them in together, both or neither.
    @Suite struct ReloadTests {
        static let header = "id,kind,community,building,unit,address,grid,owner"

        static let rule = """
            rule test_alarm {
              on "+/door/+/event"
              when event == "door_forced"
              level yellow
              title "Door forced ({topic.device})"
            }
            """

        /// The same rule, now only for doors of the registry's new `zone` column.
        static let zoneRule = """
            rule test_alarm {
              on "+/door/+/event"
              when event == "door_forced" and device.zone == "north"
              level yellow
              title "North door forced ({topic.device})"
            }
            """

        /// Writes rule file `alarm.rules` and the registry of the running configuration.
        static func write(_ daemon: LookoutdProcess, rules: String, registry: String) throws {
            try rules.write(toFile: (daemon.directory.file("rules.d") as NSString).appendingPathComponent("alarm.rules"),
                            atomically: true, encoding: .utf8)
            try registry.write(toFile: daemon.directory.file("devices.csv"), atomically: true, encoding: .utf8)
        }

        /// Waits until the status row counts at least `count` processed messages.
        static func waitForProcessed(_ daemon: LookoutdProcess, _ count: Int) throws {
            _ = try waitFor("\(count) messages processed", log: daemon.log) {
                try daemon.statusRow()["messages_processed"].flatMap(Int.init).flatMap { $0 >= count ? true : nil }
            }
        }

        /// The open `test_alarm` event of `device`, if any.
        static func event(_ daemon: LookoutdProcess, _ device: String) throws -> EventRecord? {
            try daemon.events().first { $0.rule == "test_alarm" && $0.deviceID == device }
        }

        /// Rules that name a registry column added in the same edit, with the registry edit refused (a device
        /// listed twice): neither is swapped in, events keep coming under the old rules with the old registry,
        /// and status and metrics show the refusal. Once the registry is fixed, both come in together.
        @Test func rulesNamingAColumnOfARefusedRegistryAreRefusedWithIt() throws {
            let broker = try MosquittoBroker()
            let registry = Self.header + "\nDR-1,door,c01,3,1,Bldg 3 Unit 1,grid-03,property\nDR-2,door,c01,3,2,Bldg 3 Unit 2,grid-03,property\n"
            let daemon = try LookoutdProcess(broker: broker, rules: .files(["alarm.rules": Self.rule]), registry: registry)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publishAlarm("DR-1", sequence: 1)
            try publisher.flush()
            _ = try waitFor("DR-1's alarm", log: daemon.log) { try Self.event(daemon, "DR-1") }

            let zoned = Self.header + ",zone\nDR-1,door,c01,3,1,Bldg 3 Unit 1,grid-03,property,north\n"
                + "DR-2,door,c01,3,2,Bldg 3 Unit 2,grid-03,property,north\nDR-3,door,c01,3,3,Bldg 3 Unit 3,grid-03,property,north\n"
            try Self.write(daemon, rules: Self.zoneRule, registry: zoned + "DR-1,door,c01,3,1,Bldg 3 Unit 1,grid-03,property,south\n")
            daemon.send(SIGHUP)
            _ = try waitFor("the registry refused", log: daemon.log) {
                daemon.logLines(containing: "registry reload refused").first
            }
            #expect(daemon.logLines(containing: "rule reload refused").count == 1, "\(daemon.log)")
            #expect(daemon.logLines(containing: "rules reloaded").isEmpty, "\(daemon.log)")
            _ = try waitFor("registry_errors in the status row", log: daemon.log) {
                try daemon.statusRow()["registry_errors"].flatMap { $0 != "0" ? true : nil }
            }
            // The metrics file is written right after the status row.
            _ = try waitFor("lookout_registry_load_errors in the metrics file", log: daemon.log) {
                daemon.metric("lookout_registry_load_errors").flatMap { $0 > 0 ? true : nil }
            }

            // DR-2 has no zone in the registry in force: only the old rule raises for it.
            try publisher.publishAlarm("DR-2", sequence: 1)
            try publisher.flush()
            try Self.waitForProcessed(daemon, 2)
            let raised = try #require(try Self.event(daemon, "DR-2"), "the old rule no longer raises: \(daemon.log)")
            #expect(raised.title == "Door forced (DR-2)")

            // Fixed: rules and registry come in together, and the new rule raises for a door of the new registry.
            try Self.write(daemon, rules: Self.zoneRule, registry: zoned)
            daemon.send(SIGHUP)
            _ = try waitFor("the reload", log: daemon.log) { daemon.logLines(containing: "registry reloaded").first }
            #expect(daemon.logLines(containing: "rules reloaded").count == 1)
            try publisher.publishAlarm("DR-3", sequence: 1)
            try publisher.flush()
            let north = try waitFor("DR-3's alarm under the new rule", log: daemon.log) { try Self.event(daemon, "DR-3") }
            #expect(north.title == "North door forced (DR-3)")
            _ = try waitFor("registry_errors back to 0", log: daemon.log) {
                try daemon.statusRow()["registry_errors"] == "0" ? true : nil
            }
            #expect(daemon.stop() == 0)
        }

        /// A reload of a large registry does not stop intake: alarms published after SIGHUP are processed while
        /// the reload is still being read (a "raised" line lies between "reloading" and "rules reloaded"), and
        /// every one of them raises its event.
        @Test func intakeGoesOnWhileAReloadIsRead() throws {
            let broker = try MosquittoBroker()
            // Large enough that reading it takes longer than a message takes to arrive and commit.
            let devices = 100_000
            var registry = Self.header + "\n"
            registry.reserveCapacity(devices * 60)
            for index in 0..<devices { registry += "D-\(index),door,c01,\(index / 100),1,Bldg \(index / 100),grid-01,property\n" }
            let daemon = try LookoutdProcess(broker: broker, rules: .files(["alarm.rules": Self.rule]), registry: registry)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            daemon.send(SIGHUP)
            _ = try waitFor("the reload starting", log: daemon.log) { daemon.logLines(containing: "reloading rules").first }
            var published = 0
            while daemon.logLines(containing: "rules reloaded").isEmpty {
                guard published < 2_000 else { usleep(10_000); continue }
                try publisher.publishAlarm("D-\(published)", sequence: 1)
                try publisher.flush()
                published += 1
            }
            #expect(published > 0)
            try Self.waitForProcessed(daemon, published)
            let raised = try daemon.events().filter { $0.rule == "test_alarm" }
            #expect(raised.count == published, "\(raised.count) events for \(published) alarms")
            // Order in the log: some alarm published after SIGHUP was committed while the reload was still read.
            let lines = daemon.log.split(separator: "\n")
            let reloading = try #require(lines.firstIndex { $0.contains("reloading rules") })
            let reloaded = try #require(lines.firstIndex { $0.contains("rules reloaded") })
            #expect(lines[reloading..<reloaded].contains { $0.contains("raised") && $0.contains("test_alarm") },
                    "no alarm was processed during the reload: \(daemon.log)")
            #expect(daemon.stop() == 0)
        }
    }
}
