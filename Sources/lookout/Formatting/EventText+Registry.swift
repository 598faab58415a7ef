import EventCore
import Vocabulary

/// The registry fields an event keeps, as `lookout show` prints them and as the JSON outputs carry them: read from
/// the registry table (`RegistryField`), so that a field the event keeps appears without a change here.
extension EventText {
    /// The value the event keeps for `field`, nil when it keeps none (the device id and kind are the event's own;
    /// the emergency phone is kept beside the location).
    static func registryValue(_ field: RegistryField, of location: EventLocation, emergencyPhone: String) -> JSONOutput? {
        if field == .emergencyPhone { return .string(emergencyPhone) }
        guard field.spec.locationKey != nil else { return nil }
        switch field.spec.type {
        case .text, .bool: return .string(location[text: field])
        case .number: return location[number: field].map { .number($0) } ?? .null
        }
    }

    /// The members for the fields the event keeps that are (`personal`) or are not the resident's personal data,
    /// in table order: the registry column as key (`community`), or for a resident field its name in rules without
    /// `resident.` (`name`, `emergency_contact`).
    static func registryJSON(_ location: EventLocation, personal: Bool, emergencyPhone: String = "") -> [(String, JSONOutput)] {
        RegistryField.allCases.compactMap { field in
            guard field.spec.isPersonal == personal,
                  let value = registryValue(field, of: location, emergencyPhone: emergencyPhone) else { return nil }
            let key = personal ? field.spec.ruleName.map { String($0.split(separator: ".").last ?? "") } ?? field.column : field.column
            return (key, value)
        }
    }

    /// One line per staff label (`Place`, `Resident`) in table order, with the values of its fields that are given:
    /// a place as a path (`c01 / 3 / 2`), a person's details side by side (`王秀英  13800000001`).
    static func registryLines(_ location: EventLocation, emergencyPhone: String) -> [(label: String, text: String)] {
        var lines: [(label: String, values: [String], personal: Bool)] = []
        for field in RegistryField.allCases {
            guard let value = registryValue(field, of: location, emergencyPhone: emergencyPhone) else { continue }
            let text: String
            switch value {
            case .string(let string): text = string
            case .number(let number): text = String(number)
            default: text = ""
            }
            if lines.last?.label == field.spec.label {
                // The registry's emergency contact often already names the phone (`赵桂英 13544176780`) that the
                // structured `emergency_phone` repeats: print a number once per line.
                let words = lines[lines.count - 1].values.flatMap { $0.split(separator: " ") }
                if !text.isEmpty && words.contains(where: { $0 == text }) { continue }
                lines[lines.count - 1].values.append(text)
            } else {
                lines.append((field.spec.label, [text], field.spec.isPersonal))
            }
        }
        return lines.map { line in
            (line.label, line.values.filter { !$0.isEmpty }.joined(separator: line.personal ? "  " : " / "))
        }
    }
}
