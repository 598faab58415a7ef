import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// A `list` command of time-limited records staff add and remove (silences, away notes): no positionals,
/// `--json`, the records in force as a table or a JSON array. Conformers only say where the records come from.
protocol RecordListCommand: Command {
    /// Title of the subject column (`SCOPE`, `DEVICE`); lower-cased, it is the JSON key.
    static var subjectTitle: String { get }
    /// What is printed when nothing is in force.
    static var emptyText: String { get }
    /// The operation that lists them.
    static var listOperation: APIOperation { get }
    /// The records in force, from lookoutd's answer.
    static func records(in result: APIResult) -> [RecordListing]
    /// Creates the command from its validated arguments.
    init(context: CLIContext, json: Bool)
    /// Global options and the clock.
    var context: CLIContext { get }
    /// Whether to print JSON.
    var json: Bool { get }
}

extension RecordListCommand {
    init(arguments: ParsedArguments) throws {
        let context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        self.init(context: context, json: arguments.flag("json"))
    }

    func run() throws {
        let now = context.now
        let records = Self.records(in: try context.request(Self.listOperation, [:]))
        Console.out(RecordListing.render(records, subjectTitle: Self.subjectTitle, json: json, empty: Self.emptyText,
                                         now: now, context: context))
    }
}

/// A `remove ID` command that ends a time-limited record early (it stays on the record), through lookoutd.
/// Conformers only say what the record is called and which operation ends it.
protocol RecordRemoveCommand: Command {
    /// What one record is called in messages (`silence`, `away note`).
    static var recordNoun: String { get }
    /// The command that lists the ids (`lookout silence list`).
    static var listCommand: String { get }
    /// The operation that ends one, and the name of its id argument.
    static var operation: (APIOperation, idArgument: String) { get }
    /// Creates the command from its validated arguments.
    init(context: CLIContext, id: Int64)
    /// Global options and the clock.
    var context: CLIContext { get }
    /// The record to end.
    var id: Int64 { get }
}

extension RecordRemoveCommand {
    init(arguments: ParsedArguments) throws {
        let context = try CLIContext(arguments: arguments)
        self.init(context: context, id: try RecordListing.id(arguments, listCommand: Self.listCommand))
    }

    func run() throws {
        let result = try context.request(Self.operation.0, [Self.operation.idArgument: String(id)])
        Console.out(tr("%1$s %2$d removed %3$s", Self.recordNoun, id, CLIContext.byline(result)) + "\n")
    }
}
