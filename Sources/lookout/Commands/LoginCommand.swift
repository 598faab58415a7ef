import FoundationEssentials
import Glibc
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout login`: for staff on other machines, stores the broker account through which `lookout` reaches lookoutd
/// (mode 0600: it holds the password), after checking that the broker takes it. From then on every command goes
/// through the broker as that user; `--socket` or `LOOKOUT_SOCKET` still picks the local door.
struct LoginCommand: Command {
    static let name = "login"
    static let help = CommandHelp(
        summary: tr("store your broker account for using lookout from another machine (the staff API over the broker)"),
        usage: "--host HOST --user USER [--port N] [--tls-ca FILE] [--password-file FILE]",
        options: [
            .value("host", "HOST", help: tr("the deployment's MQTT broker")),
            .value("port", "N", help: tr("its port (default 8883 with --tls-ca, else 1883)")),
            .value("user", "USER", help: tr("your broker user (the name in the staff directory)")),
            .value("tls-ca", "FILE", help: tr("CA certificate (PEM) that signed the broker's certificate")),
            .value("password-file", "FILE", help: tr("read the password from FILE's first line instead of asking")),
        ],
        discussion: [
            tr("The account is written to ~/.config/lookout/remote.conf ($LOOKOUT_REMOTE_CONFIG), mode 0600. lookoutd takes the broker user as the one who acts; --as only records on whose behalf. 'lookout watch' needs the local socket."),
        ],
        examples: ["lookout login --host broker.example.org --tls-ca /etc/lookout/ca.pem --user alice"])

    let settings: RemoteSettings
    let path: String

    init(arguments: ParsedArguments) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let host = arguments.value("host"), !host.isEmpty else { throw CLIError.usage(tr("login: --host is required")) }
        guard let user = arguments.value("user"), !user.isEmpty, TextSanitizer.isSafe(user), !user.contains("/"),
              !user.contains("+"), !user.contains("#") else {
            throw CLIError.usage(tr("login: --user needs your broker user name (no '/', '+' or '#')"))
        }
        let caFile = arguments.value("tls-ca")
        let port = try arguments.integer("port") ?? (caFile == nil ? 1883 : 8883)
        guard (1...65_535).contains(port) else { throw CLIError.usage(tr("login: --port must be 1 to 65535")) }
        guard let path = RemoteSettings.path(environment: environment) else {
            throw CLIError.failure(tr("login: no home directory to keep the account in (set HOME or LOOKOUT_REMOTE_CONFIG)"))
        }
        self.path = path
        let password = try Self.password(file: arguments.value("password-file"), user: user)
        settings = RemoteSettings(host: host, port: port, username: user, password: password, caFile: caFile)
    }

    func run() throws {
        do {
            try RemoteAPIClient(settings: settings, timeoutSeconds: 15).checkLogin()
        } catch {
            if case .transport(let detail) = error {
                throw CLIError.failure(tr("login: the broker %1$s:%2$d did not take %3$s: %4$s; nothing saved", settings.host, settings.port, TextSanitizer.sanitize(settings.username), TextSanitizer.sanitize(detail)))
            }
            throw CLIError.failure(tr("login: %1$s; nothing saved", "\(error)"))
        }
        do {
            try settings.write(to: path)
        } catch {
            throw CLIError.failure(tr("login: %1$s", error.description))
        }
        Console.out(tr("logged in to %1$s:%2$d as %3$s (saved in %4$s, mode 0600)", settings.host, settings.port, TextSanitizer.sanitize(settings.username), path) + "\n")
    }

    /// The password: FILE's first line, else asked on the terminal without echo (or read as one line from stdin).
    static func password(file: String?, user: String) throws -> String {
        if let file {
            guard let data = FileManager.default.contents(atPath: file),
                  let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first, !line.isEmpty else {
                throw CLIError.failure(tr("login: cannot read a password from %1$s", file))
            }
            return String(line)
        }
        let terminal = isatty(0) == 1
        var saved = termios()
        if terminal {
            Console.err(tr("broker password for %1$s: ", TextSanitizer.sanitize(user)))
            tcgetattr(0, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &quiet)
        }
        defer {
            if terminal {
                tcsetattr(0, TCSANOW, &saved)
                Console.err("\n")
            }
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CLIError.failure(tr("login: no password given"))
        }
        return line
    }
}
