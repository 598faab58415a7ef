import Vocabulary

extension SimulatedDevice {
    /// The device's registry value for `field` as the CSV writes it ("" for a field the simulator leaves empty).
    func registryText(of field: RegistryField) -> String {
        switch field {
        case .id: id
        case .kind: kind.rawValue
        case .community: community
        case .building: building
        case .unit: unit
        case .address: address
        case .grid: grid
        case .owner: owner
        case .reportInterval: reportIntervalSeconds.map(String.init) ?? ""
        case .residentName: residentName
        case .residentPhone: residentPhone
        case .livesAlone: livesAlone.map { $0 ? "yes" : "no" } ?? ""
        case .emergencyContact: emergencyContact
        case .emergencyPhone, .residentID, .latitude, .longitude: ""
        }
    }
}
