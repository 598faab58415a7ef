@testable import Rules
import Testing

/// Issue 14 items 2, 4 and 9 in the engine: flapping, the device's own clock for its sequence and the arrival
/// clock for timers, and what a reload or restart keeps.
struct DeviceTimeAndFlappingTests {
    static let held = """
    rule smoke_alarm {
      on "+/smoke/+/event"
      when event == "smoke" and state == "alarm"
      for 30s
      level red
      title "Smoke"
      clear when event == "smoke" and state == "normal"
    }
    rule denied {
      on "+/door/+/event"
      when event == "access" and result == "denied"
      count 3 within 10m
      level yellow
      title "denied"
    }
    """
    static let alarm: KeyValuePairs<String, JSONValue> = ["event": "smoke", "state": "alarm"]
    static let normal: KeyValuePairs<String, JSONValue> = ["event": "smoke", "state": "normal"]

    /// Reports buffered over two minutes and sent in one burst: the debounce still runs out 30 s after they
    /// arrived, never at once.
    @Test func bufferedBurstDoesNotPassTheDebounceAtOnce() throws {
        let h = try RuleHarness(rules: Self.held, devices: Fixtures.devices)
        for (i, deviceAt) in [0.0, 30, 60, 90, 120].enumerated() {
            #expect(h.publish(200 + Double(i) * 0.01, "c01/smoke/SD-1/event", Self.alarm, deviceAt: deviceAt) == [])
        }
        #expect(h.run(from: 200, to: 229) == [])
        #expect(h.tick(230.1) == ["raise smoke_alarm/SD-1 red"])
    }

    /// The device's own order counts: a late report of a moment before the alarm began does not cancel it; a
    /// normal report after it does.
    @Test func lateReportOfAnEarlierMomentDoesNotCancelAPendingAlarm() throws {
        let h = try RuleHarness(rules: Self.held, devices: Fixtures.devices)
        h.publish(100, "c01/smoke/SD-1/event", Self.alarm, deviceAt: 100)
        #expect(h.publish(101, "c01/smoke/SD-1/event", Self.normal, deviceAt: 95) == [])
        #expect(h.tick(130) == ["raise smoke_alarm/SD-1 red"])
        h.publish(200, "c01/smoke/SD-2/event", Self.alarm, deviceAt: 200)
        h.publish(201, "c01/smoke/SD-2/event", Self.normal, deviceAt: 201)
        #expect(h.run(from: 202, to: 260) == [])
    }

    /// A `count … within` window is the device's: three reports spread over 11 minutes of device time do not
    /// count as three within 10 minutes because they arrived together.
    @Test func countWindowFollowsDeviceTime() throws {
        let h = try RuleHarness(rules: Self.held, devices: Fixtures.devices)
        let denied: KeyValuePairs<String, JSONValue> = ["event": "access", "result": "denied"]
        #expect(h.publish(1000, "c01/door/DR-1/event", denied, deviceAt: 0) == [])
        #expect(h.publish(1000, "c01/door/DR-1/event", denied, deviceAt: 300) == [])
        #expect(h.publish(1000, "c01/door/DR-1/event", denied, deviceAt: 660) == [])
        #expect(h.publish(1001, "c01/door/DR-1/event", denied, deviceAt: 700) == ["raise denied/DR-1 yellow"])
    }

    static let flapping = """
    rule smoke_alarm {
      on "+/smoke/+/event"
      when event == "smoke" and state == "alarm"
      for 3s
      flapping 3 within 1m level yellow title "flapping {device.id}"
      level red
      escalate to red
      ack within 2m
      title "Smoke"
      clear when event == "smoke" and state == "normal"
    }
    """

