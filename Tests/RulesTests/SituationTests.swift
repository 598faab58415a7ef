import Foundation
@testable import Rules
import Testing

/// One scenario per docs/domain.md situation, against the shipped rules, with a simulated clock.
struct SituationTests {
    @Test func situation1ManholeTilt() throws {
        let h = try RuleHarness(shipped: "manhole", devices: Fixtures.devices)
        // A passing truck: 2 s of tilt, then normal — nothing, ever.
        #expect(h.publish(0, "c01/manhole/MH-1/event", ["event": "cover_tilt", "state": "alarm", "tilt_deg": 22.4]) == [])
        #expect(h.publish(2, "c01/manhole/MH-1/event", ["event": "cover_tilt", "state": "normal", "tilt_deg": 0.9]) == [])
        #expect(h.run(from: 0, to: 120) == [])
        // A real displacement: held 30 s.
        h.publish(200, "c01/manhole/MH-1/event", ["event": "cover_tilt", "state": "alarm", "tilt_deg": 22.4])
        #expect(h.run(from: 200, to: 229) == [])
        #expect(h.tick(230) == ["raise manhole_tilt/MH-1 yellow"])
        #expect(h.publish(300, "c01/manhole/MH-1/event", ["event": "cover_tilt", "state": "normal"]) == ["clear manhole_tilt/MH-1 yellow"])
        // Beyond 90°: at once.
        #expect(h.publish(400, "c01/manhole/MH-2/event", ["event": "cover_tilt", "state": "alarm", "tilt_deg": 95]) == ["raise manhole_tilt/MH-2 yellow"])
    }

    @Test func situation1EscalationIsCarriedInTheAction() throws {
        let h = try RuleHarness(shipped: "manhole", devices: Fixtures.devices)
        let actions = h.engine.process(InboundMessage(topic: "c01/manhole/MH-1/event", segments: TopicLayout.standard.match("c01/manhole/MH-1/event") ?? [:],
                                                      payload: JSONObject([("event", "cover_tilt"), ("state", "alarm"), ("tilt_deg", 100)]),
                                                      payloadText: "{}", receivedAt: h.start))
        #expect(actions.count == 1)
        #expect(actions.first?.escalateTo == .red)
        #expect(actions.first?.ackWithinSeconds == 900)
        #expect(actions.first?.teams == ["community-office", "water", "grid-01"])
        #expect(actions.first?.title == "Manhole cover displaced at North gate (MH-1)")
    }

    @Test func situation2WaterOverrunAndFlooding() throws {
        let h = try RuleHarness(shipped: "manhole", devices: Fixtures.devices)
        let alarm: KeyValuePairs<String, JSONValue> = ["event": "water_overrun", "state": "alarm"]
        #expect(h.publish(0, "c01/manhole/MH-1/event", alarm) == ["raise manhole_water/MH-1 yellow"])
        #expect(h.publish(60, "c01/manhole/MH-2/event", alarm) == ["raise manhole_water/MH-2 yellow"])
        #expect(h.publish(120, "c01/manhole/MH-3/event", alarm) == ["raise manhole_water/MH-3 yellow", "raise manhole_flooding/community=c01 red"])
        // The same manhole again does not make a fourth device, but the flood event counts it.
        #expect(h.publish(180, "c01/manhole/MH-3/event", alarm) == ["raise manhole_water/MH-3 yellow", "raise manhole_flooding/community=c01 red"])
        // `clear after 2h` counts from the last trigger.
        #expect(h.tick(120 + 7200) == [])
        #expect(h.tick(180 + 7200) == ["clear manhole_flooding/community=c01 red"])
    }

    @Test func situation3GasHysteresis() throws {
        let h = try RuleHarness(shipped: "manhole", devices: Fixtures.devices)
        #expect(h.publish(0, "c01/manhole/MH-1/telemetry", ["ch4_pct_lel": 19]) == [])
        #expect(h.publish(10, "c01/manhole/MH-1/event", ["event": "gas", "state": "alarm", "ch4_pct_lel": 25]) == ["raise manhole_gas/MH-1 red"])
        #expect(h.publish(20, "c01/manhole/MH-1/telemetry", ["ch4_pct_lel": 12]) == [])
        #expect(h.publish(30, "c01/manhole/MH-1/telemetry", ["ch4_pct_lel": 9.5]) == ["clear manhole_gas/MH-1 red"])
        #expect(h.publish(40, "c01/manhole/MH-1/telemetry", ["ch4_pct_lel": 15]) == [])
    }

