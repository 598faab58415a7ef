import Foundation
@testable import Rules
import Testing
import Vocabulary

/// Durable state, reloads and bounded memory.
struct EngineStateTests {
    /// Applies changes the way the daemon's `rule_state` table does (insert-or-replace, delete on nil).
    static func apply(_ changes: [RuleStateChange], to table: inout [String: [UInt8]]) {
        for change in changes { table[change.key] = change.value }
    }

    static func entries(_ table: [String: [UInt8]]) -> [(key: String, value: [UInt8])] {
        table.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    static let rules = Fixtures.smokeAlarmRule + """

    rule denied {
      on "+/door/+/event"
      when event == "access" and result == "denied"
      count 3 within 10m
      level yellow
      title "denied"
    }
    rule silent {
      on "+/+/+/+"
      silent 2x report_interval
      level green
      title "silent {device.id}"
    }
    """

    /// A second engine built from the first one's saved state, restored at `seconds`.
    static func restarted(_ h: RuleHarness, table: [String: [UInt8]], at seconds: Double, rules: String = rules) throws -> RuleHarness {
        let fresh = try RuleHarness(rules: rules, devices: Fixtures.devices, start: h.start)
        fresh.engine.restoreState(entries(table), now: h.start + Int64(seconds * 1000))
        return fresh
    }

    @Test func pendingDurationWindowsAndActiveEventsSurviveARestart() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        var table: [String: [UInt8]] = [:]
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        h.publish(0, "c01/smoke/SD-2/event", ["event": "smoke", "state": "alarm"])
        #expect(h.tick(3) == ["raise smoke_alarm/SD-1 red", "raise smoke_alarm/SD-2 red"])
        h.publish(10, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        h.publish(10, "c01/door/DR-1/event", ["event": "access", "result": "denied"])
        h.publish(20, "c01/door/DR-1/event", ["event": "access", "result": "denied"])
        h.publish(30, "c01/smoke/SD-2/event", ["event": "smoke", "state": "normal"])
        h.publish(31, "c01/smoke/SD-2/event", ["event": "smoke", "state": "alarm"])  // pending again
        Self.apply(h.engine.takeStateChanges(), to: &table)
        #expect(h.engine.takeStateChanges().isEmpty)

        let after = try Self.restarted(h, table: table, at: 32)
        #expect(after.tick(33) == [])
        #expect(after.tick(34) == ["raise smoke_alarm/SD-2 red"])                                  // pending survived
        #expect(after.publish(40, "c01/door/DR-1/event", ["event": "access", "result": "denied"]) == ["raise denied/DR-1 yellow"])  // window survived
        #expect(after.publish(50, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"]) == ["clear smoke_alarm/SD-1 red"])  // active survived
    }

    /// Every restored state saves back to the bytes it was restored from (pending, window, active with its
    /// action and times, last seen), and of two entries for one key the later one counts.
    @Test func restoredStateSavesBackToTheSameBytes() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        var table: [String: [UInt8]] = [:]
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        #expect(h.tick(3) == ["raise smoke_alarm/SD-1 red"])
        h.publish(10, "c01/door/DR-1/event", ["event": "access", "result": "denied"])
        h.publish(20, "c01/door/DR-1/event", ["event": "access", "result": "denied"])
        h.publish(31, "c01/smoke/SD-2/event", ["event": "smoke", "state": "alarm"])
        Self.apply(h.engine.takeStateChanges(), to: &table)
        let entries = Self.entries(table)
        #expect(entries.count >= 4)
        let silentSD1 = try #require(table["silent/SD-1"])
        let fresh = try RuleHarness(rules: Self.rules, devices: Fixtures.devices, start: h.start)
        // SD-2's `silent` entry listed again, out of order, with SD-1's bytes: the later entry counts.
        fresh.engine.restoreState(entries + [(key: "silent/SD-2", value: silentSD1)], now: h.start + 32_000)
        let engine = fresh.engine
        for (storageKey, saved) in entries where !storageKey.hasPrefix("@") {
            let parts = storageKey.split(separator: "/", maxSplits: 1).map(String.init)
            let index = try #require(engine.slotIndex[parts[0]])
            let device = try #require(engine.states.device(parts[1]))
            let state = try #require(engine.states.state(rule: index, device: device))
            let expected = storageKey == "silent/SD-2" ? silentSD1 : saved
            #expect(engine.encode(state, rule: engine.ruleSet.rules[index], isGroup: false) == expected, "\(storageKey)")
        }
        let smoke = try #require(engine.slotIndex["smoke_alarm"])
        #expect(engine.slots[smoke].activeDevices == [try #require(engine.states.device("SD-1"))])
        #expect(engine.slots[smoke].pending == [try #require(engine.states.device("SD-2"))])
    }

