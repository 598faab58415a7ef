import Vocabulary

/// Residents' personal data in an event (PIPL): what of it an event carries, and the event without it.
///
/// An event keeps the resident's name, phone and emergency contact in its location, and rule templates may have
/// copied them into its title and description (`Emergency call from {resident.name}`). Everything that hands
/// events out to people or systems not entitled to them (lists, the live watch, the MQTT hand-off) and the
/// retention that removes them from old events use `withoutResidentData`, so there is one rule for what counts.
extension EventRecord {
    /// The resident's fields an event's location keeps.
    public static let residentFields: [RegistryField] = EventLocation.fields.filter(\.spec.isPersonal)

    /// What replaces a withheld value in a title or description.
    public static let withheldMark = "[withheld]"

    /// Whether the event carries any resident personal data in its location.
    public var hasResidentData: Bool {
        Self.residentFields.contains { !location[text: $0].isEmpty }
    }

    /// The event with the resident fields not in `kept` emptied, and their values (and any phone numbers in them)
    /// replaced by `withheldMark` in the title and description.
    public func withoutResidentData(keeping kept: Set<RegistryField> = []) -> EventRecord {
        var copy = self
        var values: [String] = []
        for field in Self.residentFields where !kept.contains(field) {
            let value = location[text: field]
            guard !value.isEmpty else { continue }
            copy.location[text: field] = ""
            values.append(value)
            // A contact is often `name phone`: the phone alone may be in the description too.
            values += value.split(separator: " ").map(String.init).filter(Self.looksLikePhoneNumber)
        }
        guard !values.isEmpty else { return copy }
        // Longest first, so that `Wang Lei 139…` is withheld whole rather than leaving the phone after its name.
        for value in Set(values).sorted(by: { $0.count > $1.count }) where value.count >= 2 {
            copy.title = copy.title.replacing(value, with: Self.withheldMark)
            copy.description = copy.description.replacing(value, with: Self.withheldMark)
        }
        return copy
    }

    /// Whether `word` is a phone number (digits, at least five, with `+`, `-` allowed).
    private static func looksLikePhoneNumber(_ word: String) -> Bool {
        word.filter(\.isASCII).count == word.count && word.filter(\.isNumber).count >= 5
            && word.allSatisfy { $0.isNumber || $0 == "+" || $0 == "-" }
    }
}
