import EventCore
import Foundation
import LookoutTestSupport
import MQTTClient
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `lookoutd` against a private mosquitto, a temporary database and a generated configuration,
/// with a notify socket standing in for systemd.
final class DaemonHarness {
    let directory: TemporaryDirectory
    let broker: MosquittoBroker
    let notify: NotifyListener
    let configPath: String
    let databasePath: String
    let rulesDirectory: String
    let metricsPath: String
    let stderrPath: String
    private var process: Process?
    private var publisher: MQTTPublisher?

    /// A smoke rule without debounce, so each alarm message counts at once.
    static let smokeRule = """
        rule test_smoke {
          on "+/smoke/+/event"
          when event == "smoke" and state == "alarm"
          level red
          title "Smoke alarm at {device.address} ({topic.device})"
          team "community-office", "fire"
          clear when event == "smoke" and state == "normal"
        }
        """

    /// A registry with one smoke detector.
    static let registry = """
        id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact
        SD-0101,smoke,c01,1,1,"幸福里社区1号楼1单元101室",grid-01,property,86400,,,,
        """

    /// Prepares files and the broker; `rules` maps file names to rule text.
    /// With `shipped`, the package's `config/rules.d` and `config/devices.csv` are used instead.
    init(rules: [String: String] = ["smoke.rules": DaemonHarness.smokeRule], registry: String = DaemonHarness.registry,
         shipped: Bool = false) throws {
        directory = try TemporaryDirectory(prefix: "lookoutd-test")
        broker = try MosquittoBroker()
        notify = try NotifyListener(path: directory.file("notify.sock"))
        configPath = directory.file("lookoutd.conf")
        databasePath = directory.file("lookout.db")
        rulesDirectory = directory.file("rules.d")
        metricsPath = directory.file("lookout.prom")
        stderrPath = directory.file("lookoutd.stderr")
        try FileManager.default.createDirectory(atPath: rulesDirectory, withIntermediateDirectories: true)
        for (name, text) in rules { try writeRule(name, text) }
        try registry.write(toFile: directory.file("devices.csv"), atomically: true, encoding: .utf8)
        let config = """
            [broker]
            host = 127.0.0.1
            port = \(broker.port)
            client_id = lookoutd-test
            reconnect_min = 200ms
            reconnect_max = 2s
            [topics]
            # Everything, so topics outside the layout (and our own hand-off) arrive too.
            subscribe = "#"
            [storage]
            database = lookout.db
            [rules]
            directory = \(shipped ? packageDirectory + "/config/rules.d" : "rules.d")
            [registry]
            devices = \(shipped ? packageDirectory + "/config/devices.csv" : "devices.csv")
            [status]
            interval = 500ms
            metrics_file = lookout.prom
            [log]
            level = debug
            [api]
            socket = api.sock
            staff = staff.conf
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        publisher?.disconnect()
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Writes (or replaces) a rule file.
    func writeRule(_ name: String, _ text: String) throws {
        try text.write(toFile: (rulesDirectory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Starts `lookoutd` and waits for `READY=1` on the notify socket.
    func start(environment extra: [String: String] = [:]) throws {
        try launch(environment: extra)
        guard notify.waitFor("READY=1", timeout: 60) != nil else {
            throw HarnessError("lookoutd did not report READY=1; stderr:\n\(stderr)")
        }
    }

    /// Starts `lookoutd` without waiting for anything.
    func launch(environment extra: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ChildProcess.product("lookoutd"))
        process.arguments = ["--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.address
        environment.removeValue(forKey: "JOURNAL_STREAM")
        environment.removeValue(forKey: "INVOCATION_ID")
        environment.merge(extra) { $1 }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Everything `lookoutd` wrote to stderr so far.
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The metrics file's text (empty when not written yet).
    var metrics: String { (try? String(contentsOfFile: metricsPath, encoding: .utf8)) ?? "" }

    /// Publishes one QoS 1 message and waits for the broker's acknowledgement.
    func publish(_ topic: String, _ payload: String) throws {
        try publish(topic, Array(payload.utf8))
    }

    /// Publishes raw bytes.
    func publish(_ topic: String, _ payload: [UInt8]) throws {
        if publisher == nil {
            var options = MQTTOptions()
            options.port = broker.port
            options.clientID = "lookoutd-test-publisher"
            options.cleanSession = true
            let fresh = try MQTTPublisher(options: options)
            try fresh.connect(timeout: 10)
            publisher = fresh
        }
        try publisher?.publish(topic: topic, payload: payload, qos: 1)
        try publisher?.flush(timeout: 10)
    }

    /// Events in the database (`all`: every status, else open ones).
    func events(all: Bool = false) throws -> [EventRecord] {
        let store = try EventStore(path: databasePath)
        var filter = EventFilter()
        filter.includeAll = all
        return try store.events(filter)
    }

    /// Polls `probe` until it returns a value; throws after `timeout` seconds (a failure bound, not a measurement).
    func waitFor<T>(_ what: String, timeout: Double = 30, _ probe: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError: (any Error)?
        repeat {
            do {
                if let value = try probe() { return value }
            } catch {
                lastError = error
            }
            usleep(50_000)
        } while Date() < deadline
        throw HarnessError("timed out waiting for \(what)\(lastError.map { " (last error: \($0))" } ?? ""); stderr:\n\(stderr)")
    }

    /// Sends a signal to the daemon.
    func send(_ signal: Int32) {
        if let process { kill(process.processIdentifier, signal) }
    }

    /// Waits for the daemon to exit; returns its status, or nil if it is still running after `timeout`.
    func waitForExit(timeout: Double = 30) -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Whether the daemon process is running.
    var isRunning: Bool { process?.isRunning ?? false }
}

/// A harness failure with a readable message.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
