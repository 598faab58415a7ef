/// Background traffic for a fleet: mostly telemetry (doors: granted accesses), some alarms that clear
/// again later, a few status changes, and garbage at a configurable rate. Deterministic per seed.
public struct TrafficGenerator: Sendable {
    /// The devices traffic comes from.
    public let fleet: SimulatedFleet
    /// Share of (non-door) messages that are events rather than telemetry.
    public var eventFraction: Double
    /// Share of messages that are garbage (`GarbageKind`).
    public var garbageRate: Double
    private var random: SimulationRandom
    /// The message that ends each device's open alarm (by device index), sent on a later turn.
    private var pendingClears: [Int: PendingClear] = [:]
    /// Clears due at a time rather than a turn (smoke chatter: alarm, normal within a second).
    private var timedClears: [(due: Int64, device: Int, clear: PendingClear)] = []

    /// What brings a device back to normal after an alarm.
    private enum PendingClear: Sendable {
        case coverTilt, waterOverrun, gas, smoke, smokeInstalled, doorClosed, sosCancel
    }

    /// Creates a generator; `fleet` must not be empty.
    public init(fleet: SimulatedFleet, seed: UInt64 = 1, eventFraction: Double = 0.08, garbageRate: Double = 0) {
        self.fleet = fleet
        self.eventFraction = eventFraction
        self.garbageRate = garbageRate
        random = SimulationRandom(seed: seed)
    }

    /// The next message, stamped `ts` (Unix milliseconds). Nil only when the fleet is empty.
    public mutating func next(ts: Int64) -> SimulatedMessage? {
        guard !fleet.devices.isEmpty else { return nil }
        if let due = timedClears.firstIndex(where: { $0.due <= ts }) {
            let (_, device, clear) = timedClears.remove(at: due)
            return clearMessage(clear, device: fleet.devices[device], ts: ts)
        }
        let index = random.int(in: 0...(fleet.devices.count - 1))
        let device = fleet.devices[index]
        if garbageRate > 0, random.chance(garbageRate) {
            return random.pick(GarbageKind.allCases).message(for: device, ts: ts, random: &random)
        }
        if let clear = pendingClears[index], random.chance(0.5) {
            pendingClears[index] = nil
            return clearMessage(clear, device: device, ts: ts)
        }
        if random.chance(0.002) { return DevicePayloads.status(device, online: random.chance(0.7)) }
        if device.kind == .door { return doorTraffic(device, index: index, ts: ts) }
        if random.chance(eventFraction), pendingClears[index] == nil {
            return event(device, index: index, ts: ts)
        }
        return DevicePayloads.telemetry(device, ts: ts, random: &random)
            ?? DevicePayloads.status(device, online: true)
    }

    private mutating func doorTraffic(_ device: SimulatedDevice, index: Int, ts: Int64) -> SimulatedMessage {
        let credential = random.chance(0.7) ? "E-" + String(format4: random.int(in: 1...400)) : String(random.int(in: 1_000_000...9_999_999))
        switch random.weightedIndex([85, 8, 2, 1, 0.3]) {
        case 0: return DevicePayloads.access(device, ts: ts, granted: true, credential: credential, direction: random.chance(0.5) ? "in" : "out")
        case 1: return DevicePayloads.access(device, ts: ts, granted: false, credential: credential)
        case 2:
            pendingClears[index] = .doorClosed
            return DevicePayloads.doorHeldOpen(device, ts: ts, openS: Double(random.int(in: 60...600)))
        case 3: return DevicePayloads.doorForced(device, ts: ts)
        default: return DevicePayloads.doorTamper(device, ts: ts)
        }
    }

    private mutating func event(_ device: SimulatedDevice, index: Int, ts: Int64) -> SimulatedMessage {
        switch device.kind {
        case .manhole:
            switch random.weightedIndex([5, 2, 1]) {
            case 0:
                pendingClears[index] = .coverTilt
                return DevicePayloads.coverTilt(device, ts: ts, alarm: true, tiltDeg: random.decimal(in: 10...95, decimals: 1))
            case 1:
                pendingClears[index] = .waterOverrun
                return DevicePayloads.waterOverrun(device, ts: ts, alarm: true)
            default:
                pendingClears[index] = .gas
                return DevicePayloads.gas(device, ts: ts, alarm: true, ch4PctLEL: Double(random.int(in: 20...60)))
            }
        case .smoke:
            switch random.weightedIndex([2, 1, 2, 1, 3, 1]) {
            case 0:
                // A third of smoke alarms are nuisance chatter: back to normal within a second.
                if random.chance(0.33) {
                    timedClears.append((due: ts + Int64(random.int(in: 300...900)), device: index, clear: .smoke))
                } else {
                    pendingClears[index] = .smoke
                }
                return DevicePayloads.smoke(device, ts: ts, alarm: true, concentrationPct: Double(random.int(in: 10...40)),
                                            temperatureC: Double(random.int(in: 25...60)))
            case 1: return DevicePayloads.fault(device, ts: ts, code: random.pick(["chamber_contaminated", "sensor_fault", "eol"]))
            case 2: return DevicePayloads.lowBattery(device, ts: ts, batteryPct: Double(random.int(in: 3...15)))
            case 3:
                pendingClears[index] = .smokeInstalled
                return DevicePayloads.smokeTamper(device, ts: ts, removed: true)
            case 4: return DevicePayloads.selfTest(device, ts: ts, pass: random.chance(0.95))
            default: return DevicePayloads.silenced(device, ts: ts, durationS: 600)
            }
        case .sos:
            if random.chance(0.4) { pendingClears[index] = .sosCancel }
            return DevicePayloads.sosPress(device, ts: ts, press: random.chance(0.9) ? "short" : "double")
        case .door:
            return doorTraffic(device, index: index, ts: ts)
        }
    }

    private mutating func clearMessage(_ clear: PendingClear, device: SimulatedDevice, ts: Int64) -> SimulatedMessage {
        switch clear {
        case .coverTilt: return DevicePayloads.coverTilt(device, ts: ts, alarm: false, tiltDeg: random.decimal(in: 0...2, decimals: 1))
        case .waterOverrun: return DevicePayloads.waterOverrun(device, ts: ts, alarm: false)
        case .gas: return DevicePayloads.gas(device, ts: ts, alarm: false, ch4PctLEL: Double(random.int(in: 0...5)))
        case .smoke: return DevicePayloads.smoke(device, ts: ts, alarm: false)
        case .smokeInstalled: return DevicePayloads.smokeTamper(device, ts: ts, removed: false)
        case .doorClosed: return DevicePayloads.doorClosed(device, ts: ts)
        case .sosCancel: return DevicePayloads.sosCancel(device, ts: ts)
        }
    }
}
