import FoundationEssentials
import StaffAPI
import Vocabulary

/// The staff directory's file format: the INI-like syntax of lookoutd.conf (`ConfigLine`), one section per person.
///
/// ```
/// [user alice]
/// name = Alice Zhang
/// role = staff              # viewer, staff, supervisor or admin
/// teams = fire, grid-3
/// phone = +86 138 0000 0001
/// ```
/// Errors are `file:line: error: message`, every one collected before the parse fails.
extension StaffDirectory {
    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> StaffDirectory {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: path, line: 0, message: "cannot read the staff directory (missing, unreadable or not UTF-8)")])
        }
        return try parse(text, path: path)
    }

    /// The directory at `path`, or an empty one when there is no such file (nobody may use the API yet: every
    /// request is refused with the path named, which says what to do).
    public static func loadIfPresent(path: String) throws(ConfigurationError) -> (directory: StaffDirectory, missing: Bool) {
        guard FileManager.default.fileExists(atPath: path) else { return (StaffDirectory(sourcePath: path), true) }
        return (try load(path: path), false)
    }

    /// Parses staff directory text.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> StaffDirectory {
        var issues: [ConfigurationIssue] = []
        var members: [StaffMember] = []
        var sectionLines: [String: Int] = [:]
        var current: Int?
        // After a header that was reported, its keys are not reported again.
        var skipping = false
        var seen: [String: Int] = [:]
        for (lineNumber, line) in ConfigLine.read(text) {
            func report(_ message: String) { issues.append(ConfigurationIssue(file: path, line: lineNumber, message: message)) }
            switch line {
            case .malformedSection(let header):
                report("malformed section header '\(header)': expected [user LOGIN]")
                current = nil
                skipping = true
            case .section(let id):
                current = nil
                skipping = true
                let words = id.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard words.count == 2, words[0].lowercased() == "user" else {
                    report("unknown section [\(id)]; expected [user LOGIN]")
                    continue
                }
                guard isValidLogin(words[1]) else {
                    report("'\(TextSanitizer.sanitize(words[1]))' is not a login name (letters, digits, - _ . only, at most 32)")
                    continue
                }
                if let first = sectionLines[words[1]] {
                    report("user '\(words[1])' is listed twice (first on line \(first))")
                    continue
                }
                sectionLines[words[1]] = lineNumber
                members.append(StaffMember(user: words[1], role: .viewer))
                current = members.count - 1
                skipping = false
            case .notKeyValue:
                report("expected 'key = value'")
            case .entry(let key, let value):
                guard let index = current else {
                    if !skipping { report("'\(key)' is outside of a [user LOGIN] section") }
                    continue
                }
                let user = members[index].user
                if let first = seen["\(user).\(key)"] {
                    report("duplicate key '\(key)' for user \(user) (first set on line \(first))")
                    continue
                }
                seen["\(user).\(key)"] = lineNumber
                let text: String
                switch value {
                case .success(let unquoted): text = unquoted
                case .failure(let error):
                    report(error.message)
                    continue
                }
                if let problem = set(key, to: text, of: &members[index]) { report(problem) }
            }
        }
        // A role line that was wrong has been reported already.
        for member in members where seen["\(member.user).role"] == nil {
            issues.append(ConfigurationIssue(file: path, line: sectionLines[member.user] ?? 0,
                                             message: "user \(member.user) needs a role (viewer, staff, supervisor or admin)"))
        }
        guard issues.isEmpty else {
            throw ConfigurationError(issues: issues.sorted { ($0.line, $0.message) < ($1.line, $1.message) })
        }
        return StaffDirectory(sourcePath: path, members: members)
    }

    /// Sets `key` of `member` to `text`; the problem, when the key or its value is not accepted.
    private static func set(_ key: String, to text: String, of member: inout StaffMember) -> String? {
        switch key {
        case "name":
            guard TextSanitizer.isSafe(text), text.count <= 128 else { return "name must be at most 128 printable characters" }
            member.displayName = text
        case "role":
            guard let role = StaffRole(rawValue: text.lowercased()) else {
                return "role must be one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", ")), not '\(TextSanitizer.sanitize(text))'"
            }
            member.role = role
        case "teams":
            let teams = text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            if let bad = teams.first(where: { !TeamName.isValid($0) }) {
                return "'\(TextSanitizer.sanitize(bad))' is not a valid team name (letters, digits, - _ .)"
            }
            member.teams = teams
        case "phone":
            guard TextSanitizer.isSafe(text), text.count <= 64 else { return "phone must be at most 64 printable characters" }
            member.phone = text
        default:
            return "unknown key '\(key)' for user \(member.user); known: name, phone, role, teams"
        }
        return nil
    }

    /// Login names as `useradd` accepts them by default (portable: letters, digits, `.`, `_`, `-`; no leading `-`).
    static func isValidLogin(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && !name.hasPrefix("-")
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
    }
}
