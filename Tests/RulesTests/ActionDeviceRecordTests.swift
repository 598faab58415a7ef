import Rules
import Testing

/// A raise carries the registry record of its device as the engine holds it when the raise is emitted, so the
/// daemon places the event without looking the device up again (issue 17 item 4).
struct ActionDeviceRecordTests {
    static let rules = Fixtures.smokeAlarmRule + """

    rule door_forced {
      on "+/door/+/event"
      when event == "door_forced"
      level yellow
      title "Door forced at {device.address}"
    }
    """

    @Test func aRaiseCarriesTheRecordOfItsDeviceAndAnUnregisteredDeviceNone() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        let registered = h.engine.process(h.message(1, "c01/door/DR-1/event", ["event": "door_forced", "door": 1]))
        #expect(registered.count == 1)
        #expect(registered.first?.device == Fixtures.devices.first { $0.id == "DR-1" })
        let unregistered = h.engine.process(h.message(2, "c01/door/DR-77/event", ["event": "door_forced", "door": 1]))
        #expect(unregistered.count == 1)
        #expect(unregistered.first?.device == nil)
    }

    /// A held alarm whose device's registry entry changed before the hold completed carries the new record (the
    /// registry in force when the raise is emitted), as the event must say where the detector is now.
    @Test func aHeldRaiseCarriesTheRecordInForceWhenItFires() throws {
        let h = try RuleHarness(rules: Self.rules, devices: Fixtures.devices)
        #expect(h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke", "state": "alarm"]) == [])
        var moved = Fixtures.devices
        let index = try #require(moved.firstIndex { $0.id == "SD-1" })
        moved[index].address = "B3 U1 #601"
        h.engine.replaceRegistry(DeviceRegistry(moved))
        let fired = h.engine.tick(now: h.start + 4_000)
        #expect(fired.map(RuleHarness.format) == ["raise smoke_alarm/SD-1 red"])
        #expect(fired.first?.device?.address == "B3 U1 #601")
    }
}