    /// Pulses shorter than the debounce: exactly one yellow event at the third pulse, none for later pulses,
    /// and it clears a window after the last pulse; the raise carries the flapping title and no escalation to
    /// the level it already has.
    @Test func chatterRaisesOneFlappingEvent() throws {
        let h = try RuleHarness(rules: Self.flapping, devices: Fixtures.devices)
        var raises: [RuleAction] = []
        for pulse in 0..<10 {
            let t = Double(pulse) * 5
            let segments = TopicLayout.standard.match("c01/smoke/SD-1/event") ?? [:]
            raises += h.engine.process(InboundMessage(topic: "c01/smoke/SD-1/event", segments: segments,
                                                      payload: JSONObject([("event", "smoke"), ("state", "alarm")]), payloadText: "",
                                                      receivedAt: h.start + Int64(t * 1000)))
            h.publish(t + 1, "c01/smoke/SD-1/event", Self.normal)
            raises += h.engine.tick(now: h.start + Int64((t + 2) * 1000))
        }
        #expect(raises.map(RuleHarness.format) == ["raise smoke_alarm/SD-1 yellow"])
        #expect(raises.first?.title == "flapping SD-1")
        #expect(raises.first?.escalateTo == .red)
        #expect(h.run(from: 50, to: 104) == [])
        #expect(h.tick(105) == ["clear smoke_alarm/SD-1 yellow"])
        #expect(h.engine.ruleCounters.first { $0.rule == "smoke_alarm" }?.counters.flapping == 1)
    }

    /// Pulses each just longer than the debounce: one red event (later pulses repeat it, the event core
    /// counts them on the open event), not one event and one bell per cycle; no clear until the pulses stop.
    @Test func pulsesJustPastTheDebounceKeepOneRedEvent() throws {
        let h = try RuleHarness(rules: Self.flapping, devices: Fixtures.devices)
        var all: [String] = []
        for cycle in 0..<15 {
            let t = Double(cycle) * 4
            all += h.publish(t, "c01/smoke/SD-1/event", Self.alarm)
            all += h.tick(t + 3.1)
            all += h.publish(t + 3.5, "c01/smoke/SD-1/event", Self.normal)
        }
        #expect(all.first == "raise smoke_alarm/SD-1 red")
        #expect(all.allSatisfy { $0 == "raise smoke_alarm/SD-1 red" }, "\(all)")
        #expect(h.run(from: 60, to: 115) == [])
        #expect(h.tick(116) == ["clear smoke_alarm/SD-1 red"])
    }

