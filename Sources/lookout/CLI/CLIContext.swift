import EventCore
import FoundationEssentials
import Glibc
import StaffAPI
import TerminalText
import Vocabulary

/// What every command needs besides its own options: the database (read commands), the daemon's API socket
/// (acting commands), for whom one acts, how to print.
struct CLIContext: Sendable {
    /// Default database path.
    static let defaultDatabasePath = "/var/lib/lookout/events.db"

    /// Database file.
    var databasePath: String
    /// lookoutd's API socket, through which every action goes (`--socket`, `LOOKOUT_SOCKET`).
    var socketPath: String
    /// Whom the caller acts for (`--as`): recorded beside the caller, whom lookoutd knows from the kernel.
    var onBehalfOf: String?
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
        socketPath = arguments.value("socket") ?? environment["LOOKOUT_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
            ?? LocalAPIClient.defaultSocketPath
        if let name = arguments.value("as") {
            guard !name.isEmpty, TextSanitizer.isSafe(name), name.count <= 64 else {
                throw CLIError.usage("--as needs a name of at most 64 printable characters")
            }
            onBehalfOf = name
        }
        style = TerminalStyle.detect(disabledByFlag: arguments.flag("no-color"), environment: environment)
        width = TerminalSize.columns(environment: environment)
    }

    /// The current time in milliseconds.
    var now: EpochMillis { WallClock.now() }

    /// How long (milliseconds) a request may take to reach the daemon before lookoutd no longer runs it.
    static let requestLifetimeMillis: EpochMillis = 60_000

    /// Asks lookoutd to run `operation`: the one way the CLI changes anything, and how it lists and shows events.
    /// The daemon decides who is asking (the kernel tells it) and whether they may; its refusal, or the daemon's
    /// absence, is the command's failure.
    /// `waitSeconds`: how long the daemon may take on top of the usual (a test notification waits for the notifier).
    func request(_ operation: APIOperation, _ arguments: [String: String], waitSeconds: Int = 0) throws -> APIResult {
        let request = APIRequest(id: UUID().uuidString, expiresAt: now + Self.requestLifetimeMillis, operation: operation,
                                 arguments: arguments, onBehalfOf: onBehalfOf)
        let response: APIResponse
        do {
            response = try LocalAPIClient(socketPath: socketPath, timeoutSeconds: 30 + waitSeconds).send(request)
        } catch {
            switch error {
            case .notRunning(let path):
                throw CLIError.failure("lookoutd is not running (no API socket at \(path)): "
                                       + (operation.isRead ? "listing and showing events needs the daemon ('lookout status' says why it is down)"
                                                           : "acting on events needs the daemon"))
            case .transport(let detail):
                throw CLIError.failure("cannot reach lookoutd at \(socketPath): \(detail)")
            }
        }
        if let result = response.result, response.ok { return result }
        throw CLIError.failure(response.error?.message ?? "lookoutd refused the request without a reason")
    }

    /// `by alice` or `by alice on behalf of bob`: who the daemon recorded.
    static func byline(_ result: APIResult) -> String {
        "by \(TextSanitizer.sanitize(result.actor))" + (result.onBehalfOf.map { " on behalf of \(TextSanitizer.sanitize($0))" } ?? "")
    }

    /// Opens the event store read-only (the listings that still read the file; every change goes through lookoutd),
    /// after checking the file is there and readable so problems are reported with who, what and how to fix it.
    func openStore() throws -> EventStore {
        try DatabaseAccess.check(path: databasePath)
        do {
            return try EventStore(path: databasePath, readOnly: true)
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