    @Test func noFalseSilentAfterARestartButRealSilenceIsStillFound() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        var table: [String: [UInt8]] = [:]
        // SD-1 reports every hour (interval 1 h, so silent after 2 h); SD-2 never reports.
        for t in stride(from: 0.0, through: 3 * 3600, by: 3600) { h.publish(t, "c01/smoke/SD-1/telemetry", ["battery_pct": 90]) }
        #expect(h.run(from: 0, to: 3 * 3600, step: 60) == ["raise silent/SD-2 green"])
        Self.apply(h.engine.takeStateChanges(), to: &table)
        // Down for 90 minutes; SD-1 last reported at 3 h, so it is due at 5 h, not earlier.
        let after = try Self.restarted(h, table: table, at: 4.5 * 3600)
        #expect(after.run(from: 4.5 * 3600, to: 5 * 3600 - 60, step: 60) == [])
        #expect(after.tick(5 * 3600) == ["raise silent/SD-1 green"])
        // SD-2's event is still active: its next message clears it.
        #expect(after.publish(5 * 3600 + 1, "c01/smoke/SD-2/telemetry", ["battery_pct": 90]) == ["clear silent/SD-2 green"])
    }

    @Test func devicesNeverSeenAreTimedFromTheRestoreNotTheEpoch() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        let after = try Self.restarted(h, table: [:], at: 100 * 3600)
        #expect(after.run(from: 100 * 3600, to: 102 * 3600 - 60, step: 60) == [])
        #expect(Set(after.tick(102 * 3600)) == ["raise silent/SD-1 green", "raise silent/SD-2 green"])
    }

    @Test func corruptOrForeignEntriesAreDroppedAndDeleted() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        var table: [String: [UInt8]] = [:]
        Self.apply(h.engine.takeStateChanges(), to: &table)
        let good = try #require(table["smoke_alarm/SD-1"])
        table["smoke_alarm/SD-1"] = Array(good.prefix(good.count / 2))
        table["gone_rule/X"] = good
        table["garbage"] = [1, 2, 3]
        let after = try Self.restarted(h, table: table, at: 1)
        #expect(after.run(from: 1, to: 10) == [])
        #expect(after.engine.counters.droppedStateEntries == 3)
        Self.apply(after.engine.takeStateChanges(), to: &table)
        // The engine's first start and when the absence rule came into force are saved beside the states.
        #expect(table.keys.sorted() == ["@armed/silent", "@started", "silent/SD-1"])
    }

    @Test func clearedStateIsDeleted() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        var table: [String: [UInt8]] = [:]
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        h.tick(3)
        Self.apply(h.engine.takeStateChanges(), to: &table)
        #expect(table.keys.contains("smoke_alarm/SD-1"))
        h.publish(5, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"])
        let changes = h.engine.takeStateChanges()
        #expect(changes.contains(RuleStateChange(key: "smoke_alarm/SD-1", value: nil)))
    }

    @Test func reloadKeepsStateOfRulesWhoseConditionsAreUnchanged() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        h.publish(0, "c01/door/DR-1/event", ["event": "access", "result": "denied"])
        h.publish(1, "c01/door/DR-1/event", ["event": "access", "result": "denied"])
        _ = h.engine.takeStateChanges()
        // A new title changes how the event reads, not when the rule fires: the window is kept.
        let retitled = Self.rules.replacingOccurrences(of: "title \"denied\"", with: "title \"denied at {device.address}\"")
        h.engine.replaceRules(try #require(RuleCompiler.compile([RuleSource(fileName: "t.rules", text: retitled)]).ruleSet))
        #expect(h.tick(3) == ["raise smoke_alarm/SD-1 red"])
        #expect(h.publish(4, "c01/door/DR-1/event", ["event": "access", "result": "denied"]) == ["raise denied/DR-1 yellow"])
        // A changed condition starts the rule's pending state afresh but keeps its raised event, which the
        // device still clears.
        let slower = retitled.replacingOccurrences(of: "for 3s", with: "for 5s")
        h.publish(6, "c01/smoke/SD-2/event", ["event": "smoke", "state": "alarm"])
        h.engine.replaceRules(try #require(RuleCompiler.compile([RuleSource(fileName: "t.rules", text: slower)]).ruleSet))
        #expect(h.tick(20) == [])
        #expect(h.publish(21, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"]) == ["clear smoke_alarm/SD-1 red"])
    }

    /// An upgrade that ships an edited rule: the raised events saved in format 1 (keyed by the old text) are
    /// still cleared by their devices; their pending states start afresh.
    @Test func formatOneStateOfAnEditedRuleKeepsItsRaisedEvents() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        #expect(h.tick(3) == ["raise smoke_alarm/SD-1 red"])
        h.publish(4, "c01/smoke/SD-2/event", ["event": "smoke", "state": "alarm"])
        let smoke = try #require(h.engine.slotIndex["smoke_alarm"])
        var formatOne: [(key: String, value: [UInt8])] = []
        for device in ["SD-1", "SD-2"] {
            let index = try #require(h.engine.states.device(device))
            let state = try #require(h.engine.states.state(rule: smoke, device: index))
            var w = StateWriter()
            w.byte(1)
            w.uint64(h.engine.ruleSet.rules[smoke].fingerprint)
            w.byte(state.active ? 2 : 0)
            w.byte(UInt8(AlertLevel.allCases.firstIndex(of: state.level) ?? 0))
            w.int(state.lastRaise)
            w.int(state.lastNotify)
            w.optionalInt(state.pendingSince)
            w.optionalInt(state.lastSeen)
            w.optionalInt(state.recentAt)
            w.count(0)
            w.count(0)
            if let action = state.action {
                w.byte(1)
                w.action(action)
                w.bytes.removeLast(16)  // format 1 had no group fields nor escalation chain (two empty counts here)
            } else {
                w.byte(0)
            }
            formatOne.append((key: "smoke_alarm/\(device)", value: w.bytes))
        }
        let edited = Self.rules.replacingOccurrences(of: "for 3s", with: "for 5s")
        let after = try RuleHarness(rules: edited, devices: Fixtures.devices, start: h.start)
        after.engine.restoreState(formatOne, now: h.start + 10_000)
        #expect(after.run(from: 10, to: 30) == [])  // SD-2's pending alarm started afresh (no new report)
        #expect(after.publish(31, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"]) == ["clear smoke_alarm/SD-1 red"])
        #expect(after.engine.counters.droppedStateEntries == 1)  // SD-2: nothing raised to keep
    }

    @Test func unregisteredDevicesAreCappedOldestFirst() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices, maxUnregistered: 2)
        h.publish(0, "c09/smoke/X-1/event", ["event": "smoke", "state": "alarm"])
        h.publish(1, "c09/smoke/X-2/event", ["event": "smoke", "state": "alarm"])
        h.publish(1.5, "c09/smoke/X-1/event", ["event": "smoke", "state": "alarm"])  // X-1 seen again: X-2 is now oldest
        h.publish(2, "c09/smoke/X-3/event", ["event": "smoke", "state": "alarm"])
        #expect(h.engine.counters.evictedDevices == 1)
        #expect(h.engine.counters.trackedUnregisteredDevices == 2)
        #expect(h.tick(10) == ["raise smoke_alarm/X-1 red", "raise smoke_alarm/X-3 red"])
        // Registered devices are never evicted.
        for i in 0..<10 { h.publish(20 + Double(i), "c09/smoke/Y-\(i)/event", ["event": "smoke", "state": "normal"]) }
        h.publish(40, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        for i in 0..<10 { h.publish(41 + Double(i), "c09/smoke/Z-\(i)/event", ["event": "smoke", "state": "alarm"]) }
        #expect(h.tick(100).contains("raise smoke_alarm/SD-1 red"))
    }
}