    /// A real alarm is never absorbed: raised red first, pulses afterwards do not lower it.
    @Test func flappingNeverLowersARaisedAlarm() throws {
        let h = try RuleHarness(rules: Self.flapping, devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", Self.alarm)
        #expect(h.tick(3) == ["raise smoke_alarm/SD-1 red"])
        var all: [String] = []
        for pulse in 1...5 {
            let t = Double(pulse) * 5
            all += h.publish(t, "c01/smoke/SD-1/event", Self.normal)
            all += h.publish(t + 1, "c01/smoke/SD-1/event", Self.alarm)
        }
        #expect(!all.contains { $0.hasSuffix("yellow") }, "\(all)")
        #expect(!all.contains { $0.hasPrefix("clear") }, "\(all)")
    }

    /// Pulses of `flapping` (each shorter than the debounce) at seconds 0, 5, 10: the flapping event is raised at 10.
    private static func flap(_ h: RuleHarness) -> [RuleAction] {
        var actions: [RuleAction] = []
        for t in [0.0, 5, 10] {
            actions += h.engine.process(h.message(t, "c01/smoke/SD-1/event", Self.alarm))
            actions += h.engine.process(h.message(t + 1, "c01/smoke/SD-1/event", Self.normal))
        }
        return actions
    }

    /// Finding C: while a device is flapping its raised event is the flapping one (a pending alarm that does not
    /// hold changes nothing: the clear carries the flapping title); an alarm that holds supersedes it with the
    /// rule's own level and title, says why, and is what later follow-ups carry, also after a restart.
    @Test func heldAlarmAfterFlappingTakesTheRuleTitle() throws {
        let h = try RuleHarness(rules: Self.flapping, devices: Fixtures.devices)
        let raised = Self.flap(h)
        #expect(raised.map { "\($0.level) \($0.title)" } == ["yellow flapping SD-1"])
        #expect(raised.first?.upgradeReason == nil)
        // A fourth pulse under the debounce: the event stays the flapping one.
        h.publish(20, "c01/smoke/SD-1/event", Self.alarm)
        h.publish(21, "c01/smoke/SD-1/event", Self.normal)
        var table: [String: [UInt8]] = [:]
        EngineStateTests.apply(h.engine.takeStateChanges(), to: &table)
        let settled = try EngineStateTests.restarted(h, table: table, at: 22, rules: Self.flapping)
        let cleared = settled.engine.tick(now: h.start + 81_000)
        #expect(cleared.map { "\($0.effect) \($0.level) \($0.title)" } == ["clear yellow flapping SD-1"])

        // Flapping again, then an alarm that holds: pending over the raised flapping event, across a restart.
        let g = try RuleHarness(rules: Self.flapping, devices: Fixtures.devices)
        _ = Self.flap(g)
        g.publish(20, "c01/smoke/SD-1/event", Self.alarm)
        table = [:]
        EngineStateTests.apply(g.engine.takeStateChanges(), to: &table)
        let restarted = try EngineStateTests.restarted(g, table: table, at: 21, rules: Self.flapping)
        let upgrade = restarted.engine.tick(now: g.start + 23_000)
        #expect(upgrade.map { "\($0.effect) \($0.level) \($0.title)" } == ["raise red Smoke"])
        #expect(upgrade.first?.upgradeReason == RuleEngine.heldAfterFlapping)
        // Later pulses that hold repeat the rule's own raise; the clear carries its title.
        restarted.publish(30, "c01/smoke/SD-1/event", Self.normal)
        let again = restarted.engine.process(restarted.message(40, "c01/smoke/SD-1/event", Self.alarm))
            + restarted.engine.tick(now: g.start + 43_000)
        #expect(again.map { "\($0.effect) \($0.level) \($0.title) \($0.upgradeReason ?? "-")" } == ["raise red Smoke -"])
        restarted.publish(44, "c01/smoke/SD-1/event", Self.normal)
        let end = restarted.engine.tick(now: g.start + 105_000)
        #expect(end.map { "\($0.effect) \($0.level) \($0.title) \($0.upgradeReason ?? "-")" } == ["clear red Smoke -"])
    }

    /// Finding C, conversely: a red event raised by a held alarm is never retitled or lowered by flapping that
    /// follows, nor does an alarm holding again claim to supersede a flapping event.
    @Test func flappingAfterARealAlarmNeverRetitlesIt() throws {
        let h = try RuleHarness(rules: Self.flapping, devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", Self.alarm)
        var actions = h.engine.tick(now: h.start + 3_000)
        for t in [5.0, 10, 15, 20] {
            actions += h.engine.process(h.message(t, "c01/smoke/SD-1/event", Self.normal))
            actions += h.engine.process(h.message(t + 1, "c01/smoke/SD-1/event", Self.alarm))
        }
        actions += h.engine.tick(now: h.start + 24_500)
        // Raised at 3 s, repeated by the pulse at 6 s (not yet flapping), repeated by the alarm that held at 24 s.
        #expect(actions.map { "\($0.effect) \($0.level) \($0.title) \($0.upgradeReason ?? "-")" }
                == Array(repeating: "raise red Smoke -", count: 3))
        h.publish(25, "c01/smoke/SD-1/event", Self.normal)
        let end = h.engine.tick(now: h.start + 86_000)
        #expect(end.map { "\($0.effect) \($0.level) \($0.title)" } == ["clear red Smoke"])
    }

    @Test func flappingIsCheckedByRulesCheck() {
        let text = """
        rule a {
          on "+/smoke/+/event"
          when state == "alarm"
          flapping 1 within 1m
          level red
          title "x"
        }
        rule b {
          on "+/smoke/+/event"
          when state == "alarm"
          correlate 2 devices by device.building within 5m
          flapping 3 within 1m level orange
          level red
          title "x"
          clear when state == "normal"
        }
        """
        let summary = CompilerTests.summary(CompilerTests.compile(text))
        #expect(summary.contains("4:12 error: 'flapping' needs a whole number of pulses from 2 to 1000"), "\(summary)")
        #expect(summary.contains { $0.hasPrefix("4:3 error: 'flapping' needs a 'clear when' condition") }, "\(summary)")
        #expect(summary.contains { $0.hasPrefix("12:3 error: 'flapping' cannot be combined with 'correlate'") }, "\(summary)")
        #expect(summary.contains { $0.hasPrefix("12:30 error:") && $0.contains("orange") }, "\(summary)")
    }

    /// Item 10 with device time: buffered reports of two detectors sent in a burst count towards a fire only
    /// once each has held 3 s after it arrived; a late normal report of an earlier moment takes no device out.
    @Test func correlationCountsDevicesOnTheArrivalClockInDeviceOrder() throws {
        let h = try RuleHarness(shipped: "smoke", devices: Fixtures.devices)
        h.publish(100, "c01/smoke/SD-1/event", Self.alarm, deviceAt: 10)
        h.publish(100, "c01/smoke/SD-1/event", Self.alarm, deviceAt: 60)
        h.publish(100, "c01/smoke/SD-2/event", Self.alarm, deviceAt: 50)
        #expect(h.publish(101, "c01/smoke/SD-2/event", Self.normal, deviceAt: 40) == [])
        #expect(h.run(from: 100, to: 102).isEmpty)
        #expect(Set(h.tick(103)) == ["raise smoke_alarm/SD-1 red", "raise smoke_alarm/SD-2 red",
                                      "raise fire_confirmed/community=c01,building=3 red"])
    }

    /// Item 9: the engine's first start is saved: a device that has never reported is due twice its interval
    /// after that start, not after each restart (absence alarms still wait the start grace after a restart).
    @Test func firstStartIsSavedAcrossRestarts() throws {
        let h = try RuleHarness(rules: EngineStateTests.rules, devices: Fixtures.devices)
        var table: [String: [UInt8]] = [:]
        #expect(h.run(from: 0, to: 3600, step: 60) == [])
        EngineStateTests.apply(h.engine.takeStateChanges(), to: &table)
        let after = try EngineStateTests.restarted(h, table: table, at: 1.9 * 3600)
        #expect(after.run(from: 1.9 * 3600, to: 2 * 3600 - 60, step: 60) == [])
        #expect(Set(after.tick(2 * 3600)) == ["raise silent/SD-1 green", "raise silent/SD-2 green"])
    }

    /// Item 9: a reload that changes an absence rule's condition never raises from the state it lost: its
    /// devices are counted from the reload.
    @Test func changedAbsenceRuleCountsFromTheReload() throws {
        let h = try RuleHarness(rules: EngineStateTests.rules, devices: Fixtures.devices)
        for t in stride(from: 0.0, through: 10 * 3600, by: 600) {
            h.publish(t, "c01/smoke/SD-1/telemetry", ["battery_pct": 90])
            h.publish(t, "c01/smoke/SD-2/telemetry", ["battery_pct": 90])
            #expect(h.tick(t) == [])
        }
        let changed = EngineStateTests.rules.replacingOccurrences(of: "silent 2x report_interval", with: "silent 3x report_interval")
        h.engine.replaceRules(try #require(RuleCompiler.compile([RuleSource(fileName: "t.rules", text: changed)]).ruleSet),
                              now: h.start + 10 * 3600 * 1000 + 1000)
        #expect(h.run(from: 10 * 3600 + 1, to: 13 * 3600 - 60, step: 60) == [])
        #expect(Set(h.tick(13 * 3600 + 1)) == ["raise silent/SD-1 green", "raise silent/SD-2 green"])
    }
}
