import Rules

/// One problem in a configuration file, with its line (0 when it concerns the whole file).
public typealias ConfigurationIssue = FileIssue

/// A configuration that cannot be used: every problem found, in line order.
public struct ConfigurationError: FileIssueList, Sendable, Equatable {
    /// The problems.
    public var issues: [ConfigurationIssue]

    /// Creates an error.
    public init(issues: [ConfigurationIssue]) {
        self.issues = issues
    }
}
