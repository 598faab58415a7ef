import EventCore
import FoundationEssentials
import Glibc
import StaffAPI
import TerminalText
import Vocabulary

/// What every command needs besides its own options: the daemon's API socket (every command that reads or changes
/// events: the CLI never opens the database), for whom one acts, how to print.
struct CLIContext: Sendable {
    /// lookoutd's API socket, through which every read and action goes (`--socket`, `LOOKOUT_SOCKET`).
    var socketPath: String
    /// Whom the caller acts for (`--as`): recorded beside the caller, whom lookoutd knows from the kernel.
    var onBehalfOf: String?
    /// Colours or not.
    var style: TerminalStyle
    /// Terminal width for tables, nil when unknown (not a terminal and no `COLUMNS`).
    var width: Int?
    /// The environment (for `LOOKOUT_RULES` and such).
    var environment: [String: String]
    /// The broker door (`lookout login`), used when set and no `--socket` or `LOOKOUT_SOCKET` names the local one.
    var remote: RemoteSettings?

    /// Reads the global options and the environment.
    init(arguments: ParsedArguments, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.environment = environment
        let localSocket = arguments.value("socket") ?? environment["LOOKOUT_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = localSocket ?? LocalAPIClient.defaultSocketPath
        if localSocket == nil, let path = RemoteSettings.path(environment: environment) {
            do {
                remote = try RemoteSettings.load(path: path)
            } catch {
                throw CLIError.failure(error.description)
            }
        }
        if let name = arguments.value("as") {
            guard !name.isEmpty, TextSanitizer.isSafe(name), name.count <= 64 else {
                throw CLIError.usage(tr("--as needs a name of at most 64 printable characters"))
            }
            onBehalfOf = name
        }
        style = TerminalStyle.detect(disabledByFlag: arguments.flag("no-color"), environment: environment)
        width = TerminalSize.columns(environment: environment)
        // A local time typed before lookoutd answered (`--since today`) is read in the community's zone: ask first.
        let context = self
        SiteZone.shared.install { (try? context.request(.site, [:]))?.siteTimeZone }
    }

    /// The current time in milliseconds.
    var now: EpochMillis { WallClock.now() }

    /// How long (milliseconds) a request may take to reach the daemon before lookoutd no longer runs it.
    static let requestLifetimeMillis: EpochMillis = 60_000

    /// Asks lookoutd to run `operation`: the one way the CLI reads or changes anything.
    /// The daemon decides who is asking (the kernel tells it) and whether they may; its refusal, or the daemon's
    /// absence, is the command's failure.
    /// `waitSeconds`: how long the daemon may take on top of the usual (a test notification waits for the notifier).
    func request(_ operation: APIOperation, _ arguments: [String: String], waitSeconds: Int = 0) throws -> APIResult {
        let response: APIResponse
        do {
            response = try send(apiRequest(operation, arguments), waitSeconds: waitSeconds)
        } catch {
            throw failure(error, reading: operation.isRead)
        }
        return try Self.result(of: response)
    }

    /// A request for `operation`, on whose behalf as `--as` says.
    func apiRequest(_ operation: APIOperation, _ arguments: [String: String]) -> APIRequest {
        APIRequest(id: UUID().uuidString, expiresAt: now + Self.requestLifetimeMillis, operation: operation,
                   arguments: arguments, onBehalfOf: onBehalfOf)
    }

    /// Sends one request through the door in use: the broker after `lookout login`, else the local socket.
    /// Every answer names the community's time zone, which times are then shown in (`SiteZone`).
    func send(_ request: APIRequest, waitSeconds: Int = 0) throws(LocalAPIClient.Failure) -> APIResponse {
        let response: APIResponse
        if let remote {
            response = try RemoteAPIClient(settings: remote, timeoutSeconds: 30 + waitSeconds).send(request)
        } else {
            response = try client(waitSeconds: waitSeconds).send(request)
        }
        SiteZone.shared.adopt(response.result?.siteTimeZone)
        return response
    }

    /// Where lookoutd is asked: the socket path, or `broker HOST:PORT as USER`.
    var endpoint: String { remote.map { RemoteAPIClient(settings: $0, timeoutSeconds: 30).described } ?? socketPath }

    /// The client of lookoutd's socket; `waitSeconds` on top of the usual wait.
    func client(waitSeconds: Int = 0) -> LocalAPIClient {
        LocalAPIClient(socketPath: socketPath, timeoutSeconds: 30 + waitSeconds)
    }

    /// The command's failure when lookoutd could not be asked.
    func failure(_ error: LocalAPIClient.Failure, reading: Bool) -> CLIError {
        switch error {
        case .notRunning(let path):
            return CLIError.failure(reading
                ? tr("lookoutd is not running (no API socket at %1$s): reading events, devices and figures needs the daemon ('lookout status' says it is down)", path)
                : tr("lookoutd is not running (no API socket at %1$s): acting on events needs the daemon", path))
        case .transport(let detail):
            return CLIError.failure(tr("cannot reach lookoutd at %1$s: %2$s", endpoint, detail))
        }
    }

    /// The result of a response, or its refusal as the command's failure.
    static func result(of response: APIResponse) throws -> APIResult {
        if let result = response.result, response.ok { return result }
        throw CLIError.failure(response.error.map(APIErrorText.message) ?? tr("lookoutd refused the request without a reason"))
    }

    /// `by alice` or `by alice on behalf of bob`: who the daemon recorded.
    static func byline(_ result: APIResult) -> String {
        let actor = TextSanitizer.sanitize(result.actor)
        guard let onBehalfOf = result.onBehalfOf else { return tr("by %1$s", actor) }
        return tr("by %1$s on behalf of %2$s", actor, TextSanitizer.sanitize(onBehalfOf))
    }
}
