/// Team and notifier names: what rules write in `teams`, safe in an idempotency key and a metric label.
/// One check for the daemon's `[team NAME]` sections and the CLI's `lookout notify-test TEAM`.
public enum TeamName {
    /// The pseudo-team that stands for the resident's emergency contact (`bring in emergency contact` in a rule;
    /// the notifier target reached at the registry's `emergency_phone`). Relatives are not staff: re-notification
    /// and a manual reopen leave them out.
    public static let emergencyContact = "emergency-contact"

    /// The staff teams among `teams` (all but the emergency contact).
    public static func staff(_ teams: [String]) -> [String] { teams.filter { $0 != emergencyContact } }

    /// Whether `name` is 1 to 64 characters of letters, marks, digits (Unicode categories L*, M*, N*: what
    /// Foundation's `CharacterSet.alphanumerics` holds) and `-`, `_`, `.`.
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy { isAllowed($0) }
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "-" || scalar == "_" || scalar == "." { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
