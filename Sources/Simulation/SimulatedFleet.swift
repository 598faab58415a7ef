/// A deterministic set of devices in one community: N of each kind with plausible registry data.
public struct SimulatedFleet: Sendable {
    /// Every device, kinds in docs/domain.md order, ids numbered from 1 within each kind.
    public let devices: [SimulatedDevice]
    /// The community id.
    public let community: String

    /// Creates `devicesPerKind[kind]` devices of each kind; the same seed gives the same fleet.
    public init(community: String = "c01", devicesPerKind: [SimulatedDeviceKind: Int], seed: UInt64 = 1) {
        var random = SimulationRandom(seed: seed ^ 0xF1EE7)
        var devices: [SimulatedDevice] = []
        for kind in SimulatedDeviceKind.allCases {
            for number in 0..<max(0, devicesPerKind[kind] ?? 0) {
                devices.append(Self.makeDevice(kind: kind, number: number + 1, community: community, random: &random))
            }
        }
        self.devices = devices
        self.community = community
    }

    /// Creates `count` devices of every kind.
    public init(community: String = "c01", devicesPerKind count: Int, seed: UInt64 = 1) {
        self.init(community: community, devicesPerKind: Dictionary(uniqueKeysWithValues: SimulatedDeviceKind.allCases.map { ($0, count) }), seed: seed)
    }

    /// The devices of one kind.
    public func devices(of kind: SimulatedDeviceKind) -> [SimulatedDevice] { devices.filter { $0.kind == kind } }

    private static let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"]
    private static let givenNames = ["秀英", "桂兰", "建国", "淑珍", "玉兰", "德明", "凤英", "志强", "桂英", "国华", "玉珍", "文华"]
    private static let roads = ["和平路", "幸福路", "建设路", "东门街", "光明巷"]

    private static func makeDevice(kind: SimulatedDeviceKind, number: Int, community: String, random: inout SimulationRandom) -> SimulatedDevice {
        // Devices come in pairs per building (1 and 2 in building 1, …), so every kind has neighbours
        // in the same building for the correlation scenarios (a second detector, a call button nearby).
        let building = (number - 1) / 2 % 12 + 1
        let unit = random.int(in: 1...3)
        let flat = random.int(in: 1...6) * 100 + random.int(in: 1...4)
        let id = kind.idPrefix + "-" + String(format4: number)
        var device = SimulatedDevice(
            id: id, kind: kind, community: community, building: String(building), unit: String(unit),
            address: "\(building)号楼\(unit)单元", grid: "grid-0\((building - 1) / 3 + 1)", owner: "property",
            reportIntervalSeconds: nil, residentName: "", residentPhone: "", livesAlone: nil, emergencyContact: "")
        let hasResident: Bool
        switch kind {
        case .manhole:
            device.address = "\(random.pick(roads)) \(building)号楼旁 井盖\(number)"
            device.owner = random.pick(["water", "drainage", "power", "telecom", "gas"])
            device.reportIntervalSeconds = 86_400
            hasResident = false
        case .smoke:
            device.address += " \(flat)室"
            device.reportIntervalSeconds = 14_400
            hasResident = false
        case .door:
            // One door in three is an elderly resident's own door; the rest are building entrances.
            hasResident = number % 3 == 0
            device.address += hasResident ? " \(flat)室 入户门" : " 单元门"
        case .sos:
            device.address += " \(flat)室"
            device.reportIntervalSeconds = 86_400
            hasResident = true
        }
        if hasResident {
            let surname = random.pick(surnames)
            device.residentName = surname + random.pick(givenNames)
            device.residentPhone = "13" + String(random.int(in: 0...9)) + String(format4: random.int(in: 0...9999)) + String(format4: random.int(in: 0...9999))
            // The first resident door (DR-0003) and every sixth after it belong to someone living alone.
            device.livesAlone = kind == .door ? number % 6 == 3 : random.chance(0.6)
            device.emergencyContact = random.pick(surnames) + random.pick(givenNames) + " 13" + String(random.int(in: 0...9))
                + String(format4: random.int(in: 0...9999)) + String(format4: random.int(in: 0...9999))
        }
        return device
    }
}

extension String {
    /// A number zero-padded to four digits (`0113`).
    init(format4 number: Int) {
        let digits = String(number)
        self = digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
    }
}
