import EventCore
import TerminalText

/// A staff action on one event (`ack`, `dispatch`, …): every such command shares this run.
protocol EventActionCommand: Command {
    /// Context (database, actor).
    var context: CLIContext { get }
    /// Event id as typed.
    var id: String { get }
    /// The action.
    var action: EventAction { get }
    /// Note for the timeline.
    var note: String { get }
}

/// An action whose arguments are just an event id and an optional `--note`.
protocol SimpleEventActionCommand: EventActionCommand {
    /// Makes the command (the struct's memberwise initializer).
    init(context: CLIContext, id: String, note: String)
}

extension SimpleEventActionCommand {
    /// Reads the id and the optional `--note`.
    init(arguments: ParsedArguments) throws {
        self.init(context: try CLIContext(arguments: arguments), id: try arguments.single("ID"),
                  note: arguments.value("note") ?? "")
    }
}

extension EventActionCommand {
    /// Applies the action and prints the new state in one line.
    func run() throws {
        try apply { try $0.perform(action, on: id, actor: context.actor, note: note, at: context.now) }
    }

    /// Runs `change` on the store opened for writing and prints the event it returns in one line, ending in
    /// `suffix` (default: who acted); the store's refusals become the CLI's error.
    func apply(suffix: String? = nil, _ change: (EventStore) throws -> EventRecord) throws {
        let store = try context.openStore(writing: true)
        let event: EventRecord
        do {
            event = try change(store)
        } catch let error as EventStoreError {
            throw CLIError.failure(error.description)
        }
        Console.out(EventText.summary(event, style: context.style) + "  " + (suffix ?? "by " + context.actor) + "\n")
    }

    /// The `--note` option every action accepts.
    static var noteOption: OptionSpec { .value("note", "TEXT", help: "note for the timeline") }
}

/// `lookout ack ID [--team TEAM]`: takes the event, or, with `--team`, reports in for a team the event brought in
/// (部门报到); the event's own first acknowledgement stays the first one.
struct AckCommand: EventActionCommand {
    static let name = "ack"
    static let help = CommandHelp(
        summary: "take an event (acknowledge it), or report in for a team brought in (--team)", usage: "ID [--team TEAM]",
        options: [.value("team", "TEAM", help: "report in for this team (fire, police, …): each team a step brings in with 'report in' acknowledges on its own"),
                  noteOption],
        examples: ["lookout ack E-1042", "lookout ack E-1042 --team fire --note \"engine 3 on the way\""])
    let context: CLIContext, id: String, note: String, team: String?
    var action: EventAction { .acknowledge }
    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        id = try arguments.single("ID")
        team = arguments.value("team")
        note = arguments.value("note") ?? ""
    }

    func run() throws {
        guard let team else {
            return try apply { try $0.perform(action, on: id, actor: context.actor, note: note, at: context.now) }
        }
        try apply(suffix: "\(team) reported in by \(context.actor)") {
            try $0.reportIn(id, team: team, actor: context.actor, note: note, at: context.now)
        }
    }
}

/// `lookout dispatch ID --to NAME`.
struct DispatchCommand: EventActionCommand {
    static let name = "dispatch"
    static let help = CommandHelp(summary: "dispatch an event to a person or team (派单)", usage: "ID --to NAME",
                                  options: [.value("to", "NAME", help: "person or team (required)"), noteOption],
                                  examples: ["lookout dispatch E-1042 --to property-team"])
    let context: CLIContext, id: String, note: String, assignee: String
    var action: EventAction { .dispatch(to: assignee) }
    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        id = try arguments.single("ID")
        assignee = try arguments.required("to")
        note = arguments.value("note") ?? ""
    }
}

/// `lookout onsite ID`.
struct OnsiteCommand: SimpleEventActionCommand {
    static let name = "onsite"
    static let help = CommandHelp(summary: "record that someone is on site", usage: "ID", options: [noteOption],
                                  examples: ["lookout onsite E-1042"])
    let context: CLIContext, id: String, note: String
    var action: EventAction { .onsite }
}

/// `lookout resolve ID --note TEXT`.
struct ResolveCommand: EventActionCommand {
    static let name = "resolve"
    static let help = CommandHelp(summary: "mark an event handled (a note is required)", usage: "ID --note TEXT",
                                  options: [.value("note", "TEXT", help: "what was done (required)")],
                                  examples: ["lookout resolve E-1042 --note 'cooking smoke, resident fine'"])
    let context: CLIContext, id: String, note: String
    var action: EventAction { .resolve }
    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        id = try arguments.single("ID")
        note = try arguments.required("note")
    }
}

/// `lookout close ID`.
struct CloseCommand: SimpleEventActionCommand {
    static let name = "close"
    static let help = CommandHelp(summary: "close (file) an event", usage: "ID", options: [noteOption],
                                  examples: ["lookout close E-1042"])
    let context: CLIContext, id: String, note: String
    var action: EventAction { .close }
}

/// `lookout reopen ID`.
struct ReopenCommand: SimpleEventActionCommand {
    static let name = "reopen"
    static let help = CommandHelp(summary: "open a resolved, closed or cleared event again", usage: "ID",
                                  options: [noteOption], examples: ["lookout reopen E-1042 --note 'alarm again'"])
    let context: CLIContext, id: String, note: String
    var action: EventAction { .reopen }
}

/// `lookout note ID TEXT`.
struct NoteCommand: EventActionCommand {
    static let name = "note"
    static let help = CommandHelp(summary: "add a note to an event's timeline", usage: "ID TEXT…",
                                  examples: ["lookout note E-1042 called the resident's daughter"])
    let context: CLIContext, id: String, note: String
    var action: EventAction { .note }
    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        guard arguments.positionals.count >= 2 else {
            throw CLIError.usage("note: needs an event id and the note text")
        }
        id = arguments.positionals[0]
        note = arguments.positionals.dropFirst().joined(separator: " ")
    }
}
