/// One problem in a configuration file, with its line (0 when it concerns the whole file).
public struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// 1-based line, or 0 for the whole file.
    public var line: Int
    /// What is wrong: lower-case start, no trailing period.
    public var message: String

    /// Creates an issue.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: error: message` (`file: error: message` for the whole file).
    public var description: String {
        line > 0 ? "\(file):\(line): error: \(message)" : "\(file): error: \(message)"
    }
}

/// A configuration that cannot be used: every problem found, in line order.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems.
    public var issues: [ConfigurationIssue]

    /// Creates an error.
    public init(issues: [ConfigurationIssue]) {
        self.issues = issues
    }

    /// One line per issue.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
