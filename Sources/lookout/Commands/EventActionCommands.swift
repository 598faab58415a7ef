import EventCore
import Glibc
import StaffAPI
import TerminalText
import Vocabulary

/// A staff action on one event (`ack`, `dispatch`, …): every such command shares this run, a request to lookoutd.
protocol EventActionCommand: Command {
    /// Context (socket, on whose behalf).
    var context: CLIContext { get }
    /// Event id as typed.
    var id: String { get }
    /// The operation asked of the daemon.
    var operation: APIOperation { get }
    /// Note for the timeline.
    var note: String { get }
    /// Arguments besides the id and the note (`to` of a dispatch).
    var extraArguments: [String: String] { get }
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
    var extraArguments: [String: String] { [:] }

    /// Asks lookoutd to apply the action and prints the new state in one line, with who the daemon recorded.
    func run() throws {
        try apply()
    }

    /// Sends the request and prints the event it returns in one line, ending in `suffix` (default: who acted).
    func apply(suffix: ((APIResult) -> String)? = nil) throws {
        var arguments = extraArguments
        arguments["id"] = id
        if !note.isEmpty { arguments["note"] = note }
        let result = try context.request(operation, arguments)
        guard let event = result.event else { throw CLIError.failure(tr("lookoutd answered without the event")) }
        Console.out(EventText.summary(event, style: context.style) + "  " + (suffix?(result) ?? CLIContext.byline(result)) + "\n")
    }

    /// The `--note` option every action accepts.
    static var noteOption: OptionSpec { .value("note", "TEXT", help: tr("note for the timeline")) }
}

/// `lookout ack ID [--team TEAM]`: takes the event, or, with `--team`, reports in for a team the event brought in
/// (部门报到); the event's own first acknowledgement stays the first one.
struct AckCommand: EventActionCommand {
    static let name = "ack"
    static let help = CommandHelp(
        summary: tr("take an event (acknowledge it), or report in for a team brought in (--team)"), usage: "ID [--team TEAM]",
        options: [.value("team", "TEAM", help: tr("report in for this team (fire, police, …): each team a step brings in with 'report in' acknowledges on its own")),
                  noteOption],
        examples: ["lookout ack E-1042", "lookout ack E-1042 --team fire --note \"engine 3 on the way\""])
    let context: CLIContext, id: String, note: String, team: String?
    var operation: APIOperation { team == nil ? .acknowledge : .reportIn }
    var extraArguments: [String: String] { team.map { ["team": $0] } ?? [:] }
    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        id = try arguments.single("ID")
        team = arguments.value("team")
        note = arguments.value("note") ?? ""
    }

    func run() throws {
        guard let team else { return try apply() }
        try apply { tr("%1$s reported in %2$s", TextSanitizer.sanitize(team), CLIContext.byline($0)) }
    }
}

/// `lookout dispatch ID --to NAME`.
struct DispatchCommand: EventActionCommand {
    static let name = "dispatch"
    static let help = CommandHelp(summary: tr("dispatch an event to a person or team (派单)"), usage: "ID --to NAME",
                                  options: [.value("to", "NAME", help: tr("person or team (required)")), noteOption],
                                  examples: ["lookout dispatch E-1042 --to property-team"])
    let context: CLIContext, id: String, note: String, assignee: String
    var operation: APIOperation { .dispatch }
    var extraArguments: [String: String] { ["to": assignee] }
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
    static let help = CommandHelp(summary: tr("record that someone is on site"), usage: "ID", options: [noteOption],
                                  examples: ["lookout onsite E-1042"])
    let context: CLIContext, id: String, note: String
    var operation: APIOperation { .onsite }
}