    @Test func situation4SmokeDebounceCountAndRenotify() throws {
        let h = try RuleHarness(shipped: "smoke", devices: Fixtures.devices)
        let alarm: KeyValuePairs<String, JSONValue> = ["event": "smoke", "state": "alarm", "concentration_pct": 18, "temperature_c": 41]
        // Chatter shorter than the debounce: nothing.
        h.publish(0, "c01/smoke/SD-1/event", alarm)
        h.publish(0.8, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"])
        #expect(h.run(from: 0, to: 60) == [])
        // Six alarm messages: one pending, then raise at +3 s; messages while pending produce nothing.
        #expect(h.publish(100, "c01/smoke/SD-1/event", alarm) == [])
        #expect(h.publish(101, "c01/smoke/SD-1/event", alarm) == [])
        #expect(h.tick(103) == ["raise smoke_alarm/SD-1 red"])
        for t in [104.0, 105, 106, 107] {
            #expect(h.publish(t, "c01/smoke/SD-1/event", alarm) == ["raise smoke_alarm/SD-1 red"])
        }
        #expect(h.tick(107 + 119) == [])
        #expect(h.tick(107 + 120) == ["renotify smoke_alarm/SD-1 red"])
        #expect(h.publish(500, "c01/smoke/SD-1/event", ["event": "smoke", "state": "normal"]) == ["clear smoke_alarm/SD-1 red"])
        #expect(h.run(from: 500, to: 1200, step: 10) == [])
    }

    @Test func situation4SecondDetectorOrCallButtonConfirmsFire() throws {
        let h = try RuleHarness(shipped: "smoke", devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"])
        #expect(h.tick(3) == ["raise smoke_alarm/SD-1 red"])
        // Each device counts once its alarm has held for 3 s (a call button: 3 s after the press).
        #expect(h.publish(30, "c01/sos/SOS-1/event", ["event": "sos", "press": "short"]) == [])
        #expect(h.tick(33) == ["raise fire_confirmed/community=c01,building=3 red"])
        h.publish(40, "c01/smoke/SD-2/event", ["event": "smoke", "state": "alarm"])
        let action = h.engine.tick(now: h.start + 43_000).filter { $0.rule == "fire_confirmed" }
        #expect(action.map(\.group) == ["community c01, building 3"])
        #expect(action.first?.title == "Fire confirmed in building 3: 3 devices alarming")
        #expect(action.first?.groupFields == ["community": "c01", "building": "3"])
    }

    @Test func situation5SmokeMaintenance() throws {
        let h = try RuleHarness(shipped: "smoke", devices: Fixtures.devices)
        #expect(h.publish(0, "c01/smoke/SD-1/event", ["event": "tamper", "state": "removed"]) == ["raise smoke_removed/SD-1 green"])
        #expect(h.publish(5, "c01/smoke/SD-1/event", ["event": "tamper", "state": "installed"]) == ["clear smoke_removed/SD-1 green"])
        #expect(h.publish(10, "c01/smoke/SD-2/event", ["event": "low_battery", "battery_pct": 9]) == ["raise smoke_low_battery/SD-2 green"])
        #expect(h.publish(20, "c01/smoke/SD-2/telemetry", ["battery_pct": 12]) == [])
        #expect(h.publish(30, "c01/smoke/SD-2/telemetry", ["battery_pct": 100]) == ["clear smoke_low_battery/SD-2 green"])
    }

    @Test func situation6ForcedDoorIgnoredRightAfterGrantedAccess() throws {
        let h = try RuleHarness(shipped: "door", devices: Fixtures.devices)
        h.publish(0, "c01/door/DR-1/event", ["event": "access", "result": "granted", "method": "face", "door": 1, "direction": "out"])
        #expect(h.publish(2, "c01/door/DR-1/event", ["event": "door_forced", "door": 1]) == [])
        #expect(h.publish(60, "c01/door/DR-1/event", ["event": "door_forced", "door": 1]) == ["raise door_forced/DR-1 yellow"])
        #expect(h.engine.ruleCounters.first { $0.rule == "door_forced" }?.counters.suppressed == 1)
    }

    @Test func situation7DoorHeldOpenAtNight() throws {
        // start is 2025-11-23 00:00 UTC = 08:00 in Shanghai: daytime.
        let h = try RuleHarness(shipped: "door", devices: Fixtures.devices)
        #expect(h.publish(0, "c01/door/DR-1/event", ["event": "door_held_open", "door": 1, "open_s": 120]) == [])
        let night = 14.0 * 3600 // 22:00 local
        #expect(h.publish(night, "c01/door/DR-1/event", ["event": "door_held_open", "door": 1, "open_s": 30]) == [])
        #expect(h.publish(night + 60, "c01/door/DR-1/event", ["event": "door_held_open", "door": 1, "open_s": 90]) == ["raise door_held_open/DR-1 green"])
        #expect(h.publish(night + 90, "c01/door/DR-1/event", ["event": "door_closed", "door": 1]) == ["clear door_held_open/DR-1 green"])
    }

    @Test func situation8DeniedAccessSlidingWindow() throws {
        let h = try RuleHarness(shipped: "door", devices: Fixtures.devices)
        let denied: KeyValuePairs<String, JSONValue> = ["event": "access", "result": "denied", "method": "card", "reason": "no_permission", "door": 1]
        for t in [0.0, 200, 400, 600] { #expect(h.publish(t, "c01/door/DR-1/event", denied) == []) }
        // The first denial has left the 10-minute window: still four.
        #expect(h.publish(601, "c01/door/DR-1/event", denied) == [])
        #expect(h.publish(650, "c01/door/DR-1/event", denied) == ["raise door_denied_burst/DR-1 yellow"])
    }

    @Test func situation9CallButtonMergeAndDowngrade() throws {
        let h = try RuleHarness(shipped: "sos", devices: Fixtures.devices)
        let press = h.engine.process(InboundMessage(topic: "c01/sos/SOS-1/event", segments: TopicLayout.standard.match("c01/sos/SOS-1/event") ?? [:],
                                                    payload: JSONObject([("event", "sos"), ("press", "short")]), payloadText: "{\"event\":\"sos\"}", receivedAt: h.start))
        #expect(press.map(RuleHarness.format) == ["raise sos_call/SOS-1 red"])
        #expect(press.first?.onsiteWithinSeconds == 900)
        #expect(press.first?.mergeWithinSeconds == 300)
        #expect(press.first?.payloadText == "{\"event\":\"sos\"}")
        #expect(press.first?.description == "phone 137; emergency contact Wang Lei; lives alone: true")
        #expect(h.publish(60, "c01/sos/SOS-1/event", ["event": "sos", "press": "short"]) == ["raise sos_call/SOS-1 red"])
        #expect(h.publish(90, "c01/sos/SOS-1/event", ["event": "sos_cancel", "press": "long"]) == ["downgrade sos_call/SOS-1 yellow"])
        #expect(h.publish(95, "c01/sos/SOS-1/event", ["event": "sos_cancel", "press": "long"]) == [])
    }

    @Test func situation10WelfareCheckWithAwayNote() throws {
        let h = try RuleHarness(shipped: "welfare", devices: Fixtures.devices)
        let hour = 3600.0
        h.publish(0, "c01/door/DR-9/event", ["event": "door_closed", "door": 1])
        // The door of a resident not living alone (DR-1) is not watched.
        #expect(h.run(from: 0, to: 48 * hour - 60, step: 60) == [])
        #expect(h.tick(48 * hour) == ["raise welfare_check/DR-9 yellow"])
        #expect(h.publish(49 * hour, "c01/door/DR-9/event", ["event": "access", "result": "granted", "door": 1]) == ["clear welfare_check/DR-9 yellow"])
        // Away from 50 h to 120 h: nothing until 48 h after the note ends.
        h.engine.setAway(deviceID: "DR-9", until: h.start + Int64(120 * hour * 1000))
        #expect(h.run(from: 49 * hour, to: 168 * hour - 60, step: 60) == [])
        #expect(h.tick(168 * hour) == ["raise welfare_check/DR-9 yellow"])
    }

    @Test func situation11SilentDevice() throws {
        let h = try RuleHarness(shipped: "health", devices: Fixtures.devices)
        h.publish(0, "c01/smoke/SD-1/telemetry", ["battery_pct": 96])
        // SD-2 was never seen: its timer starts at engine start, so it goes silent at the same time.
        #expect(h.run(from: 0, to: 7199, step: 60) == [])
        #expect(Set(h.tick(7200)) == ["raise device_silent/SD-1 green", "raise device_silent/SD-2 green"])
        #expect(h.publish(7300, "c01/smoke/SD-1/status", ["online": true]) == ["clear device_silent/SD-1 green"])
    }

    @Test func situation12MalformedDataNeverCrashesAndIsCounted() throws {
        let h = try RuleHarness(shipped: "manhole", devices: Fixtures.devices)
        // Wrong types and missing fields: no actions, counted.
        #expect(h.publish(0, "c01/manhole/MH-1/event", ["event": 12, "state": .null, "tilt_deg": "very"]) == [])
        #expect(h.publish(1, "c01/manhole/MH-1/telemetry", ["ch4_pct_lel": "high"]) == [])
        #expect(h.publish(2, "c01/manhole/MH-1/telemetry", ["ch4_pct_lel": .array([1, 2])]) == [])
        #expect(h.publish(3, "c01/manhole/MH-1/event", [:]) == [])
        let gas = try #require(h.engine.ruleCounters.first { $0.rule == "manhole_gas" }?.counters)
        #expect(gas.evaluations == 4)
        #expect(gas.wrongTypes == 2)
        #expect(gas.missingFields == 0)   // messages without a gas reading are not "missing"
        let tilt = try #require(h.engine.ruleCounters.first { $0.rule == "manhole_tilt" }?.counters)
        #expect(tilt.wrongTypes == 2)     // "event": 12, twice (when and at once when)
        // Unregistered device: templates say "?" where registry data is missing; never crash.
        #expect(h.publish(4, "c09/manhole/MH-X/event", ["event": "cover_tilt", "state": "alarm", "tilt_deg": 1e308]) == ["raise manhole_tilt/MH-X yellow"])
    }
}
