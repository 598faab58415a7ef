import EventCore
import FoundationEssentials
import Glibc
import TerminalText
import Vocabulary

/// The `lookout` program: finds the command in the arguments, parses, runs, maps errors to exit codes.
enum LookoutCLI {
    /// Every command, in the order `lookout help` lists them.
    static let commands: [any Command.Type] = [
        EventsCommand.self, ShowCommand.self, WatchCommand.self,
        AckCommand.self, DispatchCommand.self, OnsiteCommand.self, ResolveCommand.self,
        CloseCommand.self, ReopenCommand.self, NoteCommand.self, ReportCommand.self,
        SilenceAddCommand.self, SilenceListCommand.self, SilenceRemoveCommand.self,
        AwayAddCommand.self, AwayListCommand.self, AwayRemoveCommand.self,
        StatsCommand.self, DevicesCommand.self, RejectsCommand.self, StatusCommand.self,
        RulesCheckCommand.self, RulesTestCommand.self, NotifyTestCommand.self,
        HandoverCommand.self, AuditCommand.self, LoginCommand.self,
        CompletionCommand.self, HelpCommand.self, CompleteCommand.self,
    ]

    /// Names of command groups (`silence`, `away`, `rules`, `completion`): first words of two-word commands.
    static var groups: [String] {
        var seen: [String] = []
        for command in commands {
            let words = command.name.split(separator: " ")
            if words.count > 1, !seen.contains(String(words[0])) { seen.append(String(words[0])) }
        }
        return seen
    }

    /// The commands of a group.
    static func commands(inGroup group: String) -> [any Command.Type] {
        commands.filter { $0.name.hasPrefix(group + " ") }
    }

    /// The command with this full name.
    static func command(named name: String) -> (any Command.Type)? {
        commands.first { $0.name == name }
    }

    /// Runs with `arguments` (without the program name) and returns the exit status.
    static func main(_ arguments: [String]) -> Int32 {
        do {
            try dispatch(arguments)
            return 0
        } catch let error as CLIError {
            if !error.description.isEmpty { Console.error(error.description) }
            return error.exitCode
        } catch let error as EventStoreError {
            Console.error(error.description)
            return 1
        } catch {
            Console.error("\(error)")
            return 1
        }
    }

    /// Splits the command words off, parses the rest and runs the command.
    static func dispatch(_ arguments: [String]) throws {
        let (words, rest) = splitCommandWords(arguments)
        guard let first = words.first else {
            if rest.contains("--version") {
                Console.out("lookout \(lookoutVersion)\n")
                return
            }
            if rest.contains("--help") || rest.contains("-h") {
                Console.out(HelpFormatter.overview())
                return
            }
            guard !rest.isEmpty else {
                Console.err(HelpFormatter.overview())
                throw CLIError.exit(CLIError.usageExitCode)
            }
            // Options but no command: one line that names what is wrong, not the whole overview without a reason.
            do {
                _ = try ArgumentParser.parse(rest, options: GlobalOptions.specs, commandName: "lookout")
            } catch CLIError.usage(let message) {
                // The parser names the command; there is none, and the error line already starts with `lookout:`.
                var reason = Substring(message)
                if reason.hasPrefix("lookout") { reason = reason.dropFirst(7).drop { $0 == ":" || $0 == "：" || $0 == " " } }
                throw CLIError.usage(tr("%1$s (see 'lookout help')", String(reason)))
            }
            throw CLIError.usage(tr("no command after the options (see 'lookout help')"))
        }
        var name = first
        if groups.contains(first) {
            guard words.count > 1 else {
                if rest.contains("--help") || rest.contains("-h") {
                    Console.out(HelpFormatter.group(first))
                    return
                }
                Console.err(HelpFormatter.group(first))
                throw CLIError.exit(CLIError.usageExitCode)
            }
            name = first + " " + words[1]
        }
        guard let command = command(named: name) else {
            throw CLIError.usage(tr("unknown command '%1$s' (see 'lookout help')", name))
        }
        // Words after the command name are positionals of the command.
        let commandArguments = Array(words.dropFirst(name.split(separator: " ").count)) + rest
        let parsed: ParsedArguments
        do {
            parsed = try ArgumentParser.parse(commandArguments, options: GlobalOptions.specs + command.help.options,
                                              commandName: name)
        } catch CLIError.helpRequested {
            Console.out(HelpFormatter.command(command))
            return
        } catch CLIError.usage(let message) {
            throw CLIError.usage(tr("%1$s (see 'lookout %2$s --help')", message, name))
        }
        let instance: any Command
        do {
            instance = try command.init(arguments: parsed)
        } catch CLIError.usage(let message) {
            throw CLIError.usage(tr("%1$s (see 'lookout %2$s --help')", message, name))
        }
        try instance.run()
    }

    /// The leading command words (one, or two for a group) and every other argument, in order.
    /// Global options and their values may come before the command name.
    static func splitCommandWords(_ arguments: [String]) -> (words: [String], rest: [String]) {
        var words: [String] = []
        var rest: [String] = []
        var index = 0
        let globalValueOptions = GlobalOptions.specs.filter(\.takesValue).map { "--" + $0.name }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            let wanted = words.isEmpty || (words.count == 1 && groups.contains(words[0]))
            if argument == "--" {
                rest.append(contentsOf: arguments[(index - 1)...])
                break
            }
            if argument.hasPrefix("-") {
                rest.append(argument)
                if globalValueOptions.contains(argument), index < arguments.count {
                    rest.append(arguments[index])
                    index += 1
                }
                continue
            }
            if wanted { words.append(argument) } else {
                rest.append(contentsOf: arguments[(index - 1)...])
                break
            }
        }
        return (words, rest)
    }
}
