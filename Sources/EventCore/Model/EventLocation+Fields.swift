import Vocabulary

/// The location's registry fields by their `RegistryField`: the one map from the registry table onto the
/// location's members, for the daemon copying a device's record into an event and for the snapshot JSON.
extension EventLocation {
    /// The registry fields an event copies (those with a `locationKey`), in key order (as the snapshot JSON
    /// writes them: sorted keys).
    public static let fields: [RegistryField] = RegistryField.allCases.filter { $0.spec.locationKey != nil }
        .sorted { ($0.spec.locationKey ?? "") < ($1.spec.locationKey ?? "") }

    /// The text kept for `field` ("" when empty or when the location keeps no such field; setting one it does
    /// not keep does nothing).
    public subscript(text field: RegistryField) -> String {
        get {
            switch field {
            case .community: community
            case .building: building
            case .unit: unit
            case .address: address
            case .grid: grid
            case .owner: owner
            case .residentName: residentName
            case .residentPhone: residentPhone
            case .emergencyContact: emergencyContact
            case .id, .kind, .latitude, .longitude, .reportInterval, .livesAlone, .emergencyPhone, .residentID: ""
            }
        }
        set {
            switch field {
            case .community: community = newValue
            case .building: building = newValue
            case .unit: unit = newValue
            case .address: address = newValue
            case .grid: grid = newValue
            case .owner: owner = newValue
            case .residentName: residentName = newValue
            case .residentPhone: residentPhone = newValue
            case .emergencyContact: emergencyContact = newValue
            case .id, .kind, .latitude, .longitude, .reportInterval, .livesAlone, .emergencyPhone, .residentID: break
            }
        }
    }

    /// The number kept for `field` (nil when not given or when the location keeps no such number; setting one
    /// it does not keep does nothing).
    public subscript(number field: RegistryField) -> Double? {
        get {
            switch field {
            case .latitude: latitude
            case .longitude: longitude
            default: nil
            }
        }
        set {
            switch field {
            case .latitude: latitude = newValue
            case .longitude: longitude = newValue
            default: break
            }
        }
    }
}
