import Foundation

/// A private mosquitto broker on a free loopback port, for tests. Stopped when deinitialised.
///
/// Uses the Debian `mosquitto` binary (`/usr/sbin/mosquitto`). Persistence is kept in the broker's own
/// temporary directory, so `restart()` keeps queued messages of persistent sessions like a real broker.
public final class MosquittoBroker: @unchecked Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// Its working directory (config, persistence file, log).
    public let directory: TemporaryDirectory
    /// Extra configuration lines appended to the generated config.
    public let extraConfig: [String]
    private var process: Process?

    /// Path to the mosquitto binary.
    public static var binaryPath: String {
        ProcessInfo.processInfo.environment["LOOKOUT_MOSQUITTO"] ?? "/usr/sbin/mosquitto"
    }

    /// Starts a broker. `extraConfig` lines go into its config file (listener options, password_file, …);
    /// when `listenerConfig` is given it replaces the default plain anonymous listener.
    public init(extraConfig: [String] = [], listenerConfig: ((Int) -> [String])? = nil) throws {
        self.port = try FreePort.find()
        self.directory = try TemporaryDirectory(prefix: "mosquitto")
        let listener = listenerConfig?(port) ?? ["listener \(port) 127.0.0.1", "allow_anonymous true"]
        let config = listener + [
            "persistence true",
            "persistence_location \(directory.path)/",
            "autosave_interval 1",
            "max_queued_messages 1000000",
            "max_inflight_messages 0",
            "log_dest file \(directory.file("mosquitto.log"))",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
        ] + extraConfig
        self.extraConfig = extraConfig
        try config.joined(separator: "\n").appending("\n").write(toFile: directory.file("mosquitto.conf"), atomically: true, encoding: .utf8)
        // Run as root, mosquitto switches to its own user: it must be able to write persistence and log here.
        if getuid() == 0 { _ = chmod(directory.path, 0o777) }
        try start()
    }

    /// Starts the broker process and waits until it accepts connections (10 s at most).
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = ["-c", directory.file("mosquitto.conf")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try Self.withSignalsUnblocked { try process.run() }
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if FreePort.canConnect(port: port) { return }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw BrokerError(message: "mosquitto did not start on port \(port); log:\n\(log)")
    }

    /// Runs `body` with no signals blocked on this thread. A child inherits the spawning thread's signal
    /// mask, and test threads (libdispatch workers) block SIGTERM: a broker started from one would ignore
    /// `stop()` forever.
    public static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t(), previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Stops the broker (SIGTERM, then waits; mosquitto saves its persistence file on the way out).
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops and starts the broker on the same port.
    public func restart() throws {
        stop()
        try start()
    }

    /// Whether the broker process is running.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// The broker's log so far.
    public var log: String { (try? String(contentsOfFile: directory.file("mosquitto.log"), encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text` `count` times (at most `timeout` seconds); returns whether it did.
    /// Useful to let the broker finish with one connection before the same client id connects again: on
    /// a session takeover mosquitto drops what it has not yet read from the old connection.
    @discardableResult
    public func waitForLog(_ text: String, count: Int = 1, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while log.components(separatedBy: text).count - 1 < count {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    deinit { stop() }

    /// A broker that could not be started.
    public struct BrokerError: Error, CustomStringConvertible {
        /// What happened.
        public var message: String
        /// The message.
        public var description: String { message }
    }
}
