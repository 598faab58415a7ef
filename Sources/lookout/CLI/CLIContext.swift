import EventCore
import Foundation
import TerminalText
import Vocabulary

/// What every command needs besides its own options: the database, who acts, how to print.
struct CLIContext: Sendable {
    /// Default database path.
    static let defaultDatabasePath = "/var/lib/lookout/events.db"

    /// Database file.
    var databasePath: String
    /// Name recorded in timelines for actions.
    var actor: String
    /// Colours or not.
    var style: TerminalStyle
    /// Terminal width for tables, nil when unknown (not a terminal and no `COLUMNS`).
    var width: Int?
    /// The environment (for `LOOKOUT_RULES` and such).
    var environment: [String: String]

    /// Reads the global options and the environment.
    init(arguments: ParsedArguments, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.environment = environment
        databasePath = arguments.value("db") ?? environment["LOOKOUT_DB"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultDatabasePath
        let actorName = arguments.value("as") ?? environment["LOOKOUT_ACTOR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? UserIdentity.loginName(environment: environment)
        guard !actorName.isEmpty, TextSanitizer.isSafe(actorName), actorName.count <= 64 else {
            throw CLIError.usage("--as needs a name of at most 64 printable characters")
        }
        actor = actorName
        style = TerminalStyle.detect(disabledByFlag: arguments.flag("no-color"), environment: environment)
        width = TerminalSize.columns(environment: environment)
    }

    /// The current time in milliseconds.
    var now: Millis { Millis((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Opens the event store (read-only unless `writing`), after checking the file is there and
    /// accessible so problems are reported with who, what and how to fix it.
    func openStore(writing: Bool) throws -> EventStore {
        try DatabaseAccess.check(path: databasePath, writing: writing)
        do {
            return try EventStore(path: databasePath, readOnly: !writing)
        } catch let error as EventStoreError {
            // The access check above passed, so only a refusal about access itself gets the group hint
            // (not, say, a file that is not a Lookout database).
            if case .permissionDenied(_, let detail) = error, DatabaseAccess.isAccessProblem(detail) {
                throw CLIError.failure("\(error.description); \(DatabaseAccess.groupHint)")
            }
            throw CLIError.failure(error.description)
        }
    }
}
