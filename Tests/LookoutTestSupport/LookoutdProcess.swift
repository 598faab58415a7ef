import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `lookoutd` binary run as a child process with a generated configuration: a test broker (or a port where
/// none listens), a database in its own temporary directory (or `dataDirectory`), a rule directory, a registry,
/// the staff API socket and staff directory in the test directory. It can be started, killed with SIGKILL and
/// started again on the same files, any number of times. Shared by the reliability tests and the CLI tests.
public final class LookoutdProcess {
    /// Where the rules come from.
    public enum Rules: Sendable {
        /// The shipped `config/rules.d`.
        case shipped
        /// Test rule files: name → text.
        case files([String: String])
    }

    public let directory: TemporaryDirectory
    /// The test broker, when started with one: held so that it lives as long as the daemon that uses it (tests
    /// may drop their own reference).
    public private(set) var broker: MosquittoBroker?
    public let notify: NotifyListener
    public let configPath: String
    public let databasePath: String
    public let metricsPath: String
    public let stderrPath: String
    /// The staff API socket (`[api] socket`).
    public let socketPath: String
    /// The staff directory (`[api] staff`).
    public let staffPath: String
    /// Whether the shipped `config/rules.d` is used.
    public let rulesAreShipped: Bool
    public private(set) var process: Process?

    /// The login name of the user running the tests (what lookoutd's `SO_PEERCRED` lookup finds for the CLI).
    public static var runnerLogin: String {
        if let entry = getpwuid(getuid()), let name = String(validatingCString: entry.pointee.pw_name) { return name }
        return "uid \(getuid())"
    }

    /// A staff directory that makes the test runner an admin: what tests that act through the CLI use by default.
    public static var runnerIsAdmin: String {
        "[user \(runnerLogin)]\nname = Test Runner\nrole = admin\nteams = fire, police, medical, property\n"
    }

    /// With the test broker `broker`; see `init(brokerPort:…)`.
    public convenience init(broker: MosquittoBroker, rules: Rules, registry: String? = nil, dataDirectory: String? = nil,
                            staff: String? = LookoutdProcess.runnerIsAdmin, settings: [String: [String: String]] = [:]) throws {
        try self.init(brokerPort: broker.port, rules: rules, registry: registry, dataDirectory: dataDirectory,
                      staff: staff, settings: settings)
        self.broker = broker
    }

    /// Writes the configuration. `brokerPort`: the broker's port on 127.0.0.1 (one where nothing listens runs the
    /// daemon without a broker). `staff`: the staff directory's text (nil writes none). `settings` adds or overrides
    /// `[section] key = value` lines of the generated configuration; `dataDirectory` holds the database (default:
    /// the test directory).
    public init(brokerPort: Int, rules: Rules, registry: String? = nil, dataDirectory: String? = nil,
                staff: String? = LookoutdProcess.runnerIsAdmin, settings: [String: [String: String]] = [:]) throws {
        directory = try TemporaryDirectory(prefix: "lookoutd-rel")
        notify = try NotifyListener(path: directory.file("notify.sock"))
        configPath = directory.file("lookoutd.conf")
        databasePath = ((dataDirectory ?? directory.path) as NSString).appendingPathComponent("events.db")
        metricsPath = directory.file("lookout.prom")
        stderrPath = directory.file("lookoutd.stderr")
        socketPath = directory.file("api.sock")
        staffPath = directory.file("staff.conf")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        if let staff { try staff.write(toFile: staffPath, atomically: true, encoding: .utf8) }

        let rulesPath: String
        switch rules {
        case .shipped:
            rulesPath = Self.repositoryFile("config/rules.d")
            rulesAreShipped = true
        case .files(let files):
            rulesAreShipped = false
            rulesPath = directory.file("rules.d")
            try FileManager.default.createDirectory(atPath: rulesPath, withIntermediateDirectories: true)
            for (name, text) in files {
                try text.write(toFile: (rulesPath as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        var registryPath = "none"
        if let registry {
            registryPath = directory.file("devices.csv")
            try registry.write(toFile: registryPath, atomically: true, encoding: .utf8)
        }
        var sections: [String: [String: String]] = [
            "broker": ["host": "127.0.0.1", "port": String(brokerPort), "client_id": "lookoutd-rel",
                       "reconnect_min": "200ms", "reconnect_max": "1s"],
            "storage": ["database": databasePath],
            "rules": ["directory": rulesPath],
            "registry": ["devices": registryPath],
            "status": ["interval": "500ms", "metrics_file": metricsPath],
            "handoff": ["enabled": "false"],
            "log": ["level": "info"],
            "api": ["socket": socketPath, "staff": staffPath],
        ]
        for (section, values) in settings {
            sections[section, default: [:]].merge(values) { $1 }
        }
        let text = sections.keys.sorted().map { section in
            (["[\(section)]"] + sections[section, default: [:]].sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" })
                .joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A file of this repository (`config/rules.d`, …), found from this source file's location.
    public static func repositoryFile(_ relative: String) -> String {
        let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return testsDirectory.deletingLastPathComponent().appendingPathComponent(relative).path
    }

    // MARK: Process

    /// Starts `lookoutd` and waits for a new `READY=1` on the notify socket.
    public func start(environment: [String: String] = [:]) throws {
        let before = notify.messages.count
        try launch(environment: environment)
        _ = try waitFor("READY=1 from lookoutd", log: log) {
            if notify.waitFor("READY=1", from: before, timeout: 0.05) != nil { return true }
            guard isRunning else { throw ReliabilityError("lookoutd exited with status \(process?.terminationStatus ?? -1)") }
            return nil
        }
    }

    /// Starts `lookoutd` without a broker (none listens on its port) and waits until its staff API socket accepts
    /// connections: READY=1 waits for the broker, the API does not.
    public func startServing(environment: [String: String] = [:]) throws {
        try launch(environment: environment)
        _ = try waitFor("lookoutd to serve its API socket", log: log) {
            guard isRunning else { throw ReliabilityError("lookoutd exited with status \(process?.terminationStatus ?? -1)") }
            return Self.accepts(socketPath) ? true : nil
        }
    }

    /// Whether a Unix stream socket at `path` accepts a connection.
    public static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    /// `lookout ARGS` against this daemon (its socket: the CLI reads and acts only through it); colours off.
    /// `asUser`: run it as that uid (and gid) with `setpriv`, to be someone else than the test runner.
    public func lookout(_ arguments: [String], environment: [String: String] = [:], asUser uid: Int? = nil) throws -> ChildProcess.Result {
        var env = ["COLUMNS": "250", "LOOKOUT_SOCKET": socketPath]
        for (key, value) in environment { env[key] = value }
        return try Self.runCLI(arguments, environment: env, asUser: uid)
    }

    /// The built `lookout` with `arguments`, colours off unless `environment` says otherwise, in English unless it
    /// says otherwise (`TestLocale.chinese()`), whatever the language of the shell running the tests; as `uid` (and
    /// gid, no supplementary groups) with `setpriv` when given.
    public static func runCLI(_ arguments: [String], environment: [String: String], asUser uid: Int? = nil) throws -> ChildProcess.Result {
        // The terminal in the community's zone (lookoutd's default `[site] time_zone`), as on a property office's PC:
        // times unmarked; SiteTimeZoneTests set other zones.
        var env = ["NO_COLOR": "", "CLICOLOR_FORCE": "", "LC_ALL": "C.UTF-8", "LANGUAGE": "", "TZ": "Asia/Shanghai"]
        for (key, value) in environment { env[key] = value }
        guard let uid else { return try ChildProcess.run(ChildProcess.product("lookout"), arguments, environment: env) }
        return try ChildProcess.run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups",
                                                         ChildProcess.product("lookout")] + arguments, environment: env)
    }

    /// Starts `lookoutd` without waiting. Its stderr is appended to `stderrPath` (one log over all runs).
    /// `blockedSignals`: signals blocked in the mask the child inherits (the daemon must not depend on its
    /// parent's mask); by default it starts with none blocked, as under systemd.
    public func launch(environment: [String: String] = [:], blockedSignals: [Int32] = []) throws {
        guard !isRunning else { throw ReliabilityError("lookoutd is already running") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ChildProcess.product("lookoutd"))
        process.arguments = ["--config", configPath]
        var merged = ProcessInfo.processInfo.environment
        for key in ["JOURNAL_STREAM", "INVOCATION_ID", "WATCHDOG_USEC", "WATCHDOG_PID", "CREDENTIALS_DIRECTORY"] {
            merged.removeValue(forKey: key)
        }
        merged["NOTIFY_SOCKET"] = notify.address
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = FileHandle(forWritingAtPath: stderrPath)
        output?.seekToEndOfFile()
        process.standardError = output
        process.standardOutput = FileHandle.nullDevice
        try MosquittoBroker.withSignalsUnblocked {
            guard !blockedSignals.isEmpty else { return try process.run() }
            var blocked = sigset_t()
            sigemptyset(&blocked)
            for signal in blockedSignals { sigaddset(&blocked, signal) }
            pthread_sigmask(SIG_BLOCK, &blocked, nil)
            defer { pthread_sigmask(SIG_UNBLOCK, &blocked, nil) }
            try process.run()
        }
        try? output?.close()
        self.process = process
    }

    /// Whether the process is running.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Its process id while running.
    public var pid: Int32? { isRunning ? process?.processIdentifier : nil }

    /// Sends `signal`.
    public func send(_ signal: Int32) {
        if let pid { kill(pid, signal) }
    }

    /// `kill -9` and wait until it is gone.
    public func killHard() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM; returns the exit status, or nil if it is still running after `timeout` seconds.
    @discardableResult
    public func stop(timeout: Double = 60) -> Int32? {
        send(SIGTERM)
        return waitForExit(timeout: timeout)
    }

    /// Waits for the process to exit; its status, or nil if still running after `timeout` seconds.
    public func waitForExit(timeout: Double = 60) -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Everything the daemon wrote to stderr over all its runs.
    public var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Log lines containing `text`.
    public func logLines(containing text: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// A field of `/proc/PID/status` in kB (`VmRSS`, `VmHWM`), while the process runs.
    public func memoryKilobytes(_ field: String) -> Int? {
        guard let pid, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first
    }

    /// A value from the metrics file: `name` may include labels, e.g. `lookout_messages_rejected_total{reason="empty_payload"}`.
    public func metric(_ name: String) -> Double? {
        guard let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// `PRAGMA integrity_check` by the sqlite3 command-line tool (a second, independent reader).
    public func integrityCheck() throws -> String {
        let result = try ChildProcess.run("/usr/bin/sqlite3", [databasePath, "PRAGMA integrity_check;"])
        return (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Polls `probe` until it returns a value; throws after `timeout` seconds. The timeout only bounds a
/// failing test; it is never what a test measures. Other errors of `probe` (a database not created yet)
/// keep it polling; a `ReliabilityError` ends the wait at once.
public func waitFor<T>(_ what: String, timeout: Double = 90, log: @autoclosure () -> String = "", _ probe: () throws -> T?) throws -> T {
    let deadline = Date().addingTimeInterval(timeout)
    var lastError: (any Error)?
    repeat {
        do {
            if let value = try probe() { return value }
        } catch let error as ReliabilityError {
            throw error
        } catch {
            lastError = error
        }
        usleep(50_000)
    } while Date() < deadline
    let detail = lastError.map { " (last error: \($0))" } ?? ""
    let logText = log()
    throw ReliabilityError("timed out waiting for \(what)\(detail)" + (logText.isEmpty ? "" : "; lookoutd log:\n\(logText.suffix(4000))"))
}

/// A failure with a readable message.
public struct ReliabilityError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
