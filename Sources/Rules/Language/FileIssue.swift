/// One problem in an operator-edited file (configuration, device registry), with its line
/// (0 when it concerns the whole file).
public struct FileIssue: Sendable, Equatable, CustomStringConvertible {
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
    public var description: String { described(as: "error") }

    /// `file:line: warning: message`: a problem the file is still used with.
    public var warningDescription: String { described(as: "warning") }

    private func described(as severity: String) -> String {
        line > 0 ? "\(file):\(line): \(severity): \(message)" : "\(file): \(severity): \(message)"
    }
}

/// An error that is a list of `FileIssue`s: described as one `file:line: error: message` line per issue.
public protocol FileIssueList: Error, CustomStringConvertible {
    /// The problems, in file order.
    var issues: [FileIssue] { get }
}

extension FileIssueList {
    /// One line per issue.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
