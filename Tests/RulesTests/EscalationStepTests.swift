import Foundation
@testable import Rules
import Testing

/// Issue 15 item 1 in the rule language: `escalate after D [unless acknowledged|unless onsite] [to LEVEL]
/// [bring in TEAMS|emergency contact] [report in]`, checked with positions, resolved per raise, kept in saved state.
struct EscalationStepTests {
    static let rules = """
    rule smoke_alarm {
      on "+/smoke/+/event"
      when event == "smoke" and state == "alarm"
      for 3s
      flapping 3 within 1m level yellow
      level red
      title "Smoke"
      team "community-office", device.grid
      escalate after 0s bring in "fire" report in
      escalate after 2m unless acknowledged bring in device.owner, emergency contact
      escalate after 10m unless onsite to red bring in "street-office"
      clear when event == "smoke" and state == "normal"
    }
    """

    @Test func stepsAreResolvedForEachRaiseInOrder() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        let raise = try #require(h.engine.tick(now: h.start + 3_000).first)
        #expect(raise.escalation.map(\.description) == [
            "0s: fire report in",
            "120s unless acknowledged: property, emergency-contact",
            "600s unless onsite to red: street-office",
        ])
        #expect(raise.escalation[0].reportIn && raise.escalation[1].condition == .unacknowledged)
    }

    /// A flapping detector's event is below the rule's level: no chain; the held alarm that upgrades it carries it.
    @Test func aFlappingRaiseCarriesNoChain() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        var raises: [RuleAction] = []
        for pulse in 0..<3 {
            let t = Double(pulse) * 5
            raises += h.engine.process(h.message(t, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"]))
            h.publish(t + 1, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"])
        }
        let flapping = try #require(raises.first)
        #expect(flapping.level == .yellow && flapping.escalation.isEmpty)
    }

    /// A raise waiting out its `for` when the daemon stops keeps its chain across the restart (state format 4).
    @Test func aPendingRaiseKeepsItsChainAcrossARestart() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        var table: [String: [UInt8]] = [:]
        EngineStateTests.apply(h.engine.takeStateChanges(), to: &table)
        let after = try EngineStateTests.restarted(h, table: table, at: 1, rules: Self.rules)
        let raise = try #require(after.engine.tick(now: h.start + 3_000).first)
        #expect(raise.escalation.count == 3 && raise.escalation[1].teams == ["property", "emergency-contact"])
    }

    @Test func checkerReportsStepsThatCannotWork() {
        let text = """
        rule r {
          on "+/sos/+/event"
          when event == "sos"
          level red
          escalate after 1m
          escalate after 1m bring in emergency contact report in
          escalate after 0s unless acknowledged bring in "medical"
          escalate after 1m to yellow bring in "police"
          escalate after 1m bring in "fire" sound loud
        }
        """
        #expect(CompilerTests.summary(CompilerTests.compile(text)) == [
            "1:6 warning: rule 'r' has no 'title'; events will be titled 'r on DEVICE'",
            "5:3 error: an escalation step needs 'bring in TEAMS' or 'to LEVEL' (it would do nothing)",
            "6:48 error: 'report in' needs teams to report in ('bring in \"fire\" report in'); an emergency contact does not report in",
            "7:28 warning: 'unless acknowledged' on a step after 0s: nobody can have acted yet, so the step always runs",
            "8:24 warning: 'to yellow' is not above the rule's level 'red': the step changes no level",
            "9:37 error: expected 'unless', 'to', 'bring in' or 'report in' in an escalation step, found 'sound'",
        ])
    }
}