/// Bad input never traps: extreme times, extreme saved values, absurd registry data.
struct RobustnessTests {
    @Test func extremeTimesAndSavedValuesDoNotTrap() throws {
        let h = try RuleHarness(rules: EngineStateTests.rules, devices: Fixtures.devices + [
            DeviceRecord(id: "HUGE", kind: "smoke", reportIntervalSeconds: .max),
        ])
        _ = h.engine.process(InboundMessage(topic: "c01/smoke/SD-1/event", segments: TopicLayout.standard.match("c01/smoke/SD-1/event") ?? [:],
                                            payload: JSONObject([("event", "smoke"), ("state", "alarm")]), payloadText: "", receivedAt: .max))
        _ = h.engine.tick(now: .max)
        _ = h.engine.tick(now: .min)
        var writer = StateWriter()
        writer.byte(1)        // format 1, keyed by the whole rule text
        writer.uint64(try #require(h.engine.ruleSet.fingerprint(of: "smoke_alarm")))
        writer.byte(2)        // active
        writer.byte(2)        // red
        writer.int(.max)      // last raise
        writer.int(.min)      // last notify
        writer.optionalInt(.max)
        writer.optionalInt(.min)
        writer.optionalInt(.max)
        writer.count(0)
        writer.count(0)
        writer.byte(0)
        let fresh = try RuleHarness(rules: EngineStateTests.rules, devices: Fixtures.devices)
        fresh.engine.restoreState([(key: "smoke_alarm/SD-1", value: writer.bytes), (key: "silent/SD-2", value: writer.bytes)], now: 0)
        _ = fresh.engine.tick(now: 0)
        _ = fresh.engine.tick(now: .max)
        fresh.publish(1, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"])
        // `silent/SD-2` (format 1 under another rule's fingerprint, as for an edited rule) keeps its raised part.
        #expect(fresh.engine.counters.droppedStateEntries == 0)
    }

    @Test func onDaysIsAcceptedAsWellAsDays() throws {
        let text = """
        timezone "Asia/Shanghai"
        rule weekday {
          on "+/door/+/event"
          when event == "door_forced"
          on days mon-fri
          level yellow
          title "x"
        }
        """
        // 2025-11-23 00:00 UTC is Sunday 08:00 in Shanghai; the next day is Monday.
        let h = try RuleHarness(rules: text)
        #expect(h.publish(0, "c01/door/D/event", ["event": "door_forced"]) == [])
        #expect(h.publish(86_400, "c01/door/D/event", ["event": "door_forced"]) == ["raise weekday/D yellow"])
    }

    @Test func duringFollowsTheZonesDaylightSavingTime() throws {
        let text = """
        timezone "Europe/Berlin"
        rule night {
          on "+/door/+/event"
          when event == "door_forced"
          during 22:00-06:00
          level yellow
          title "x"
        }
        """
        // 20:30 UTC is 21:30 in Berlin in January (CET), outside the window, and 22:30 in July (CEST), inside it.
        let winter = try RuleHarness(rules: text, start: 1_768_509_000_000)
        #expect(winter.publish(0, "c01/door/D/event", ["event": "door_forced"]) == [])
        let summer = try RuleHarness(rules: text, start: 1_784_147_400_000)
        #expect(summer.publish(0, "c01/door/D/event", ["event": "door_forced"]) == ["raise night/D yellow"])
    }
}

/// The test runner's own behaviour: failures are reported readably, registry files load.
struct RuleTestRunnerTests {
    static let rules = ShippedRuleTests.rulesDirectory + "/smoke.rules"

    @Test func wrongAndMissingExpectationsAreReportedWithLines() throws {
        let text = """
        rules "\(Self.rules)"
        device SD-1 kind=smoke building=3 address="B3"
        case "wrong"
          at 0s publish "c01/smoke/SD-1/event" {"event":"smoke","state":"alarm"}
          expect at 2s raise smoke_alarm/SD-1 level red
          expect at 9s clear smoke_alarm/SD-1
        """
        let report = RuleTestRunner.run(text: text, fileName: "x.test", baseDirectory: "/")
        #expect(report.cases == 1)
        #expect(report.failures.map(\.description) == [
            "x.test:5: [wrong] expected: expect at 2s raise smoke_alarm/SD-1 level red\n    got: nothing at that time",
            "x.test:6: [wrong] expected: expect at 9s clear smoke_alarm/SD-1\n    got: nothing at that time",
            "x.test:3: [wrong] unexpected: 3s raise smoke_alarm/SD-1 level red count 1 (Smoke alarm at B3 (SD-1))",
        ])
    }

