import FoundationEssentials
import Vocabulary

/// Why one value could not be used (becomes a `file:line: error:` issue).
struct ConfigValueError: Error {
    /// What is wrong.
    var message: String
    /// Creates an error.
    init(_ message: String) { self.message = message }
}

/// Where values are interpreted: the config file's directory and the environment for `${NAME}`.
struct ConfigValueContext: Sendable {
    /// Directory relative paths resolve against.
    var directory: String
    /// Environment for `${NAME}` expansion.
    var environment: [String: String]
}

extension ConfigValueContext {
    /// The context of a configuration file at `path`: its relative paths resolve against its own directory.
    init(file path: String, environment: [String: String]) {
        let directory = PathText.directory(of: path)
        self.init(directory: directory.isEmpty ? "." : directory, environment: environment)
    }
}

/// One `key = value` value with typed accessors; each accessor explains what it expected.
struct ConfigValue {
    /// The key, for messages.
    var key: String
    /// The text after unquoting.
    var text: String
    /// Where it is interpreted.
    var context: ConfigValueContext

    /// The text, which must not be empty.
    func nonEmpty() throws(ConfigValueError) -> String {
        guard !text.isEmpty else { throw ConfigValueError("\(key) must not be empty") }
        return text
    }

    /// An integer within `range`.
    func integer(in range: ClosedRange<Int>) throws(ConfigValueError) -> Int {
        guard let value = Int(text.replacingEvery("_", with: "")) else {
            throw ConfigValueError("\(key) must be a whole number, not '\(text)'")
        }
        guard range.contains(value) else {
            throw ConfigValueError("\(key) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    /// `true/false`, `yes/no`, `on/off`, `1/0`.
    func boolean() throws(ConfigValueError) -> Bool {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigValueError("\(key) must be true or false, not '\(text)'")
        }
    }

    /// A duration (`500ms`, `30s`, `5m`, `2h`, `1d`, or plain seconds) within `range` seconds.
    func seconds(in range: ClosedRange<Double>) throws(ConfigValueError) -> Double {
        guard let value = parseDurationSeconds(text) else {
            throw ConfigValueError("\(key) must be a duration like 30s, 5m, 2h or 1d, not '\(text)'")
        }
        guard range.contains(value) else {
            throw ConfigValueError("\(key) must be between \(formatDuration(range.lowerBound)) and \(formatDuration(range.upperBound))")
        }
        return value
    }

    /// Permission bits in octal (`0640`, `660`): owner read and write required, nothing for others beyond read,
    /// no set-id or sticky bits.
    func fileMode() throws(ConfigValueError) -> UInt16 {
        let digits = text.hasPrefix("0o") ? String(text.dropFirst(2)) : text
        guard !digits.isEmpty, digits.count <= 4, let mode = UInt16(digits, radix: 8) else {
            throw ConfigValueError("\(key) must be an octal file mode such as 0640 or 0660, not '\(text)'")
        }
        guard mode & 0o600 == 0o600, mode & 0o7000 == 0, mode & 0o003 == 0 else {
            throw ConfigValueError("\(key) \(text): the owner needs read and write (0600), others may at most read, no special bits")
        }
        return mode
    }

    /// A deadline: a duration between one second and a year, or `none` for no deadline (nil).
    func deadlineSeconds() throws(ConfigValueError) -> Int64? {
        if ["none", "off", "never"].contains(text.lowercased()) { return nil }
        return Int64(try seconds(in: 1...31_536_000))
    }

    /// A comma-separated list (empty items dropped).
    func list() -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// The text as a path: `${NAME}` expanded, relative paths resolved against the config file's directory.
    func path() throws(ConfigValueError) -> String {
        try resolve(try nonEmpty())
    }

    /// `item` as a path (see `path()`).
    func resolve(_ item: String) throws(ConfigValueError) -> String {
        let expanded = try expandEnvironment(item)
        if expanded.hasPrefix("/") { return PathText.standardized(expanded) }
        return PathText.standardized(PathText.join(context.directory, expanded))
    }

    /// Reads the timeline key from `file` (see `TimelineKeyFile.read`).
    func timelineKey(fromFile file: String) throws(ConfigValueError) -> [UInt8] {
        do {
            return try TimelineKeyFile.read(file)
        } catch {
            throw ConfigValueError("\(key): \(error.message)")
        }
    }

    /// Reads a secret from `file`: the first line, without its line ending. The secret is never put into a message.
    func secret(fromFile file: String) throws(ConfigValueError) -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigValueError("cannot read \(key) '\(file)' (missing, or not readable by this user)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigValueError("\(key) '\(file)' is not valid UTF-8")
        }
        let secret = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first
            .map { line in line.trimmingScalars { $0 == "\r" } } ?? ""
        guard !secret.isEmpty else { throw ConfigValueError("\(key) '\(file)' is empty") }
        return secret
    }

    /// Replaces `${NAME}` with the environment's value; an unset variable is an error.
    private func expandEnvironment(_ text: String) throws(ConfigValueError) -> String {
        var out = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw ConfigValueError("unterminated '${' in \(key)")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = context.environment[name], !value.isEmpty else {
                throw ConfigValueError("\(key) uses ${\(name)}, which is not set in the environment")
            }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}

/// Seconds in a duration such as `500ms`, `30s`, `5m`, `2h`, `1d` or plain `30`; nil when malformed.
func parseDurationSeconds(_ text: String) -> Double? {
    let units: [(suffix: String, factor: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400)]
    let lowered = text.lowercased().trimmingWhitespace()
    for unit in units where lowered.hasSuffix(unit.suffix) {
        guard let number = Double(lowered.dropLast(unit.suffix.count)), number.isFinite, number >= 0 else { return nil }
        return number * unit.factor
    }
    guard let number = Double(lowered), number.isFinite, number >= 0 else { return nil }
    return number
}

/// A duration in the largest whole unit (`90s`, `15m`, `2h`).
func formatDuration(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int(seconds * 1000))ms" }
    for (unit, factor) in [("d", 86_400.0), ("h", 3_600.0), ("m", 60.0)] where seconds >= factor && seconds.truncatingRemainder(dividingBy: factor) == 0 {
        return "\(Int(seconds / factor))\(unit)"
    }
    return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
}
