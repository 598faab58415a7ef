import Foundation
@testable import Rules
import Testing
import Vocabulary

/// `correlate N devices … including M KIND`: a group fires only with M counting members of that kind
/// (docs/domain.md situation 4: a confirmed fire needs a smoke alarm; two call buttons are not a fire).
struct CorrelateIncludingTests {
    static let devices = Fixtures.devices + [
        DeviceRecord(id: "SOS-2", kind: "sos", community: "c01", building: "3", address: "B3 U2 #301", grid: "grid-03",
                     residentName: "Zhao Min"),
    ]
    static let sos: KeyValuePairs<String, JSONValue> = ["event": "sos"]
    static let alarm: KeyValuePairs<String, JSONValue> = ["event": "smoke", "state": "alarm"]

    /// A rule like the shipped `fire_confirmed`, with `for` and `including` as given.
    static func rule(n: Int = 2, including: String = "including 1 smoke", hold: String = "for 3s", by: String = "device.community, device.building") -> String {
        """
        rule fire {
          on kind smoke channel event
          on kind sos channel event
          when (topic.kind == "smoke" and event == "smoke" and state == "alarm") or (topic.kind == "sos" and event == "sos")
          \(hold)
          correlate \(n) devices by \(by) within 5m \(including)
          clear when topic.kind == "smoke" and event == "smoke" and state == "normal"
          level red
          title "Fire in building {device.building}: {count} devices"
        }
        """
    }

    // MARK: Checker

    @Test func parsesAndCompiles() throws {
        let result = CompilerTests.compile(Self.rule())
        #expect(result.diagnostics.isEmpty, "\(CompilerTests.summary(result))")
        let including = try #require(result.ruleSet?.rules.first?.conditions.correlate?.including)
        #expect(including.n == 1 && including.kind == "smoke")
    }

    @Test func moreOfTheKindThanTheGroupCountsIsAnError() {
        let summary = CompilerTests.summary(CompilerTests.compile(Self.rule(n: 2, including: "including 3 smoke")))
        #expect(summary.contains { $0.hasPrefix("6:80 error: 'including 3 smoke' asks for more devices than the group counts (2)") }, "\(summary)")
    }

    @Test func wrongNumbersAreErrors() {
        for bad in ["including 0 smoke", "including 1.5 smoke"] {
            let summary = CompilerTests.summary(CompilerTests.compile(Self.rule(including: bad)))
            #expect(summary.contains { $0.hasPrefix("6:80 error: 'including' needs a whole number of devices from 1 to 10000") }, "\(summary)")
        }
    }

    @Test func aKindTheRuleDoesNotListenToIsAnError() {
        let summary = CompilerTests.summary(CompilerTests.compile(Self.rule(including: "including 1 smok")))
        #expect(summary.contains { $0.hasPrefix("6:82 error: rule listens only to smoke/sos devices: no 'smok' device can count") }, "\(summary)")
    }

    @Test func anUnknownKindOfARuleOnAnyKindIsAWarning() {
        let text = Self.rule(including: "including 1 smok").replacingOccurrences(of: "on kind smoke channel event\n  on kind sos channel event", with: "on \"+/+/+/event\"")
        let result = CompilerTests.compile(text)
        let summary = CompilerTests.summary(result)
        #expect(summary.contains { $0.hasPrefix("5:82 warning: unknown device kind 'smok' (known kinds:") }, "\(summary)")
        #expect(!result.diagnostics.contains { $0.severity == .error }, "\(summary)")
    }

    @Test func aMissingKindIsASyntaxErrorWithItsPosition() {
        let summary = CompilerTests.summary(CompilerTests.compile(Self.rule(including: "including 1\n  level red")))
        #expect(summary.contains { $0.hasPrefix("7:3 error: expected a device kind after the number in 'including'") }, "\(summary)")
    }

    @Test func theClauseIsPartOfTheRulesConditions() throws {
        let with = try #require(CompilerTests.compile(Self.rule()).ruleSet?.rules.first)
        let without = try #require(CompilerTests.compile(Self.rule(including: "")).ruleSet?.rules.first)
        #expect(with.conditionFingerprint != without.conditionFingerprint)
    }

    // MARK: Engine

    @Test func callButtonsAloneConfirmNothing() throws {
        let h = try RuleHarness(rules: Self.rule(), devices: Self.devices)
        h.publish(0, "c01/sos/SOS-1/event", Self.sos)
        h.publish(1, "c01/sos/SOS-2/event", Self.sos)
        h.publish(20, "c01/sos/SOS-1/event", Self.sos)
        #expect(h.run(from: 0, to: 120) == [])
    }

    @Test func aSmokeAlarmAndACallButtonConfirm() throws {
        let h = try RuleHarness(rules: Self.rule(), devices: Self.devices)
        h.publish(0, "c01/sos/SOS-1/event", Self.sos)
        h.publish(1, "c01/sos/SOS-2/event", Self.sos)
        #expect(h.run(from: 0, to: 30) == [])
        h.publish(30, "c01/smoke/SD-1/event", Self.alarm)
        #expect(h.run(from: 30, to: 32) == [])
        #expect(h.tick(33) == ["raise fire/community=c01,building=3 red"])
        #expect(h.engine.process(h.message(34, "c01/smoke/SD-1/event", Self.alarm)).first?.title == "Fire in building 3: 3 devices")
    }

