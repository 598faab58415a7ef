import EventCore
import Foundation
import LookoutTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `lookoutd` binary run as a child process with a generated configuration: a test broker, a
/// database in its own temporary directory (or `dataDirectory`), a rule directory and a registry. It can be
/// started, killed with SIGKILL and started again on the same files, any number of times.
final class LookoutdProcess {
    /// Where the rules come from.
    enum Rules {
        /// The shipped `config/rules.d`.
        case shipped
        /// Test rule files: name → text.
        case files([String: String])
    }

    let directory: TemporaryDirectory
    let broker: MosquittoBroker
    let notify: NotifyListener
    let configPath: String
    let databasePath: String
    let metricsPath: String
    let stderrPath: String
    /// The rule whose events `alarmTally()` counts: the shipped `door_forced`, or the test rule `test_alarm`.
    let alarmRule: String
    private(set) var process: Process?

    /// Writes the configuration. `settings` adds or overrides `[section] key = value` lines of the generated
    /// configuration; `dataDirectory` holds the database (default: the test directory).
    init(broker: MosquittoBroker, rules: Rules, registry: String? = nil, dataDirectory: String? = nil,
         settings: [String: [String: String]] = [:]) throws {
        self.broker = broker
        directory = try TemporaryDirectory(prefix: "lookoutd-rel")
        notify = try NotifyListener(path: directory.file("notify.sock"))
        configPath = directory.file("lookoutd.conf")
        databasePath = ((dataDirectory ?? directory.path) as NSString).appendingPathComponent("events.db")
        metricsPath = directory.file("lookout.prom")
        stderrPath = directory.file("lookoutd.stderr")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)

        let rulesPath: String
        switch rules {
        case .shipped:
            rulesPath = Self.repositoryFile("config/rules.d")
            alarmRule = Alarm.shippedRule
        case .files(let files):
            alarmRule = Alarm.rule
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
            "broker": ["host": "127.0.0.1", "port": String(broker.port), "client_id": "lookoutd-rel",
                       "reconnect_min": "200ms", "reconnect_max": "1s"],
            "storage": ["database": databasePath],
            "rules": ["directory": rulesPath],
            "registry": ["devices": registryPath],
            "status": ["interval": "500ms", "metrics_file": metricsPath],
            "handoff": ["enabled": "false"],
            "log": ["level": "info"],
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
    static func repositoryFile(_ relative: String) -> String {
        let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return testsDirectory.deletingLastPathComponent().appendingPathComponent(relative).path
    }

    // MARK: Process

    /// Starts `lookoutd` and waits for a new `READY=1` on the notify socket.
    func start(environment: [String: String] = [:]) throws {
        let before = notify.messages.count
        try launch(environment: environment)
        _ = try waitFor("READY=1 from lookoutd", log: log) {
            if notify.waitFor("READY=1", from: before, timeout: 0.05) != nil { return true }
            guard isRunning else { throw ReliabilityError("lookoutd exited with status \(process?.terminationStatus ?? -1)") }
            return nil
        }
    }

    /// Starts `lookoutd` without waiting. Its stderr is appended to `stderrPath` (one log over all runs).
    /// `blockedSignals`: signals blocked in the mask the child inherits (the daemon must not depend on its
    /// parent's mask); by default it starts with none blocked, as under systemd.
    func launch(environment: [String: String] = [:], blockedSignals: [Int32] = []) throws {
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
    var isRunning: Bool { process?.isRunning ?? false }

    /// Its process id while running.
    var pid: Int32? { isRunning ? process?.processIdentifier : nil }

    /// Sends `signal`.
    func send(_ signal: Int32) {
        if let pid { kill(pid, signal) }
    }

    /// `kill -9` and wait until it is gone.
    func killHard() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM; returns the exit status, or nil if it is still running after `timeout` seconds.
    @discardableResult
    func stop(timeout: Double = 60) -> Int32? {
        send(SIGTERM)
        return waitForExit(timeout: timeout)
    }

    /// Waits for the process to exit; its status, or nil if still running after `timeout` seconds.
    func waitForExit(timeout: Double = 60) -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Everything the daemon wrote to stderr over all its runs.
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Log lines containing `text`.
    func logLines(containing text: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// A field of `/proc/PID/status` in kB (`VmRSS`, `VmHWM`), while the process runs.
    func memoryKilobytes(_ field: String) -> Int? {
        guard let pid, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first
    }

    // MARK: Database and status

    /// The database, opened read-only as staff's CLI would.
    func store() throws -> EventStore { try EventStore(path: databasePath, readOnly: true) }

    /// Every event (all statuses).
    func events() throws -> [EventRecord] {
        var filter = EventFilter()
        filter.includeAll = true
        filter.limit = Int(Int32.max)
        return try store().events(filter)
    }

    /// The daemon's status row (`lookout status`).
    func statusRow() throws -> [String: String] { try store().daemonStatus().values }

    /// A value from the metrics file: `name` may include labels, e.g. `lookout_messages_rejected_total{reason="empty_payload"}`.
    func metric(_ name: String) -> Double? {
        guard let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// `PRAGMA integrity_check` by the sqlite3 command-line tool (a second, independent reader).
    func integrityCheck() throws -> String {
        let result = try ChildProcess.run("/usr/bin/sqlite3", [databasePath, "PRAGMA integrity_check;"])
        return (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Polls `probe` until it returns a value; throws after `timeout` seconds. The timeout only bounds a
/// failing test; it is never what a test measures. Other errors of `probe` (a database not created yet)
/// keep it polling; a `ReliabilityError` ends the wait at once.
func waitFor<T>(_ what: String, timeout: Double = 90, log: @autoclosure () -> String = "", _ probe: () throws -> T?) throws -> T {
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
struct ReliabilityError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