    @Test func brokenTestFilesAndRulesAreReported() {
        let report = RuleTestRunner.run(text: "rules \"nope.rules\"\ncase \"c\"\n  at 1x publish\n  bogus\n", fileName: "y.test", baseDirectory: "/tmp")
        #expect(report.failures.map(\.description) == [
            "y.test:3: [c] expected 'at OFFSET publish|replay|away|tick …'",
            "y.test:4: [c] unknown line 'bogus' (expected rules, layout, start, step, devices, device, case, at, expect or ignore)",
        ])
        let missing = RuleTestRunner.run(text: "rules \"nope.rules\"\ncase \"c\"\n", fileName: "z.test", baseDirectory: "/tmp")
        #expect(missing.failures.first?.message.hasPrefix("rules do not compile:\n/tmp/nope.rules:1:1: error: no such file or directory") == true)
    }

    @Test func registryCSVFilesLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = "id,kind,community,building,unit,address,grid,owner,report_interval_s\nSD-0001,smoke,c01,1,2,\"1号楼2单元, 502室\",grid-01,property,86400\n"
        try csv.write(to: directory.appendingPathComponent("devices.csv"), atomically: true, encoding: .utf8)
        let text = """
        rules "\(Self.rules)"
        devices "devices.csv"
        case "registered address from the CSV"
          at 0s publish "c01/smoke/SD-0001/event" {"event":"tamper","state":"removed"}
          expect at 0s raise smoke_removed/SD-0001 level green title "Smoke detector removed from the ceiling at 1号楼2单元, 502室"
        """
        let report = RuleTestRunner.run(text: text, fileName: "r.test", baseDirectory: directory.path)
        #expect(report.failures.map(\.description) == [])
        let broken = RuleTestRunner.run(text: "rules \"\(Self.rules)\"\ndevices \"nope.csv\"\ncase \"c\"\n", fileName: "b.test", baseDirectory: directory.path)
        #expect(broken.failures.first?.line == 2)
    }
}

