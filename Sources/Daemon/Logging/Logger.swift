import Foundation
import Synchronization
import Vocabulary

/// Log levels, most severe first; each maps to a syslog/journald priority.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    /// Something failed; the daemon may not be doing its job.
    case error = 3
    /// Something is wrong but handled.
    case warning = 4
    /// One line per important state change.
    case info = 6
    /// Details for diagnosis.
    case debug = 7

    /// Parses `error`, `warning` (or `warn`), `info`, `debug`.
    public init?(name: String) {
        switch name.lowercased() {
        case "error", "err": self = .error
        case "warning", "warn": self = .warning
        case "info": self = .info
        case "debug": self = .debug
        default: return nil
        }
    }

    /// Lower-case name.
    public var name: String {
        switch self {
        case .error: return "error"
        case .warning: return "warning"
        case .info: return "info"
        case .debug: return "debug"
        }
    }

    /// More severe levels compare smaller (error < debug), like syslog priorities.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The daemon's logger: one line per call on stderr, thread-safe.
///
/// Under systemd (`JOURNAL_STREAM` or `INVOCATION_ID` set) lines carry `<3>`…`<7>` priority prefixes for
/// journald; otherwise they start with an ISO-8601 UTC timestamp and the level name. Repeated warnings with
/// the same `key` within `suppressionWindow` seconds are dropped and counted; the next one that gets through
/// says "(N similar suppressed)". Everything is sanitised: control characters never reach the log.
public final class Logger: Sendable {
    /// Where lines go and how they look.
    public struct Output: Sendable {
        /// Whether to prefix journald priorities instead of timestamps.
        public var journald: Bool
        /// Writes one finished line (with newline).
        public var write: @Sendable (String) -> Void
        /// Creates an output.
        public init(journald: Bool, write: @escaping @Sendable (String) -> Void) {
            self.journald = journald
            self.write = write
        }
        /// stderr, journald style when the environment says systemd started us.
        public static func standardError(environment: [String: String] = ProcessInfo.processInfo.environment) -> Output {
            let journald = environment["JOURNAL_STREAM"] != nil || environment["INVOCATION_ID"] != nil
            return Output(journald: journald) { line in FileHandle.standardError.write(Data(line.utf8)) }
        }
    }

    private struct State {
        var threshold: LogLevel
        var suppressed: [String: (windowStart: Double, count: Int)] = [:]
    }

    private let output: Output
    private let state: Mutex<State>
    /// Seconds during which repeated keyed messages are suppressed after one is written.
    public let suppressionWindow: Double

    /// Creates a logger.
    public init(level: LogLevel = .info, output: Output = .standardError(), suppressionWindow: Double = 60) {
        self.output = output
        self.state = Mutex(State(threshold: level))
        self.suppressionWindow = suppressionWindow
    }

    /// Changes the threshold (after a configuration is read).
    public func setLevel(_ level: LogLevel) { state.withLock { $0.threshold = level } }

    /// Whether `level` would be written.
    public func isEnabled(_ level: LogLevel) -> Bool { state.withLock { level <= $0.threshold } }

    /// Writes `message` at `level`. With a `key`, repeats within the suppression window are counted instead.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, key: String? = nil) {
        let now = Date().timeIntervalSince1970
        let decision: (write: Bool, suppressedBefore: Int) = state.withLock { state in
            guard level <= state.threshold else { return (false, 0) }
            guard let key else { return (true, 0) }
            if var entry = state.suppressed[key], now - entry.windowStart < suppressionWindow {
                entry.count += 1
                state.suppressed[key] = entry
                return (false, 0)
            }
            let before = state.suppressed[key]?.count ?? 0
            state.suppressed[key] = (now, 0)
            if state.suppressed.count > 1_000 {
                state.suppressed = state.suppressed.filter { now - $0.value.windowStart < suppressionWindow }
            }
            return (true, before)
        }
        guard decision.write else { return }
        var text = TextSanitizer.sanitize(message())
        if decision.suppressedBefore > 0 { text += " (\(decision.suppressedBefore) similar suppressed)" }
        if output.journald {
            output.write("<\(level.rawValue)>\(text)\n")
        } else {
            output.write("\(Logger.timestamp(now)) \(level.name): \(text)\n")
        }
    }

    /// Error.
    public func error(_ message: @autoclosure () -> String, key: String? = nil) { log(.error, message(), key: key) }
    /// Warning.
    public func warning(_ message: @autoclosure () -> String, key: String? = nil) { log(.warning, message(), key: key) }
    /// Info.
    public func info(_ message: @autoclosure () -> String, key: String? = nil) { log(.info, message(), key: key) }
    /// Debug.
    public func debug(_ message: @autoclosure () -> String, key: String? = nil) { log(.debug, message(), key: key) }

    /// `2026-11-23T11:30:00.123Z`.
    static func timestamp(_ seconds: Double) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
