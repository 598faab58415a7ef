/// One option a command accepts: `--name`, maybe `-x`, a flag or taking a value.
struct OptionSpec: Sendable {
    /// Whether the option takes a value.
    enum Kind: Sendable, Equatable {
        /// `--all`.
        case flag
        /// `--level L`; the placeholder is shown in help.
        case value(placeholder: String)
    }

    /// Long name without dashes (`level` for `--level`).
    var name: String
    /// Optional one-letter name (`-n`).
    var short: Character?
    /// Flag or value.
    var kind: Kind
    /// One line of help.
    var help: String
    /// Values of a repeatable option accumulate (`--level red --level yellow`).
    var repeatable: Bool
    /// Fixed choices, offered by shell completion (empty: free text).
    var choices: [String]

    /// A flag option.
    static func flag(_ name: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(name: name, short: short, kind: .flag, help: help, repeatable: false, choices: [])
    }

    /// An option taking a value.
    static func value(_ name: String, _ placeholder: String, short: Character? = nil, help: String,
                      repeatable: Bool = false, choices: [String] = []) -> OptionSpec {
        OptionSpec(name: name, short: short, kind: .value(placeholder: placeholder), help: help,
                   repeatable: repeatable, choices: choices)
    }

    /// `--level L` / `-n, --limit N` as shown in help.
    var synopsis: String {
        var text = short.map { "-\($0), " } ?? ""
        text += "--\(name)"
        if case .value(let placeholder) = kind { text += " \(placeholder)" }
        return text
    }

    /// Whether the option consumes the next argument.
    var takesValue: Bool { kind != .flag }
}

/// Help text for a command: summary, usage line, options, examples.
struct CommandHelp: Sendable {
    /// One line: what the command does.
    var summary: String
    /// Arguments after the command name in the usage line (`ID --to NAME`).
    var usage: String
    /// Options of this command (global options are added by the help printer).
    var options: [OptionSpec] = []
    /// Longer explanation, one paragraph per element.
    var discussion: [String] = []
    /// Example command lines.
    var examples: [String] = []
}
