import FoundationEssentials
import Glibc
import TerminalText
import Vocabulary

/// The arguments of one command after parsing: option values, flags and positionals.
struct ParsedArguments: Sendable {
    /// The command's full name (`silence add`), for messages.
    var commandName: String
    /// Values of value options, by long name, in the order given.
    var values: [String: [String]] = [:]
    /// Flags that were given, by long name.
    var flags: Set<String> = []
    /// Positional arguments, in order.
    var positionals: [String] = []

    /// Whether the flag was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The value of an option (the last one when given several times), or nil.
    func value(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeatable option; comma-separated lists are split (`--level red,yellow`).
    func list(_ name: String) -> [String] {
        (values[name] ?? []).flatMap(Self.items)
    }

    /// The items of a comma list (`red, yellow` → `["red", "yellow"]`), trimmed, empty ones dropped.
    static func items(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// The value of an option that must be given.
    func required(_ name: String) throws -> String {
        guard let value = value(name), !value.allSatisfy(\.isWhitespace) else {
            throw CLIError.usage(tr("%1$s: missing required option --%2$s", commandName, name))
        }
        return value
    }

    /// A non-negative integer option, or nil when absent.
    func integer(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), number >= 0 else {
            throw CLIError.usage(tr("%1$s: --%2$s needs a non-negative whole number, not '%3$s'", commandName, name, text))
        }
        return number
    }

    /// Exactly the positionals named in `names` (e.g. `["ID"]`); more or fewer is a usage error.
    func positionals(exactly names: [String]) throws -> [String] {
        if positionals.count < names.count {
            throw CLIError.usage(tr("%1$s: missing %2$s", commandName, names[positionals.count]))
        }
        if positionals.count > names.count {
            throw CLIError.usage(tr("%1$s: unexpected argument '%2$s'", commandName, positionals[names.count]))
        }
        return positionals
    }

    /// The single positional `name`.
    func single(_ name: String) throws -> String { try positionals(exactly: [name])[0] }
}
