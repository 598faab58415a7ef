import Vocabulary

/// The record's fields by their `RegistryField`: the one place that maps the registry table onto the packed
/// storage (a switch, no look-up by name), for rules (`device.*`, `resident.*`) and the test files' `device` lines.
extension DeviceRecord {
    /// The text of a text field ("" when empty); nil for a field of another type.
    @inline(__always)
    public func text(of field: RegistryField) -> String? {
        switch field {
        case .id: id
        case .kind: kind
        case .community: community
        case .building: building
        case .unit: unit
        case .address: address
        case .grid: grid
        case .owner: owner
        case .residentName: residentName
        case .residentPhone: residentPhone
        case .emergencyContact: emergencyContact
        case .emergencyPhone: emergencyPhone
        case .residentID: residentID
        case .reportInterval, .livesAlone, .latitude, .longitude: nil
        }
    }

    /// Sets a text field; false (nothing set) for a field of another type.
    mutating func setText(_ text: String, of field: RegistryField) -> Bool {
        switch field {
        case .id: id = text
        case .kind: kind = text
        case .community: community = text
        case .building: building = text
        case .unit: unit = text
        case .address: address = text
        case .grid: grid = text
        case .owner: owner = text
        case .residentName: residentName = text
        case .residentPhone: residentPhone = text
        case .emergencyContact: emergencyContact = text
        case .emergencyPhone: emergencyPhone = text
        case .residentID: residentID = text
        case .reportInterval, .livesAlone, .latitude, .longitude: return false
        }
        return true
    }

    /// The value of a decimal number field (`latitude`, `longitude`); nil when not given or of another type.
    public func number(of field: RegistryField) -> Double? {
        switch field {
        case .latitude: latitude
        case .longitude: longitude
        default: nil
        }
    }

    /// Sets a decimal number field (`latitude`, `longitude`); false (nothing set) for a field of another type.
    mutating func setNumber(_ value: Double?, of field: RegistryField) -> Bool {
        switch field {
        case .latitude: latitude = value
        case .longitude: longitude = value
        default: return false
        }
        return true
    }

    /// The value rules see for `field`: missing when the registry leaves it empty.
    @inline(__always)
    func ruleValue(of field: RegistryField) -> RuleValue {
        switch field {
        case .reportInterval: return reportIntervalSeconds.map { .number(Double($0)) } ?? .missing
        case .livesAlone: return livesAlone.map { .bool($0) } ?? .missing
        case .latitude, .longitude: return number(of: field).map { .number($0) } ?? .missing
        default:
            let text = text(of: field) ?? ""
            return text.isEmpty ? .missing : .string(text)
        }
    }
}
