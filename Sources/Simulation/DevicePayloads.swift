import Rules

/// The docs/domain.md payloads, one function per message a device sends. `ts` is Unix milliseconds.
public enum DevicePayloads {
    // MARK: Every kind

    /// Retained `{"online":true|false}` on the status topic (the offline form is also the last will).
    public static func status(_ device: SimulatedDevice, online: Bool) -> SimulatedMessage {
        SimulatedMessage(device: device, channel: .status, payload: JSONObject([("online", .bool(online))]),
                         label: online ? "status:online" : "status:offline")
    }

    /// A periodic reading with plausible values; nil for doors, which only send events.
    public static func telemetry(_ device: SimulatedDevice, ts: Int64, random: inout SimulationRandom) -> SimulatedMessage? {
        let fields: [(String, JSONValue)]
        switch device.kind {
        case .manhole:
            fields = [("tilt_deg", .number(random.decimal(in: 0...2, decimals: 1))), ("water_overrun", .bool(false)),
                      ("ch4_pct_lel", .number(0)), ("battery_pct", .number(Double(random.int(in: 40...100)))),
                      ("battery_v", .number(random.decimal(in: 3.3...3.6, decimals: 2))),
                      ("rsrp_dbm", .number(Double(random.int(in: -115 ... -70))))]
        case .smoke:
            fields = [("battery_pct", .number(Double(random.int(in: 30...100)))), ("concentration_pct", .number(0)),
                      ("temperature_c", .number(Double(random.int(in: 16...30))))]
        case .sos:
            fields = [("battery_pct", .number(Double(random.int(in: 20...100))))]
        case .door:
            return nil
        }
        return SimulatedMessage(device: device, channel: .telemetry, payload: JSONObject([("ts", .number(Double(ts)))] + fields),
                                label: "telemetry")
    }

    /// An event payload: `ts`, `event`, then `fields`.
    public static func event(_ device: SimulatedDevice, ts: Int64, _ name: String, _ fields: [(String, JSONValue)] = []) -> SimulatedMessage {
        SimulatedMessage(device: device, channel: .event,
                         payload: JSONObject([("ts", .number(Double(ts))), ("event", .string(name))] + fields), label: "event:\(name)")
    }

    // MARK: manhole

    /// `cover_tilt` alarm (tilt beyond threshold) or normal (back in place).
    public static func coverTilt(_ device: SimulatedDevice, ts: Int64, alarm: Bool, tiltDeg: Double) -> SimulatedMessage {
        event(device, ts: ts, "cover_tilt", [("state", .string(alarm ? "alarm" : "normal")), ("tilt_deg", .number(tiltDeg))])
    }

    /// `water_overrun` alarm or normal.
    public static func waterOverrun(_ device: SimulatedDevice, ts: Int64, alarm: Bool) -> SimulatedMessage {
        event(device, ts: ts, "water_overrun", [("state", .string(alarm ? "alarm" : "normal"))])
    }

    /// `gas` alarm or normal with the CH4 reading in % LEL.
    public static func gas(_ device: SimulatedDevice, ts: Int64, alarm: Bool, ch4PctLEL: Double) -> SimulatedMessage {
        event(device, ts: ts, "gas", [("state", .string(alarm ? "alarm" : "normal")), ("ch4_pct_lel", .number(ch4PctLEL))])
    }

    // MARK: smoke

    /// `smoke` alarm (with readings) or normal.
    public static func smoke(_ device: SimulatedDevice, ts: Int64, alarm: Bool, concentrationPct: Double = 18, temperatureC: Double = 41) -> SimulatedMessage {
        alarm ? event(device, ts: ts, "smoke", [("state", .string("alarm")), ("concentration_pct", .number(concentrationPct)),
                                                ("temperature_c", .number(temperatureC))])
              : event(device, ts: ts, "smoke", [("state", .string("normal"))])
    }

    /// `fault` with a vendor code (`chamber_contaminated`).
    public static func fault(_ device: SimulatedDevice, ts: Int64, code: String) -> SimulatedMessage {
        event(device, ts: ts, "fault", [("code", .string(code))])
    }

    /// `low_battery` with the remaining percentage.
    public static func lowBattery(_ device: SimulatedDevice, ts: Int64, batteryPct: Double) -> SimulatedMessage {
        event(device, ts: ts, "low_battery", [("battery_pct", .number(batteryPct))])
    }

    /// `tamper`: a smoke alarm `removed` from / `installed` on the ceiling.
    public static func smokeTamper(_ device: SimulatedDevice, ts: Int64, removed: Bool) -> SimulatedMessage {
        event(device, ts: ts, "tamper", [("state", .string(removed ? "removed" : "installed"))])
    }

    /// `self_test` with its result.
    public static func selfTest(_ device: SimulatedDevice, ts: Int64, pass: Bool) -> SimulatedMessage {
        event(device, ts: ts, "self_test", [("result", .string(pass ? "pass" : "fail"))])
    }

    /// `silenced` for a number of seconds.
    public static func silenced(_ device: SimulatedDevice, ts: Int64, durationS: Double) -> SimulatedMessage {
        event(device, ts: ts, "silenced", [("duration_s", .number(durationS))])
    }

    // MARK: door

    /// An access attempt: granted (`face`, `direction`) or denied (`card`, `reason`).
    public static func access(_ device: SimulatedDevice, ts: Int64, granted: Bool, credential: String, door: Int = 1,
                              method: String? = nil, direction: String = "in") -> SimulatedMessage {
        if granted {
            return event(device, ts: ts, "access", [("result", .string("granted")), ("method", .string(method ?? "face")),
                                                    ("door", .number(Double(door))), ("direction", .string(direction)),
                                                    ("credential", .string(credential))])
        }
        return event(device, ts: ts, "access", [("result", .string("denied")), ("method", .string(method ?? "card")),
                                                ("reason", .string("no_permission")), ("door", .number(Double(door))),
                                                ("credential", .string(credential))])
    }

    /// `door_forced`: opened without an access.
    public static func doorForced(_ device: SimulatedDevice, ts: Int64, door: Int = 1) -> SimulatedMessage {
        event(device, ts: ts, "door_forced", [("door", .number(Double(door)))])
    }

    /// `door_held_open` for `openS` seconds.
    public static func doorHeldOpen(_ device: SimulatedDevice, ts: Int64, door: Int = 1, openS: Double) -> SimulatedMessage {
        event(device, ts: ts, "door_held_open", [("door", .number(Double(door))), ("open_s", .number(openS))])
    }

    /// `door_closed`.
    public static func doorClosed(_ device: SimulatedDevice, ts: Int64, door: Int = 1) -> SimulatedMessage {
        event(device, ts: ts, "door_closed", [("door", .number(Double(door)))])
    }

    /// `tamper` of the reader.
    public static func doorTamper(_ device: SimulatedDevice, ts: Int64) -> SimulatedMessage {
        event(device, ts: ts, "tamper", [("part", .string("reader")), ("state", .string("alarm"))])
    }

    // MARK: sos

    /// A call-button press (`short` by default).
    public static func sosPress(_ device: SimulatedDevice, ts: Int64, press: String = "short") -> SimulatedMessage {
        event(device, ts: ts, "sos", [("press", .string(press))])
    }

    /// A cancel (long press).
    public static func sosCancel(_ device: SimulatedDevice, ts: Int64) -> SimulatedMessage {
        event(device, ts: ts, "sos_cancel", [("press", .string("long"))])
    }
}
