import EventCore
import FoundationEssentials
import Glibc
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
/// journald; otherwise they start with an ISO-8601 UTC timestamp and the level name. Everything is sanitised:
/// control characters never reach the log.
///
/// Flood guard: of the lines with the same `key`, the first `key.burst` within `suppressionWindow` (counted
/// from the first of them) are written; only the lines beyond that are counted instead. When the window
/// ends, `flushSuppressed()` (the daemon calls it every tick) writes one line "N similar 'KEY' lines
/// suppressed in the last M s" at the most severe level suppressed, whether or not that key logs again, so
/// a count is never left waiting for a next line. Lines without a key are never suppressed.
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
            return Output(journald: journald) { line in StandardStream.writeError(line) }
        }
    }

    /// What the flood guard counts a line under. A repeating condition (a failing write, rejects of one
    /// reason) is one fact: one line a window and the count (`burst` 1, what a string literal gives). Lines
    /// that each say something new (every raised event) get a burst, so only a real flood is counted.
    public struct Key: Sendable, Hashable, ExpressibleByStringInterpolation {
        /// The key's name, shown in the count's line.
        public var name: String
        /// Lines of this key written per window before the rest are counted instead (at least 1).
        public var burst: Int
        /// A key of `name` writing `burst` lines per window.
        public init(_ name: String, burst: Int = 1) {
            self.name = name
            self.burst = max(1, burst)
        }
        /// A key with a burst of 1.
        public init(stringLiteral value: String) { self.init(value) }
        /// A key with a burst of 1.
        public init(stringInterpolation: DefaultStringInterpolation) { self.init(String(stringInterpolation: stringInterpolation)) }
    }

    /// Lines of one key within one window.
    private struct Window {
        var start: EpochMillis
        var written: Int
        var suppressed = 0
        /// The most severe level among the suppressed lines (the level of their summary line).
        var level: LogLevel = .debug
    }

    private struct State {
        var threshold: LogLevel
        var windows: [String: Window] = [:]
        /// The earliest end of a window with suppressed lines (when `flushSuppressed()` has work).
        var nextFlush: EpochMillis = .max
    }

    /// Keyed windows kept before ended ones are swept out on a new key.
    private static let maxWindows = 1_000

    private let output: Output
    private let state: Mutex<State>
    private let clock: @Sendable () -> EpochMillis
    /// Seconds of the flood guard's window per key.
    public let suppressionWindow: Double

    /// Creates a logger. `clock` (milliseconds since the epoch) is for tests.
    public init(level: LogLevel = .info, output: Output = .standardError(), suppressionWindow: Double = 60,
                clock: @escaping @Sendable () -> EpochMillis = WallClock.now) {
        self.output = output
        self.state = Mutex(State(threshold: level))
        self.suppressionWindow = suppressionWindow
        self.clock = clock
    }

    private var windowMillis: EpochMillis { EpochMillis(suppressionWindow * 1000) }

    /// Changes the threshold (after a configuration is read).
    public func setLevel(_ level: LogLevel) { state.withLock { $0.threshold = level } }

    /// Whether `level` would be written.
    public func isEnabled(_ level: LogLevel) -> Bool { state.withLock { level <= $0.threshold } }

    /// Writes `message` at `level`. With a `key`, lines beyond the burst within the window are counted instead.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, key: Key? = nil) {
        let now = clock()
        let window = windowMillis
        let decision: (write: Bool, summaries: [(LogLevel, String)]) = state.withLock { state in
            guard level <= state.threshold else { return (false, []) }
            guard let key else { return (true, []) }
            if var current = state.windows[key.name], now - current.start < window {
                if current.written < key.burst {
                    current.written += 1
                    state.windows[key.name] = current
                    return (true, [])
                }
                current.suppressed += 1
                current.level = min(current.level, level)
                state.windows[key.name] = current
                state.nextFlush = min(state.nextFlush, current.start + window)
                return (false, [])
            }
            // A window that ended before any flush came (no tick) reports its count before the new line.
            var summaries: [(LogLevel, String)] = []
            if let ended = state.windows[key.name], ended.suppressed > 0 {
                summaries.append(Self.summary(key: key.name, ended, now: now, window: window))
            }
            state.windows[key.name] = Window(start: now, written: 1)
            if state.windows.count > Self.maxWindows { summaries += Self.sweep(&state, now: now, window: window, all: false) }
            return (true, summaries)
        }
        for (summaryLevel, text) in decision.summaries { write(summaryLevel, text, at: now) }
        guard decision.write else { return }
        write(level, message(), at: now)
    }

    /// Writes the count of every window that has ended with suppressed lines (or, with `all`, of every window:
    /// at shutdown). Cheap when there is nothing to write: the daemon calls it on every tick.
    public func flushSuppressed(all: Bool = false) {
        let now = clock()
        let window = windowMillis
        let summaries = state.withLock { state -> [(LogLevel, String)] in
            guard all || now >= state.nextFlush else { return [] }
            return Self.sweep(&state, now: now, window: window, all: all)
        }
        for (level, text) in summaries { write(level, text, at: now) }
    }

    /// Drops ended windows (all windows' counts with `all`), returning the summary lines of those that
    /// suppressed something, and recomputes `nextFlush`.
    private static func sweep(_ state: inout State, now: EpochMillis, window: EpochMillis, all: Bool) -> [(LogLevel, String)] {
        var summaries: [(LogLevel, String)] = []
        var nextFlush = EpochMillis.max
        for (key, var current) in state.windows.sorted(by: { $0.key < $1.key }) {
            let ended = now - current.start >= window
            if ended || all, current.suppressed > 0 {
                summaries.append(summary(key: key, current, now: now, window: window))
                current.suppressed = 0
                current.level = .debug
                state.windows[key] = current
            }
            if ended {
                state.windows[key] = nil
            } else if current.suppressed > 0 {
                nextFlush = min(nextFlush, current.start + window)
            }
        }
        state.nextFlush = nextFlush
        return summaries
    }

    /// "N similar 'KEY' lines suppressed in the last M s", M the window's length (its age at an early flush).
    private static func summary(key: String, _ counted: Window, now: EpochMillis, window length: EpochMillis) -> (LogLevel, String) {
        let seconds = (min(now - counted.start, length) + 999) / 1000
        return (counted.level, "\(counted.suppressed) similar '\(key)' lines suppressed in the last \(seconds) s")
    }

    private func write(_ level: LogLevel, _ message: String, at now: EpochMillis) {
        let text = TextSanitizer.sanitize(message)
        if output.journald {
            output.write("<\(level.rawValue)>\(text)\n")
        } else {
            output.write("\(Logger.timestamp(now)) \(level.name): \(text)\n")
        }
    }

    /// Error.
    public func error(_ message: @autoclosure () -> String, key: Key? = nil) { log(.error, message(), key: key) }
    /// Warning.
    public func warning(_ message: @autoclosure () -> String, key: Key? = nil) { log(.warning, message(), key: key) }
    /// Info.
    public func info(_ message: @autoclosure () -> String, key: Key? = nil) { log(.info, message(), key: key) }
    /// Debug.
    public func debug(_ message: @autoclosure () -> String, key: Key? = nil) { log(.debug, message(), key: key) }

    /// `2026-11-23T11:30:00.123Z`.
    static func timestamp(_ at: EpochMillis) -> String {
        var time = time_t(at / 1000)
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int(at - EpochMillis(time) * 1000)
        return TextEditing.format("%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%03ldZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