    @Test func twoSmokeAlarmsConfirm() throws {
        let h = try RuleHarness(rules: Self.rule(), devices: Self.devices)
        h.publish(0, "c01/smoke/SD-1/event", Self.alarm)
        h.publish(1, "c01/smoke/SD-2/event", Self.alarm)
        #expect(h.run(from: 0, to: 3) == [])
        #expect(h.tick(4) == ["raise fire/community=c01,building=3 red"])
    }

    /// A smoke alarm that cleared before the call buttons no longer counts as the required kind.
    @Test func aDetectorBackToNormalNoLongerConfirms() throws {
        let h = try RuleHarness(rules: Self.rule(), devices: Self.devices)
        h.publish(0, "c01/smoke/SD-1/event", Self.alarm)
        h.publish(10, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"])
        h.publish(20, "c01/sos/SOS-1/event", Self.sos)
        h.publish(21, "c01/sos/SOS-2/event", Self.sos)
        #expect(h.run(from: 0, to: 60) == [])
    }

    /// Members are bounded (4 × N), but a flood of call buttons never pushes out the smoke alarm the group still
    /// needs. Grouped by topic.community, so unregistered call buttons count too.
    @Test func aFloodOfOtherKindsKeepsTheNeededMembers() throws {
        let h = try RuleHarness(rules: Self.rule(n: 2, including: "including 2 smoke", hold: "", by: "topic.community"), devices: Self.devices)
        #expect(h.publish(0, "c01/smoke/SD-1/event", Self.alarm) == [])
        for i in 1...20 { #expect(h.publish(Double(i), "c01/sos/SOS-X\(i)/event", Self.sos) == []) }
        let actions = h.engine.process(h.message(30, "c01/smoke/SD-2/event", Self.alarm))
        #expect(actions.map(RuleHarness.format) == ["raise fire/community=c01 red"])
        #expect(actions.first?.title == "Fire in building 3: 8 devices")
    }

    // MARK: Saved state

    /// Members keep their kind across a restart: a smoke alarm saved before it and a call button after it
    /// confirm a fire; a call button saved before it and another after it do not.
    @Test func memberKindsSurviveARestart() throws {
        for (first, expected) in [("c01/smoke/SD-1/event", ["raise fire/community=c01,building=3 red"]), ("c01/sos/SOS-1/event", [])] {
            let h = try RuleHarness(rules: Self.rule(), devices: Self.devices)
            var table: [String: [UInt8]] = [:]
            h.publish(0, first, first.contains("smoke") ? Self.alarm : Self.sos)
            #expect(h.run(from: 0, to: 5) == [])
            EngineStateTests.apply(h.engine.takeStateChanges(), to: &table)
            let after = try RuleHarness(rules: Self.rule(), devices: Self.devices, start: h.start)
            after.engine.restoreState(EngineStateTests.entries(table), now: h.start + 6_000)
            after.publish(6, "c01/sos/SOS-2/event", Self.sos)
            #expect(after.run(from: 6, to: 20) == expected, "\(first)")
            #expect(after.engine.counters.droppedStateEntries == 0)
        }
    }

    /// State saved in format 2 (members without a kind) still loads: a detector saved there counts towards N.
    @Test func formatTwoGroupStateStillLoads() throws {
        let rules = Self.rule(including: "")
        let h = try RuleHarness(rules: rules, devices: Self.devices)
        h.publish(0, "c01/smoke/SD-1/event", Self.alarm)
        #expect(h.run(from: 0, to: 5) == [])
        let rule = try #require(h.engine.ruleSet.rules.first)
        let key = "community=c01,building=3"
        let state = try #require(h.engine.slots[0].groups[key])
        var w = StateWriter()
        w.byte(2)
        w.uint64(rule.conditionFingerprint)
        w.byte(rule.shape.rawValue)
        w.byte(1)  // a group, not active
        w.byte(UInt8(AlertLevel.allCases.firstIndex(of: state.level) ?? 0))
        w.int(state.lastRaise)
        w.int(state.lastNotify)
        for _ in 0..<5 { w.optionalInt(nil) }  // pending since and due, hold, last seen, recent
        w.count(0)
        w.count(state.members.count)
        for m in state.members {
            w.string(m.device)
            w.int(m.at)
            w.int(m.since)
            w.optionalInt(m.due)
        }
        w.byte(0)
        let after = try RuleHarness(rules: rules, devices: Self.devices, start: h.start)
        after.engine.restoreState([(key: RuleEngine.storageKey(rule: "fire", key: key), value: w.bytes)], now: h.start + 6_000)
        #expect(after.engine.counters.droppedStateEntries == 0)
        #expect(after.engine.slots[0].groups[key]?.members.map(\.device) == ["SD-1"])
        after.publish(6, "c01/smoke/SD-2/event", Self.alarm)
        #expect(after.run(from: 6, to: 9) == ["raise fire/community=c01,building=3 red"])
    }
}
