import EventCore
import FoundationEssentials
import Vocabulary

/// The notifier file format: the INI-like syntax of lookoutd.conf (`DaemonConfiguration+Parsing.swift`), with
/// named sections.
///
/// ```
/// [notify]
/// operator_team = operator
///
/// [notifier http]
/// command = /usr/lib/lookout/notifiers/http-post
/// timeout = 10s
///
/// [team fire]
/// notifier = http
/// contact = https://gateway.example/fire
/// ```
/// Errors are `file:line: error: message`, every one collected before the parse fails.
extension NotifierConfiguration {
    /// Reads and parses the file at `path`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> NotifierConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: path, line: 0, message: "cannot read the notifier configuration (missing, unreadable or not UTF-8)")])
        }
        return try parse(text, path: path, environment: environment)
    }

    /// A section being read.
    private enum Section {
        case none, notify, notifier(String), team(String), unknown
    }

    /// Parses notifier configuration text; relative command paths resolve against the directory of `path`.
    public static func parse(_ text: String, path: String, environment: [String: String] = [:])
        throws(ConfigurationError) -> NotifierConfiguration
    {
        var configuration = NotifierConfiguration()
        configuration.sourcePath = path
        let context = ConfigValueContext(file: path, environment: environment)
        var issues: [ConfigurationIssue] = []
        var section = Section.none
        var seen: [String: Int] = [:]
        var sectionLines: [String: Int] = [:]
        var teamLines: [String: Int] = [:]
        for (lineNumber, line) in ConfigLine.read(text) {
            func report(_ message: String) { issues.append(ConfigurationIssue(file: path, line: lineNumber, message: message)) }
            let key: String, text: Result<String, ConfigValueError>
            switch line {
            case .malformedSection(let header):
                report("malformed section header '\(header)': expected [notify], [notifier NAME] or [team NAME]")
                section = .unknown
                continue
            case .section(let id):
                section = enter(id, line: lineNumber, sectionLines: &sectionLines, teamLines: &teamLines,
                                configuration: &configuration, report: report)
                continue
            case .notKeyValue:
                report("expected 'key = value'")
                continue
            case .entry(let entryKey, let value):
                (key, text) = (entryKey, value)
            }
            let sectionID: String
            switch section {
            case .none:
                report("'\(key)' is outside of any section")
                continue
            case .unknown: continue
            case .notify: sectionID = "notify"
            case .notifier(let name): sectionID = "notifier \(name)"
            case .team(let name): sectionID = "team \(name)"
            }
            if let first = seen["\(sectionID).\(key)"] {
                report("duplicate key '\(key)' in [\(sectionID)] (first set on line \(first))")
                continue
            }
            seen["\(sectionID).\(key)"] = lineNumber
            do throws(ConfigValueError) {
                let value = ConfigValue(key: key, text: try text.get(), context: context)
                switch section {
                case .notify: try applyNotify(key, value, to: &configuration)
                case .notifier(let name): try applyNotifier(key, value, to: &configuration.notifiers[name]!)
                case .team(let name): try applyTeam(key, value, to: &configuration.teams[name]!)
                case .none, .unknown: break
                }
            } catch {
                report(error.message)
            }
        }
        for (name, notifier) in configuration.notifiers where notifier.command.isEmpty {
            issues.append(ConfigurationIssue(file: path, line: sectionLines["notifier \(name)"] ?? 0,
                                             message: "[notifier \(name)] needs a command"))
        }
        for (name, team) in configuration.teams {
            let line = teamLines[name] ?? 0
            if team.notifier.isEmpty {
                issues.append(ConfigurationIssue(file: path, line: line, message: "[team \(name)] needs a notifier"))
            } else if configuration.notifiers[team.notifier] == nil {
                let known = configuration.notifiers.keys.sorted().joined(separator: ", ")
                issues.append(ConfigurationIssue(file: path, line: line,
                                                 message: "[team \(name)] uses notifier '\(team.notifier)', which is not defined (defined: \(known.isEmpty ? "none" : known))"))
            }
        }
        guard issues.isEmpty else {
            throw ConfigurationError(issues: issues.sorted { ($0.line, $0.message) < ($1.line, $1.message) })
        }
        return configuration
    }

    /// The section a `[header]` opens (`notify`, `notifier NAME`, `team NAME`), registering it; `.unknown` after
    /// reporting a duplicate or unknown one.
    private static func enter(_ id: String, line: Int, sectionLines: inout [String: Int], teamLines: inout [String: Int],
                              configuration: inout NotifierConfiguration, report: (String) -> Void) -> Section {
        let words = id.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let id = words.joined(separator: " ")
        if let first = sectionLines[id] {
            report("duplicate section [\(id)] (first on line \(first))")
            return .unknown
        }
        sectionLines[id] = line
        switch (words.first?.lowercased(), words.count) {
        case ("notify", 1): return .notify
        case ("notifier", 2) where isValidName(words[1]):
            configuration.notifiers[words[1]] = NotifierDefinition(name: words[1], command: [])
            return .notifier(words[1])
        case ("team", 2) where isValidName(words[1]):
            configuration.teams[words[1]] = TeamContact(team: words[1], notifier: "")
            teamLines[words[1]] = line
            return .team(words[1])
        default:
            report("unknown section [\(id)]; expected [notify], [notifier NAME] or [team NAME] (names: letters, digits, - _ .)")
            return .unknown
        }
    }

    /// Team and notifier names: what rules write in `teams`, safe in an idempotency key and a metric label.
    public static func isValidName(_ name: String) -> Bool {
        TeamName.isValid(name)
    }

    private static func applyNotify(_ key: String, _ v: ConfigValue, to c: inout NotifierConfiguration) throws(ConfigValueError) {
        switch key {
        case "failing_after": c.failingAfterTries = try v.integer(in: 1...1_000)
        case "failing_for": c.failingAfterSeconds = try v.seconds(in: 1...86_400)
        case "operator_team":
            let team = try v.nonEmpty()
            guard isValidName(team) else { throw ConfigValueError("operator_team '\(team)' is not a valid team name") }
            c.operatorTeam = team
        default: throw ConfigValueError("unknown key '\(key)' in [notify]; known: failing_after, failing_for, operator_team")
        }
    }

    private static func applyNotifier(_ key: String, _ v: ConfigValue, to n: inout NotifierDefinition) throws(ConfigValueError) {
        switch key {
        case "command":
            var words = try v.nonEmpty().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            words[0] = try v.resolve(words[0])
            guard FileManager.default.isExecutableFile(atPath: words[0]) else {
                throw ConfigValueError("command '\(words[0])' is not an executable file")
            }
            n.command = words
        case "timeout": n.timeoutSeconds = try v.seconds(in: 0.1...600)
        case "tries": n.tries = try v.integer(in: 1...100)
        case "backoff": n.backoffSeconds = try v.seconds(in: 0.01...3_600)
        case "backoff_max": n.backoffMaxSeconds = try v.seconds(in: 0.01...86_400)
        case "min_level": n.minimumLevel = try level(v)
        default:
            throw ConfigValueError("unknown key '\(key)' in [notifier \(n.name)]; known: backoff, backoff_max, command, min_level, timeout, tries")
        }
    }

    private static func applyTeam(_ key: String, _ v: ConfigValue, to t: inout TeamContact) throws(ConfigValueError) {
        switch key {
        case "notifier": t.notifier = try v.nonEmpty()
        case "contact": t.contact = v.text
        case "min_level": t.minimumLevel = try level(v)
        default: throw ConfigValueError("unknown key '\(key)' in [team \(t.team)]; known: contact, min_level, notifier")
        }
    }

    private static func level(_ v: ConfigValue) throws(ConfigValueError) -> AlertLevel {
        guard let level = AlertLevel(rawValue: v.text.lowercased()) else {
            throw ConfigValueError("\(v.key) must be green, yellow or red, not '\(v.text)'")
        }
        return level
    }
}
