/// One meaningful line of a Lookout configuration file (`lookoutd.conf`, `notifiers.conf`): both read the same
/// `[section]` / `key = value` syntax, with `#` and `;` comments and quoted values, through `ConfigLine.read`.
enum ConfigLine {
    /// `[words]`: the text between the brackets, trimmed (as written; callers choose case).
    case section(String)
    /// A line starting with `[` that is not a section header; the header as written.
    case malformedSection(String)
    /// `key = value`: the key lowercased; the value unquoted, or why it could not be.
    case entry(key: String, value: Result<String, ConfigValueError>)
    /// A line that is neither a section nor `key = value`.
    case notKeyValue

    /// The meaningful lines of `text` with their line numbers (blank lines and comments left out).
    static func read(_ text: String) -> [(number: Int, line: ConfigLine)] {
        var lines: [(number: Int, line: ConfigLine)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespaceAndNewlines()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                let header = String(DaemonConfiguration.stripComment(line)).trimmingWhitespace()
                lines.append((index + 1, header.hasSuffix("]") && header.count > 2
                    ? .section(String(header.dropFirst().dropLast()).trimmingWhitespace())
                    : .malformedSection(header)))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                lines.append((index + 1, .notKeyValue))
                continue
            }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            lines.append((index + 1, .entry(key: key, value: DaemonConfiguration.unquote(line[line.index(after: equals)...]))))
        }
        return lines
    }
}
