import EventCore
import FoundationEssentials
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout __complete WHAT` (hidden): the values bash completion offers, asked of lookoutd through the usual door,
/// one a line: `ids` (open event ids), `ended-ids` (resolved, closed or cleared: what `reopen` takes), `kinds`
/// (device kinds), `teams` (teams of the registry and of events), `communities`. Prints nothing and succeeds when lookoutd cannot be asked, and waits at most two seconds: a
/// completion must never hang a shell or print an error into it.
struct CompleteCommand: Command {
    static let name = "__complete"
    static let help = CommandHelp(
        summary: tr("print values for shell completion (ids, kinds, teams, communities) asked of lookoutd"),
        usage: "ids|ended-ids|kinds|teams|communities")
    static var isListed: Bool { false }

    /// What may be completed.
    enum Values: String, CaseIterable {
        case ids, kinds, teams, communities
        case endedIDs = "ended-ids"
    }

    let context: CLIContext
    let values: Values?

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        values = try arguments.positionals(exactly: ["WHAT"]).first.flatMap(Values.init(rawValue:))
    }

    func run() throws {
        guard let values, let words = try? Self.words(values, context: context) else { return }
        let safe = words.filter { !$0.isEmpty && TextSanitizer.isSafe($0) && !$0.contains(" ") }
        if !safe.isEmpty { Console.out(safe.joined(separator: "\n") + "\n") }
    }

    /// The values, sorted, without repeats.
    static func words(_ values: Values, context: CLIContext) throws -> [String] {
        switch values {
        case .ids:
            var filter = EventFilter()
            filter.limit = 500
            let encoded = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
            return try ask(.events, ["filter": encoded], context: context).events?.map(\.id) ?? []
        case .endedIDs:
            var filter = EventFilter()
            filter.statuses = [.resolved, .closed, .cleared]
            filter.limit = 500
            let encoded = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
            return try ask(.events, ["filter": encoded], context: context).events?.map(\.id) ?? []
        case .kinds:
            return Array(Set(try ask(.devices, [:], context: context).devices?.map(\.kind) ?? [])).sorted()
        case .communities:
            return Array(Set(try ask(.devices, [:], context: context).devices?.map(\.community) ?? [])).sorted()
        case .teams:
            var teams = Set<String>()
            for device in try ask(.devices, [:], context: context).devices ?? [] {
                teams.formUnion([device.grid, device.owner])
            }
            var filter = EventFilter()
            filter.includeAll = true
            filter.limit = 1000
            let encoded = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
            for event in try ask(.events, ["filter": encoded], context: context).events ?? [] { teams.formUnion(event.teams) }
            return teams.sorted()
        }
    }

    /// One request with a short wait; its refusal or lookoutd's absence is an error (and no words).
    private static func ask(_ operation: APIOperation, _ arguments: [String: String], context: CLIContext) throws -> APIResult {
        let request = context.apiRequest(operation, arguments)
        let response: APIResponse
        if let remote = context.remote {
            response = try RemoteAPIClient(settings: remote, timeoutSeconds: 2).send(request)
        } else {
            response = try LocalAPIClient(socketPath: context.socketPath, timeoutSeconds: 2).send(request)
        }
        return try CLIContext.result(of: response)
    }
}
