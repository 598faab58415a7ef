import TerminalText

/// A small command-line parser: `--name value`, `--name=value`, `-x value`, flags, positionals,
/// `--` (everything after it is positional), `-h`/`--help`. Unknown options are usage errors.
enum ArgumentParser {
    /// Parses `arguments` against `options`. Throws `CLIError.usage` or `CLIError.helpRequested`.
    static func parse(_ arguments: [String], options: [OptionSpec], commandName: String) throws -> ParsedArguments {
        var result = ParsedArguments(commandName: commandName)
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                result.positionals.append(contentsOf: arguments[index...])
                break
            }
            if argument == "--help" || argument == "-h" { throw CLIError.helpRequested }
            guard argument.hasPrefix("-"), argument != "-" else {
                result.positionals.append(argument)
                continue
            }
            let (spec, inlineValue) = try lookup(argument, in: options, commandName: commandName)
            switch spec.kind {
            case .flag:
                if inlineValue != nil {
                    throw CLIError.usage(tr("%1$s: option --%2$s does not take a value", commandName, spec.name))
                }
                result.flags.insert(spec.name)
            case .value(let placeholder):
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    throw CLIError.usage(tr("%1$s: option --%2$s needs a value (%3$s)", commandName, spec.name, placeholder))
                }
                if !spec.choices.isEmpty {
                    for item in ParsedArguments.items(value) where !spec.choices.contains(item) {
                        throw CLIError.usage(tr("%1$s: --%2$s must be one of %3$s, not '%4$s'", commandName, spec.name, trList(spec.choices), item))
                    }
                }
                // "Last one wins" would quietly drop a scope (`--building c01/3 --building c01/4`): an option
                // that takes one value refuses a second, different one.
                if !spec.repeatable, let earlier = result.values[spec.name]?.last, earlier != value {
                    throw CLIError.usage(tr("%1$s: --%2$s takes one value, given '%3$s' and '%4$s'", commandName, spec.name, earlier, value))
                }
                result.values[spec.name, default: []].append(value)
            }
        }
        return result
    }

    /// The spec for `--name[=value]` or `-x`, and the inline value if any.
    private static func lookup(_ argument: String, in options: [OptionSpec],
                               commandName: String) throws -> (OptionSpec, String?) {
        if argument.hasPrefix("--") {
            let body = argument.dropFirst(2)
            let name: Substring
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = body[..<equals]
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = body
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw CLIError.usage(tr("%1$s: unknown option '%2$s'", commandName, "--\(name)"))
            }
            return (spec, inlineValue)
        }
        let letters = argument.dropFirst()
        guard letters.count == 1, let letter = letters.first,
              let spec = options.first(where: { $0.short == letter }) else {
            throw CLIError.usage(tr("%1$s: unknown option '%2$s'", commandName, argument))
        }
        return (spec, nil)
    }
}