/// `lookout resolve ID --note TEXT --cause CAUSE`: handled, with what caused it (the street office counts nuisance and
/// false alarms per detector). Without `--cause`, a terminal is asked with a numbered menu; a script is refused.
struct ResolveCommand: EventActionCommand {
    static let name = "resolve"
    static let help = CommandHelp(
        summary: tr("mark an event handled, with its cause (a note is required)"), usage: "ID --note TEXT [--cause CAUSE]",
        options: [.value("note", "TEXT", help: tr("what was done (required)")),
                  .value("cause", "CAUSE", help: tr("what caused it: real, nuisance (cooking steam, renovation dust), false (device fault), test, prank; for call buttons also errand, cancelled-by-resident (asked for on a terminal when left out)"),
                         choices: EventCause.allCases.map(\.rawValue))],
        examples: ["lookout resolve E-1042 --cause nuisance --note 'cooking smoke, resident fine'",
                   "lookout resolve E-1043 --cause errand --note 'wanted help with the shopping'"])
    let context: CLIContext, id: String, note: String
    /// The cause given with `--cause`; nil: ask on a terminal.
    let cause: EventCause?
    var operation: APIOperation { .resolve }
    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        id = try arguments.single("ID")
        note = try arguments.required("note")
        if let text = arguments.value("cause") {
            guard let cause = EventCause(rawValue: text) else {
                throw CLIError.usage(tr("%1$s: --cause must be one of %2$s, not '%3$s'", "resolve",
                                        trList(EventCause.allCases.map(\.rawValue)), text))
            }
            self.cause = cause
        } else {
            guard isatty(0) == 1 else {
                throw CLIError.usage(tr("%1$s: say what caused it with --cause: %2$s (errand and cancelled-by-resident for call buttons only)",
                                        "resolve", trList(EventCause.allCases.map(\.rawValue))))
            }
            cause = nil
        }
    }

    func run() throws {
        let chosen = try cause ?? askCause()
        let result = try context.request(operation, ["id": id, "note": note, "cause": chosen.rawValue])
        guard let event = result.event else { throw CLIError.failure(tr("lookoutd answered without the event")) }
        Console.out(EventText.summary(event, style: context.style) + "  " + CLIContext.byline(result) + "\n")
    }

    /// Asks on the terminal: a numbered menu of the causes that fit the event's kind.
    private func askCause() throws -> EventCause {
        let event = try context.request(.show, ["id": id]).event
        let choices = EventCause.choices(forKind: event?.kind)
        var menu = tr("What caused %1$s?", event.map { EventText.summary($0, style: context.style) } ?? TextSanitizer.sanitize(id)) + "\n"
        for (number, choice) in choices.enumerated() {
            menu += "  \(number + 1)) " + EventText.causeWord(choice) + " (" + choice.rawValue + ")\n"
        }
        for _ in 0 ..< 3 {
            Console.err(menu + tr("Number (1-%1$d): ", choices.count))
            guard let line = readLine(strippingNewline: true) else { break }
            let text = line.trimmingWhitespace()
            if let number = Int(text), (1 ... choices.count).contains(number) { return choices[number - 1] }
            if let named = EventCause(rawValue: text), choices.contains(named) { return named }
        }
        throw CLIError.usage(tr("%1$s: no cause chosen; nothing changed", "resolve"))
    }
}

/// `lookout close ID`.
struct CloseCommand: SimpleEventActionCommand {
    static let name = "close"
    static let help = CommandHelp(summary: tr("close (file) an event"), usage: "ID", options: [noteOption],
                                  examples: ["lookout close E-1042"])
    let context: CLIContext, id: String, note: String
    var operation: APIOperation { .close }
}

/// `lookout reopen ID`.
struct ReopenCommand: SimpleEventActionCommand {
    static let name = "reopen"
    static let help = CommandHelp(summary: tr("open a resolved, closed or cleared event again"), usage: "ID",
                                  options: [noteOption], examples: ["lookout reopen E-1042 --note 'alarm again'"])
    let context: CLIContext, id: String, note: String
    var operation: APIOperation { .reopen }
}

/// `lookout note ID TEXT`.
struct NoteCommand: EventActionCommand {
    static let name = "note"
    static let help = CommandHelp(summary: tr("add a note to an event's timeline"), usage: "ID TEXT…",
                                  examples: ["lookout note E-1042 called the resident's daughter"])
    let context: CLIContext, id: String, note: String
    var operation: APIOperation { .note }
    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        guard arguments.positionals.count >= 2 else {
            throw CLIError.usage(tr("%1$s: needs an event id and the note text", "note"))
        }
        id = arguments.positionals[0]
        note = arguments.positionals.dropFirst().joined(separator: " ")
    }
}