extension RuleTestRunnerTests {
    @Test func customLayout() throws {
        let text = """
        rules "\(Self.rules)"
        layout "site/{kind}/{community}/{device}/{channel}"
        device SD-1 kind=smoke address="B3"
        case "topics in the custom layout"
          at 0s publish "site/smoke/c01/SD-1/event" {"event":"tamper","state":"removed"}
          expect at 0s raise smoke_removed/SD-1 level green
        """
        let report = RuleTestRunner.run(text: text, fileName: "l.test", baseDirectory: "/")
        #expect(report.failures.map(\.description) == [])
    }
}

/// A large registry's absence check goes on over several ticks instead of holding one tick up.
@Suite struct AbsenceCheckSlicingTests {
    @Test func aLargeRegistryIsCheckedInSlicesAndEveryDeviceIsFound() throws {
        let perTick = RuleEngine.absenceDevicesPerTick
        let count = perTick * 2 + 700
        let devices = (0..<count).map { DeviceRecord(id: "SD-\($0)", kind: "smoke", community: "c01", reportIntervalSeconds: 600) }
        let h = try RuleHarness(rules: """
            rule silent {
              on "+/+/+/+"
              silent 2x report_interval
              level green
              title "silent {device.id}"
            }
            """, devices: devices)
        // Nobody reports: all are due 20 minutes after the start. Each tick examines one slice of the registry,
        // so a few ticks after that every device has been raised, once, and no tick raised more than a slice.
        #expect(h.tick(0).isEmpty)
        var raised: [String] = []
        for second in 1...4 {
            let actions = h.tick(20 * 60 + Double(second))
            #expect(actions.count <= perTick)
            raised += actions
        }
        #expect(raised.count == count)
        #expect(Set(raised).count == count)
        #expect(h.tick(20 * 60 + 5).isEmpty)
    }
}
