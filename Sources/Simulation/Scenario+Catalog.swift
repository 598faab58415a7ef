extension Scenario {
    /// Every scenario: name and one-line summary, in `--help` order.
    public static let catalog: [(name: String, summary: String)] = [
        ("smoke-fire", "smoke alarm that chatters then holds, a second detector in the building, a call button nearby (red)"),
        ("manhole-tilt", "cover tilted 22.4° and still tilted 35 s later (yellow)"),
        ("manhole-truck", "cover tilts for 2 s under a passing truck and returns to normal (no event)"),
        ("water-cluster", "water overrun at three manholes within 2 minutes (yellow each, red cluster)"),
        ("gas", "gas alarm 25 % LEL, rising, then back to 3 % LEL (red, clears with hysteresis)"),
        ("smoke-fault", "chamber fault, low battery, detector removed then put back (green)"),
        ("door-forced", "forced right after a granted exit (ignored), then forced a minute later (yellow)"),
        ("door-held", "door held open 120 s, closed 30 s later (green, clears)"),
        ("door-denied-burst", "six denied card accesses at one door, 20 s apart (yellow)"),
        ("sos", "call button pressed, pressed again 30 s later (one red call)"),
        ("sos-cancel", "call button pressed, cancelled 20 s later (downgraded, record kept)"),
        ("welfare-absent", "last door activity of a resident living alone 49 h ago, then nothing (yellow)"),
        ("device-silent", "a smoke detector's last heartbeat 3 report intervals ago, then nothing (green)"),
        ("garbage", "one payload of every garbage kind (counted and kept, no staff event)"),
    ]

    /// Builds scenario `name` from devices of `fleet`.
    public static func named(_ name: String, fleet: SimulatedFleet) throws(ScenarioError) -> Scenario {
        guard let summary = catalog.first(where: { $0.name == name })?.summary else {
            throw ScenarioError(description: "unknown scenario '\(name)' (one of: \(catalog.map(\.name).joined(separator: ", ")))")
        }
        let picker = DevicePicker(fleet: fleet)
        let steps: [ScenarioStep]
        switch name {
        case "smoke-fire": steps = try smokeFire(picker)
        case "manhole-tilt", "manhole-truck", "water-cluster", "gas": steps = try manholeSteps(name, picker)
        case "door-forced", "door-held", "door-denied-burst", "welfare-absent": steps = try doorSteps(name, picker)
        case "sos", "sos-cancel": steps = try sosSteps(name, picker)
        case "smoke-fault", "device-silent": steps = try smokeSteps(name, picker)
        default: steps = try garbageSteps(picker)
        }
        return Scenario(name: name, summary: summary, steps: steps)
    }

    /// Manhole cover scenarios: tilt, a passing truck, water overrun at several covers, gas.
    private static func manholeSteps(_ name: String, _ picker: DevicePicker) throws(ScenarioError) -> [ScenarioStep] {
        let steps: [ScenarioStep]
        switch name {
        case "manhole-tilt":
            let cover = try picker.device(.manhole)
            steps = [
                ScenarioStep(after: 0, "\(cover.id) tilt alarm 22.4°") { DevicePayloads.coverTilt(cover, ts: $0, alarm: true, tiltDeg: 22.4) },
                ScenarioStep(after: 35, fast: 1, "\(cover.id) still tilted") { DevicePayloads.coverTilt(cover, ts: $0, alarm: true, tiltDeg: 22.6) },
            ]
        case "manhole-truck":
            let cover = try picker.device(.manhole)
            steps = [
                ScenarioStep(after: 0, "\(cover.id) tilt alarm 12.1° (truck passing)") { DevicePayloads.coverTilt(cover, ts: $0, alarm: true, tiltDeg: 12.1) },
                ScenarioStep(after: 2, "\(cover.id) back to normal") { DevicePayloads.coverTilt(cover, ts: $0, alarm: false, tiltDeg: 0.8) },
            ]
        case "water-cluster":
            let covers = try picker.devices(.manhole, count: 3)
            steps = covers.enumerated().map { (index: Int, cover: SimulatedDevice) -> ScenarioStep in
                let delay: Double = index == 0 ? 0 : 60
                let fastDelay: Double = index == 0 ? 0 : 0.5
                return ScenarioStep(after: delay, fast: fastDelay, "\(cover.id) water overrun") { ts in
                    DevicePayloads.waterOverrun(cover, ts: ts, alarm: true)
                }
            }
        default: // "gas"
            let cover = try picker.device(.manhole)
            steps = [
                ScenarioStep(after: 0, "\(cover.id) gas 25 % LEL") { DevicePayloads.gas(cover, ts: $0, alarm: true, ch4PctLEL: 25) },
                ScenarioStep(after: 20, fast: 1, "\(cover.id) gas 31 % LEL") { DevicePayloads.gas(cover, ts: $0, alarm: true, ch4PctLEL: 31) },
                ScenarioStep(after: 60, fast: 2, "\(cover.id) gas back to 3 % LEL") { DevicePayloads.gas(cover, ts: $0, alarm: false, ch4PctLEL: 3) },
            ]
        }
        return steps
    }

    /// Smoke detector scenarios other than a fire: faults and tamper, a detector gone silent.
    private static func smokeSteps(_ name: String, _ picker: DevicePicker) throws(ScenarioError) -> [ScenarioStep] {
        let steps: [ScenarioStep]
        switch name {
        case "smoke-fault":
            let detector = try picker.device(.smoke)
            steps = [
                ScenarioStep(after: 0, "\(detector.id) fault chamber_contaminated") { DevicePayloads.fault(detector, ts: $0, code: "chamber_contaminated") },
                ScenarioStep(after: 2, "\(detector.id) low battery 9 %") { DevicePayloads.lowBattery(detector, ts: $0, batteryPct: 9) },
                ScenarioStep(after: 2, "\(detector.id) removed from the ceiling") { DevicePayloads.smokeTamper(detector, ts: $0, removed: true) },
                ScenarioStep(after: 10, fast: 1, "\(detector.id) put back") { DevicePayloads.smokeTamper(detector, ts: $0, removed: false) },
            ]
        default: // "device-silent"
            let detector = try picker.device(.smoke)
            let interval = Int64(detector.reportIntervalSeconds ?? 14_400)
            steps = [
                ScenarioStep(after: 0, tsOffsetMillis: -3 * interval * 1000, "\(detector.id) last heartbeat \(3 * interval / 3600) h ago") { ts in
                    var random = SimulationRandom(seed: 7)
                    return DevicePayloads.telemetry(detector, ts: ts, random: &random) ?? DevicePayloads.status(detector, online: true)
                },
            ]
        }
        return steps
    }

    /// Door scenarios: forced, held open, denied card bursts, and a resident living alone gone quiet.
    private static func doorSteps(_ name: String, _ picker: DevicePicker) throws(ScenarioError) -> [ScenarioStep] {
        let steps: [ScenarioStep]
        switch name {
        case "door-forced":
            let door = try picker.device(.door)
            steps = [
                ScenarioStep(after: 0, "\(door.id) exit granted") { DevicePayloads.access(door, ts: $0, granted: true, credential: "E-0025", direction: "out") },
                ScenarioStep(after: 2, "\(door.id) forced right after the exit (nuisance)") { DevicePayloads.doorForced(door, ts: $0) },
                ScenarioStep(after: 60, fast: 5, "\(door.id) forced with no access") { DevicePayloads.doorForced(door, ts: $0) },
            ]
        case "door-held":
            let door = try picker.device(.door)
            steps = [
                ScenarioStep(after: 0, "\(door.id) held open 120 s") { DevicePayloads.doorHeldOpen(door, ts: $0, openS: 120) },
                ScenarioStep(after: 30, fast: 1, "\(door.id) closed") { DevicePayloads.doorClosed(door, ts: $0) },
            ]
        case "door-denied-burst":
            let door = try picker.device(.door)
            steps = (0..<6).map { (attempt: Int) -> ScenarioStep in
                let credential = String(8_165_538 + attempt * 7)
                let delay: Double = attempt == 0 ? 0 : 20
                let fastDelay: Double = attempt == 0 ? 0 : 0.2
                return ScenarioStep(after: delay, fast: fastDelay, "\(door.id) access denied #\(attempt + 1)") { ts in
                    DevicePayloads.access(door, ts: ts, granted: false, credential: credential)
                }
            }
        default: // "welfare-absent"
            let door = try picker.device(.door, where: "a resident living alone") { $0.livesAlone == true }
            steps = [
                ScenarioStep(after: 0, tsOffsetMillis: -49 * 3_600_000, "\(door.id) last activity 49 h ago (\(door.residentName))") {
                    DevicePayloads.access(door, ts: $0, granted: true, credential: "E-0003", direction: "out")
                },
            ]
        }
        return steps
    }

    /// Call button scenarios: a press, and a press then cancelled.
    private static func sosSteps(_ name: String, _ picker: DevicePicker) throws(ScenarioError) -> [ScenarioStep] {
        let steps: [ScenarioStep]
        switch name {
        case "sos":
            let button = try picker.device(.sos)
            steps = [
                ScenarioStep(after: 0, "\(button.id) pressed") { DevicePayloads.sosPress(button, ts: $0) },
                ScenarioStep(after: 30, fast: 1, "\(button.id) pressed again") { DevicePayloads.sosPress(button, ts: $0) },
            ]
        default: // "sos-cancel"
            let button = try picker.device(.sos)
            steps = [
                ScenarioStep(after: 0, "\(button.id) pressed") { DevicePayloads.sosPress(button, ts: $0) },
                ScenarioStep(after: 20, fast: 1, "\(button.id) cancelled (long press)") { DevicePayloads.sosCancel(button, ts: $0) },
            ]
        }
        return steps
    }

    /// One payload of every garbage kind from one smoke detector.
    private static func garbageSteps(_ picker: DevicePicker) throws(ScenarioError) -> [ScenarioStep] {
        let device = try picker.device(.smoke)
        return GarbageKind.allCases.enumerated().map { (index: Int, kind: GarbageKind) -> ScenarioStep in
            let delay: Double = index == 0 ? 0 : 0.5
            return ScenarioStep(after: delay, "\(device.id) garbage: \(kind.rawValue)") { ts in
                var random = SimulationRandom(seed: UInt64(index))
                return kind.message(for: device, ts: ts, random: &random)
            }
        }
    }

    private static func smokeFire(_ picker: DevicePicker) throws(ScenarioError) -> [ScenarioStep] {
        let first = try picker.device(.smoke)
        let second = try picker.device(.smoke, where: "a second detector in building \(first.building)") {
            $0.id != first.id && $0.building == first.building
        }
        let button = try picker.device(.sos, where: "a call button in building \(first.building)") { $0.building == first.building }
        return [
            ScenarioStep(after: 0, "\(first.id) smoke alarm") { DevicePayloads.smoke(first, ts: $0, alarm: true, concentrationPct: 12, temperatureC: 31) },
            ScenarioStep(after: 0.6, "\(first.id) normal (chatter)") { DevicePayloads.smoke(first, ts: $0, alarm: false) },
            ScenarioStep(after: 0.4, "\(first.id) smoke alarm again, held") { DevicePayloads.smoke(first, ts: $0, alarm: true, concentrationPct: 18, temperatureC: 41) },
            ScenarioStep(after: 8, fast: 4, "\(second.id) smoke alarm, same building") { DevicePayloads.smoke(second, ts: $0, alarm: true, concentrationPct: 15, temperatureC: 35) },
            ScenarioStep(after: 5, fast: 1, "\(button.id) call button pressed, same building") { DevicePayloads.sosPress(button, ts: $0) },
        ]
    }
}
