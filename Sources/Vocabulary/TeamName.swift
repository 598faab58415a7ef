/// Team and notifier names: what rules write in `teams`, safe in an idempotency key and a metric label.
/// One check for the daemon's `[team NAME]` sections and the CLI's `lookout notify-test TEAM`.
public enum TeamName {
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
