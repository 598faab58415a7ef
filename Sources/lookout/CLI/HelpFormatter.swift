import TerminalText
import Vocabulary

/// Help text built from the commands' `CommandHelp`, so help, completion and docs agree.
enum HelpFormatter {
    /// `lookout --help`: every command with its summary.
    static func overview() -> String {
        var out = "lookout \(lookoutVersion): staff CLI for Lookout community sensor alerts\n\n"
        out += "Usage: lookout [--db PATH] [--as NAME] [--no-color] COMMAND [OPTIONS] [ARGS]\n\nCommands:\n"
        let listed = LookoutCLI.commands.filter { $0.isListed }
        let width = listed.map { $0.name.count }.max() ?? 0
        for command in listed {
            out += "  " + command.name.padding(to: width) + "  " + command.help.summary + "\n"
        }
        out += "\nGlobal options:\n" + optionLines(GlobalOptions.specs + [helpOption, versionOption])
        out += "\nExit status: 0 ok, 1 failure (unknown id, refused transition, database problem), 64 bad usage.\n"
        out += "Run 'lookout help COMMAND' or 'lookout COMMAND --help' for a command's options.\n"
        return out
    }

    /// `lookout silence`: the group's commands.
    static func group(_ group: String) -> String {
        var out = "Usage: lookout \(group) SUBCOMMAND\n\nSubcommands:\n"
        let members = LookoutCLI.commands(inGroup: group)
        let width = members.map { $0.name.count }.max() ?? 0
        for command in members {
            out += "  " + command.name.padding(to: width) + "  " + command.help.summary + "\n"
        }
        return out
    }

    /// `lookout COMMAND --help`.
    static func command(_ command: any Command.Type) -> String {
        let help = command.help
        var out = "\(help.summary)\n\nUsage: lookout \(command.name)"
        if !help.options.isEmpty { out += " [OPTIONS]" }
        if !help.usage.isEmpty { out += " " + help.usage }
        out += "\n"
        for paragraph in help.discussion { out += "\n" + paragraph + "\n" }
        if !help.options.isEmpty { out += "\nOptions:\n" + optionLines(help.options) }
        out += "\nGlobal options:\n" + optionLines(GlobalOptions.specs + [helpOption])
        if !help.examples.isEmpty {
            out += "\nExamples:\n" + help.examples.map { "  \($0)\n" }.joined()
        }
        return out
    }

    private static let helpOption = OptionSpec.flag("help", short: "h", help: "show help")
    private static let versionOption = OptionSpec.flag("version", help: "show the version")

    private static func optionLines(_ options: [OptionSpec]) -> String {
        let width = options.map { $0.synopsis.count }.max() ?? 0
        return options.map { option in
            var line = "  " + option.synopsis.padding(to: width) + "  " + option.help
            if option.repeatable { line += " (repeatable, or a comma list)" }
            return line + "\n"
        }.joined()
    }
}

extension String {
    /// The string padded with spaces to `width` characters.
    func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
