import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `lookoutd` binary against a real mosquitto and a real SQLite file.
@Suite(.serialized) struct LookoutdEndToEndTests {
    static let alarmTopic = "c01/smoke/SD-0101/event"

    static func alarm(_ n: Int) -> String {
        #"{"ts":\#(TestDeviceTime.ts(Int64(n) * 1000)),"event":"smoke","state":"alarm","concentration_pct":18,"temperature_c":41}"#
    }

    @Test func smokeAlarmRaisesOneRedEventAtTheRegisteredAddressAndRepeatsCount() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.publish(Self.alarmTopic, Self.alarm(0))
        let event = try harness.waitFor("the smoke event") { try harness.events().first }
        #expect(event.level == .red)
        #expect(event.deviceID == "SD-0101")
        #expect(event.location.registered)
        #expect(event.location.address == "幸福里社区1号楼1单元101室")
        #expect(event.location.community == "c01")

        for n in 1...5 { try harness.publish(Self.alarmTopic, Self.alarm(n)) }
        let counted = try harness.waitFor("count 6") { try harness.events().first { $0.count >= 6 } }
        #expect(counted.count == 6)
        #expect(try harness.events(all: true).count == 1)
        #expect(counted.id == event.id)
        // The hand-off published the changes; with `subscribe = #` they came back and were not taken for devices.
        let store = try EventStore(path: harness.databasePath)
        #expect(try store.devices().map(\.id) == ["SD-0101"])
    }

    @Test func clearPayloadMarksTheEventClearedByDevice() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.publish(Self.alarmTopic, Self.alarm(0))
        let event = try harness.waitFor("the smoke event") { try harness.events().first }
        try harness.publish(Self.alarmTopic, #"{"ts":\#(TestDeviceTime.ts(9000)),"event":"smoke","state":"normal"}"#)
        let cleared = try harness.waitFor("the event to be cleared") {
            try harness.events(all: true).first { $0.id == event.id && $0.status == .cleared }
        }
        #expect(cleared.count == 1)
    }

    @Test func unregisteredDeviceRaisesAnEventThatSaysSo() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.publish("c01/smoke/SD-9999/event", Self.alarm(0))
        let event = try harness.waitFor("the event of the unregistered device") { try harness.events().first }
        #expect(!event.location.registered)
        // Folded with any other unregistered smoke detector's alarms of the registry's community (issue 14 item 8).
        #expect(event.title == "Alarms from unregistered smoke devices in community c01")
        #expect(event.description.contains("SD-9999"))
    }

    @Test func malformedMessagesAreCountedAndDoNotStopTheDaemon() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.publish(Self.alarmTopic, #"{"event":"smoke","state":"#)
        try harness.publish(Self.alarmTopic, [0x7B, 0xFF, 0xFE, 0x7D])
        try harness.publish(Self.alarmTopic, "[1,2,3]")
        try harness.publish("c01/smoke/SD-0101", Self.alarm(0))
        try harness.publish(Self.alarmTopic, Self.alarm(1))
        let event = try harness.waitFor("the valid message's event") { try harness.events().first }
        #expect(event.count == 1)
        #expect(harness.isRunning)
        let expected = ["invalid_json", "invalid_utf8", "not_an_object", "unknown_topic"].map {
            #"lookout_messages_rejected_total{reason="\#($0)"} 1"#
        } + ["lookout_messages_own_handoff_total 1"]
        let metrics = try harness.waitFor("reject counters and the returned hand-off in the metrics file") {
            let text = harness.metrics
            return expected.allSatisfy { text.contains($0) } ? text : nil
        }
        #expect(metrics.contains("lookout_messages_processed_total 1"))
        #expect(metrics.contains("lookout_up 1"))
    }

    @Test func ruleFileWithAnErrorStopsStartWithTheSourcePosition() throws {
        let broken = """
            rule broken {
              on "+/smoke/+/event"
              when event == 
              level red
              title "x"
            }
            """
        let harness = try DaemonHarness(rules: ["broken.rules": broken])
        try harness.launch()
        let status = harness.waitForExit(timeout: 60)
        #expect(status == 1)
        #expect(harness.stderr.contains("broken.rules:"))
        #expect(harness.stderr.range(of: #"broken\.rules:\d+:\d+: error: "#, options: .regularExpression) != nil)
        #expect(harness.stderr.contains("^"))

        let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--config", harness.configPath, "--check"])
        #expect(check.status == 1)
        #expect(check.stderr.range(of: #"broken\.rules:\d+:\d+: error: "#, options: .regularExpression) != nil)
    }

    @Test func checkAcceptsAGoodConfiguration() throws {
        let harness = try DaemonHarness()
        let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--config", harness.configPath, "--check"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("ok: 1 rules"))
        #expect(!FileManager.default.fileExists(atPath: harness.databasePath))
    }

    @Test func sigtermStopsCleanlyWithStoppingNotificationAndWatchdogPings() throws {
        let harness = try DaemonHarness()
        try harness.start(environment: ["WATCHDOG_USEC": "1000000"])
        #expect(harness.notify.waitFor("WATCHDOG=1", timeout: 30) != nil)
        try harness.publish(Self.alarmTopic, Self.alarm(0))
        _ = try harness.waitFor("the smoke event") { try harness.events().first }
        harness.send(SIGTERM)
        #expect(harness.notify.waitFor("STOPPING=1", timeout: 30) != nil)
        #expect(harness.waitForExit(timeout: 60) == 0)
    }

    @Test func sighupWithABrokenRuleKeepsTheOldRules() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.writeRule("zz-broken.rules", "rule zz {\n  on \"+/sos/+/event\"\n  when event ==\n}\n")
        let beforeReload = harness.notify.messages.count
        harness.send(SIGHUP)
        let ready = try #require(harness.notify.waitFor("READY=1", from: beforeReload, timeout: 30), "no READY=1 after SIGHUP")
        #expect(harness.notify.messages[beforeReload...ready].contains {
            $0.lines.first == "RELOADING=1" && $0.lines.dropFirst().first?.hasPrefix("MONOTONIC_USEC=") == true
        })
        _ = try harness.waitFor("the refused reload in the log") {
            harness.stderr.contains("zz-broken.rules:") ? true : nil
        }
        try harness.publish(Self.alarmTopic, Self.alarm(0))
        let event = try harness.waitFor("the smoke event under the old rules") { try harness.events().first }
        #expect(event.rule == "test_smoke")
        #expect(harness.isRunning)
    }

    @Test func sighupWithAGoodRuleAddsIt() throws {
        let harness = try DaemonHarness(registry: DaemonHarness.registry + "\nSOS-0001,sos,c01,1,1,1号楼1单元102室,grid-01,,86400,,,,\n")
        try harness.start()
        try harness.writeRule("sos.rules", """
            rule test_sos {
              on "+/sos/+/event"
              when event == "sos"
              level red
              title "Call button pressed ({topic.device})"
            }
            """)
        let beforeReload = harness.notify.messages.count
        harness.send(SIGHUP)
        #expect(harness.notify.waitFor("READY=1", from: beforeReload, timeout: 30) != nil)
        try harness.publish("c01/sos/SOS-0001/event", #"{"ts":\#(TestDeviceTime.ts(0)),"event":"sos","press":"short"}"#)
        let event = try harness.waitFor("the sos event") { try harness.events().first { $0.rule == "test_sos" } }
        #expect(event.level == .red)
    }

    @Test func shippedRulesAndRegistryRaiseADebouncedSmokeAlarm() throws {
        let harness = try DaemonHarness(shipped: true)
        try harness.start()
        let topic = "c01/smoke/SD-0001/event"
        try harness.publish(topic, Self.alarm(0))
        // The shipped smoke rule holds the alarm for a few seconds (chatter debounce) before raising it.
        let event = try harness.waitFor("the debounced smoke event") { try harness.events().first { $0.rule == "smoke_alarm" } }
        #expect(event.level == .red)
        #expect(event.location.registered)
        #expect(event.title.contains(event.location.address))
        #expect(!event.location.address.isEmpty)
    }

    @Test func aLockedDatabaseDelaysAMessageButDoesNotLoseIt() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let blocker = try EventStore(path: harness.databasePath)
        try blocker.transaction {
            // Holding the write lock longer than the daemon's busy timeout makes its commits fail.
            try blocker.rememberMessages([1], at: 0)
            try harness.publish(Self.alarmTopic, Self.alarm(0))
            _ = try harness.waitFor("the failed commit in the log", timeout: 60) {
                harness.stderr.contains("database commit failed") ? true : nil
            }
        }
        // Not acknowledged, so the broker redelivers it; once the lock is gone it is committed, once.
        let event = try harness.waitFor("the event after the lock is released", timeout: 60) { try harness.events().first }
        #expect(event.count == 1)
        _ = try harness.waitFor("the recovery in the log", timeout: 60) {
            harness.stderr.contains("database commits succeed again") ? true : nil
        }
        #expect(try harness.events().count == 1)
    }
}
