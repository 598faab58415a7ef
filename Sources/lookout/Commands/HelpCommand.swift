import TerminalText

/// `lookout help [COMMAND]`.
struct HelpCommand: Command {
    static let name = "help"
    static let help = CommandHelp(summary: tr("show help for lookout or for a command"), usage: "[COMMAND]",
                                  examples: ["lookout help", "lookout help silence add"])

    let words: [String]

    init(arguments: ParsedArguments) throws {
        words = arguments.positionals
    }

    func run() throws {
        if words.isEmpty {
            Console.out(HelpFormatter.overview())
            return
        }
        let name = words.joined(separator: " ")
        if let command = LookoutCLI.command(named: name) {
            Console.out(HelpFormatter.command(command))
        } else if words.count == 1, LookoutCLI.groups.contains(name) {
            Console.out(HelpFormatter.group(name))
        } else {
            throw CLIError.usage(tr("help: unknown command '%1$s'", name))
        }
    }
}
