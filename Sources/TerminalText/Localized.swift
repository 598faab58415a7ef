import CIntl
#if canImport(Glibc)
import Glibc
#endif

/// The CLI's words in the staff's language, through glibc's gettext: the one place that imports `CIntl`.
///
/// The language is chosen as every Debian program chooses it (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`); catalogs
/// are the `.mo` files compiled from `po/*.po`. Messages take positional arguments (`%1$s`, `%2$d`) because Chinese
/// puts them in another order. Machine-readable text (JSON, ids, option and command names) is never passed through.
public enum Localized {
    /// The gettext domain: `LOCALEDIR/LANG/LC_MESSAGES/lookout.mo`.
    public static let domain = "lookout"
    /// Where the package installs catalogs.
    public static let defaultDirectory = "/usr/share/locale"
    /// Overrides the catalog directory (tests, running from a build tree).
    public static let directoryVariable = "LOOKOUT_LOCALEDIR"

    /// Sets the locale from the environment and binds the catalogs; call once at the start of `main`.
    /// Numbers and times keep the C locale's form (`LC_NUMERIC`, `LC_TIME`), so figures print the same in every
    /// language and only the words change.
    public static func start(environment: [String: String]) {
        _ = setlocale(LC_ALL, "")
        _ = setlocale(LC_NUMERIC, "C")
        _ = setlocale(LC_TIME, "C")
        let directory = environment[directoryVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDirectory
        _ = bindtextdomain(domain, directory)
        _ = bind_textdomain_codeset(domain, "UTF-8")
        _ = textdomain(domain)
    }

    /// Whether a catalog is in use (the user's language is not English, and its catalog was found): gettext answers
    /// the empty message with the catalog's header then, and with the empty string without one.
    public static var hasCatalog: Bool {
        String(cString: gettext("")) != ""
    }

    /// Runs `body` with messages in English (the C locale's, where glibc ignores `LANGUAGE`), for sentences that
    /// scripts read in JSON (`lookout status --json`'s `problem`); the user's language again afterwards.
    public static func inEnglish<T>(_ body: () throws -> T) rethrows -> T {
        let saved = setlocale(LC_MESSAGES, nil).map { String(cString: $0) } ?? "C"
        _ = setlocale(LC_MESSAGES, "C")
        defer { _ = setlocale(LC_MESSAGES, saved) }
        return try body()
    }

    /// The translation of `message`, or `message` itself when the catalog has none.
    public static func text(_ message: String) -> String {
        // gettext may return the very pointer it was given: copy while the C string is alive.
        message.withCString { String(cString: gettext($0)) }
    }

    /// The singular or plural translation for `count` (Chinese has one form; English two).
    public static func plural(_ singular: String, _ plural: String, count: Int) -> String {
        singular.withCString { one in
            plural.withCString { many in String(cString: ngettext(one, many, UInt(max(0, count)))) }
        }
    }

    /// Fills `%1$s`, `%2$d` (positional) and `%s`, `%d` (in order) with `arguments`, `%%` with `%`: the one formatter
    /// for translated messages (`TextEditing.format` is `vsnprintf`, whose C strings do not carry Swift text safely).
    /// `s` and `d` both print the argument's description; anything else after `%` is kept as it is.
    public static func format(_ template: String, _ arguments: [String]) -> String {
        var result = ""
        var next = 0
        var scalars = template.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "%" else { result.unicodeScalars.append(scalar); continue }
            if scalars.first == "%" { scalars.removeFirst(); result += "%"; continue }
            var digits = ""
            var rest = scalars
            while let digit = rest.first, ("0"..."9").contains(digit) { digits.unicodeScalars.append(digit); rest.removeFirst() }
            var index: Int?
            if !digits.isEmpty, rest.first == "$", let position = Int(digits), position > 0 {
                rest.removeFirst()
                index = position - 1
            } else if digits.isEmpty {
                index = next
            }
            guard let chosen = index, let conversion = rest.first, conversion == "s" || conversion == "d" else {
                result += "%"
                continue
            }
            rest.removeFirst()
            scalars = rest
            next = chosen + 1
            if chosen < arguments.count { result += arguments[chosen] }
        }
        return result
    }
}

/// The translation of `message` with `arguments` put in (`tr("%1$s: unknown option '%2$s'", name, option)`).
/// `scripts/update-po.sh` finds the messages by this call: give it one string literal (or literals joined by `+`),
/// never an interpolation, so that the catalog holds the message.
public func tr(_ message: String, _ arguments: any CustomStringConvertible...) -> String {
    let translated = Localized.text(message)
    return arguments.isEmpty ? translated : Localized.format(translated, arguments.map(\.description))
}

/// A list of values (option choices, teams) as the language writes one: `red, yellow, green`, `red、yellow、green`.
public func trList(_ items: [String]) -> String {
    guard var text = items.first else { return "" }
    for item in items.dropFirst() { text = tr("%1$s, %2$s", text, item) }
    return text
}

/// `tr` for a message with a number in it: `trPlural("%1$d event", "%1$d events", count, count)`.
public func trPlural(_ singular: String, _ plural: String, _ count: Int, _ arguments: any CustomStringConvertible...) -> String {
    Localized.format(Localized.plural(singular, plural, count: count), arguments.map(\.description))
}
