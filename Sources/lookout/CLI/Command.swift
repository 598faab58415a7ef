import TerminalText

/// A `lookout` command (`events`, `silence add`, …), in the manner of swift-argument-parser.
///
/// The command is made from its parsed arguments (validation happens there, so bad usage is
/// reported before anything is opened), then run.
protocol Command: Sendable {
    /// Full name as typed, words separated by one space (`silence add`).
    static var name: String { get }
    /// Help text; its options are what the parser accepts (plus the global options).
    static var help: CommandHelp { get }
    /// Validates the arguments. Throws `CLIError.usage` for bad usage.
    init(arguments: ParsedArguments) throws
    /// Does the work. Throws `CLIError` (or store errors, reported as failures).
    func run() throws
}

extension Command {
    /// Whether the command is listed in `lookout help` and completion (hidden aliases are not).
    static var isListed: Bool { true }
}

/// Options every command accepts, before or after the command name.
enum GlobalOptions {
    /// `--socket`, `--as`, `--no-color`.
    static let specs: [OptionSpec] = [
        .value("socket", "PATH", help: tr("lookoutd's API socket, through which every read and action goes (default: $LOOKOUT_SOCKET or /run/lookout/api.sock)")),
        .value("as", "NAME", help: tr("record that you act on behalf of NAME (a field worker who phoned in); you are still the one recorded as acting")),
        .flag("no-color", help: tr("no colours (also when $NO_COLOR is set or output is not a terminal)")),
    ]
}
