/// Finds the devices a scenario needs, with a clear message when the fleet lacks them.
struct DevicePicker {
    let fleet: SimulatedFleet

    func devices(_ kind: SimulatedDeviceKind, count: Int) throws(ScenarioError) -> [SimulatedDevice] {
        let found = fleet.devices(of: kind)
        guard found.count >= count else {
            throw ScenarioError(description: "scenario needs at least \(count) \(kind.rawValue) devices, the fleet has \(found.count)")
        }
        return Array(found.prefix(count))
    }

    func device(_ kind: SimulatedDeviceKind) throws(ScenarioError) -> SimulatedDevice {
        try devices(kind, count: 1)[0]
    }

    func device(_ kind: SimulatedDeviceKind, where need: String, _ matches: (SimulatedDevice) -> Bool) throws(ScenarioError) -> SimulatedDevice {
        guard let found = fleet.devices(of: kind).first(where: matches) else {
            throw ScenarioError(description: "scenario needs \(need) (\(kind.rawValue)); add devices with --devices-per-kind")
        }
        return found
    }
}
