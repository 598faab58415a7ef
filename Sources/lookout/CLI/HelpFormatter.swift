import TerminalText
import Vocabulary

/// Help text built from the commands' `CommandHelp`, so help, completion and docs agree.
enum HelpFormatter {
    /// `lookout --help`: every command with its summary.
    static func overview() -> String {
        var out = tr("lookout %1$s: staff CLI for Lookout community sensor alerts", lookoutVersion) + "\n\n"
        out += tr("Usage: %1$s", "lookout [--socket PATH] [--as NAME] [--no-color] COMMAND [OPTIONS] [ARGS]") + "\n\n" + tr("Commands:") + "\n"
        let listed = LookoutCLI.commands.filter { $0.isListed }
        let width = listed.map { DisplayWidth.of($0.name) }.max() ?? 0
        for command in listed {
            out += "  " + command.name.padding(to: width) + "  " + command.help.summary + "\n"
        }
        out += "\n" + tr("Global options:") + "\n" + optionLines(GlobalOptions.specs + [helpOption, versionOption])
        out += "\n" + tr("Exit status: 0 ok, 1 failure (unknown id, refused transition, database problem), 64 bad usage.") + "\n"
        out += tr("Run 'lookout help COMMAND' or 'lookout COMMAND --help' for a command's options.") + "\n"
        return out
    }

    /// `lookout silence`: the group's commands.
    static func group(_ group: String) -> String {
        var out = tr("Usage: %1$s", "lookout \(group) SUBCOMMAND") + "\n\n" + tr("Subcommands:") + "\n"
        let members = LookoutCLI.commands(inGroup: group)
        let width = members.map { DisplayWidth.of($0.name) }.max() ?? 0
        for command in members {
            out += "  " + command.name.padding(to: width) + "  " + command.help.summary + "\n"
        }
        return out
    }

    /// `lookout COMMAND --help`.
    static func command(_ command: any Command.Type) -> String {
        let help = command.help
        var usage = "lookout \(command.name)"
        if !help.options.isEmpty { usage += " [OPTIONS]" }
        if !help.usage.isEmpty { usage += " " + help.usage }
        var out = help.summary + "\n\n" + tr("Usage: %1$s", usage) + "\n"
        for paragraph in help.discussion { out += "\n" + paragraph + "\n" }
        if !help.options.isEmpty { out += "\n" + tr("Options:") + "\n" + optionLines(help.options) }
        out += "\n" + tr("Global options:") + "\n" + optionLines(GlobalOptions.specs + [helpOption])
        if !help.examples.isEmpty {
            out += "\n" + tr("Examples:") + "\n" + help.examples.map { "  \($0)\n" }.joined()
        }
        return out
    }

    private static let helpOption = OptionSpec.flag("help", short: "h", help: tr("show help"))
    private static let versionOption = OptionSpec.flag("version", help: tr("show the version"))

    private static func optionLines(_ options: [OptionSpec]) -> String {
        let width = options.map { DisplayWidth.of($0.synopsis) }.max() ?? 0
        return options.map { option in
            var line = "  " + option.synopsis.padding(to: width) + "  " + option.help
            if option.repeatable { line += tr(" (repeatable, or a comma list)") }
            return line + "\n"
        }.joined()
    }
}

extension String {
    /// The string padded with spaces to `width` terminal columns (a Chinese character takes two).
    func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - DisplayWidth.of(self)))
    }
}
