/// A position in a rule file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Equatable, Comparable {
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// Creates a location.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    /// Orders by line, then column.
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A range of source text in one file, start inclusive, end exclusive.
public struct SourceRange: Sendable, Equatable {
    /// The file the range is in, as given to the compiler.
    public var file: String
    /// First character.
    public var start: SourceLocation
    /// One past the last character.
    public var end: SourceLocation
    /// Creates a range.
    public init(file: String, start: SourceLocation, end: SourceLocation) {
        self.file = file
        self.start = start
        self.end = end
    }
}

/// One message from the rule compiler about a rule file.
public struct Diagnostic: Sendable, Equatable {
    /// How bad it is.
    public enum Severity: String, Sendable {
        /// The rules cannot be used.
        case error
        /// The rules work but something looks wrong.
        case warning
        /// Extra information attached to the previous diagnostic.
        case note
    }
    /// How bad it is.
    public var severity: Severity
    /// One sentence, lower-case start, no trailing period.
    public var message: String
    /// Where it is.
    public var range: SourceRange
    /// Which message it is (`unknown_level`, `expected_clause`; `DiagnosticCode`), so that `lookout rules check` can
    /// say it in its user's language with `arguments`; empty for a message without one (said as `message`). The
    /// rule compiler stays free of gettext: lookoutd logs `message`, in English.
    public var code: String
    /// The values in the message, in the order its code documents. Words of the compiler's own (a token's kind,
    /// `a number`, `end of file`; a value's type, `string`) are given in English and translated by the client.
    public var arguments: [String]

    /// Creates a diagnostic.
    public init(severity: Severity, message: String, range: SourceRange, code: String = "", arguments: [String] = []) {
        self.severity = severity
        self.message = message
        self.range = range
        self.code = code
        self.arguments = arguments
    }

    /// `file:line:col: error: message`.
    public var headline: String {
        "\(range.file):\(range.start.line):\(range.start.column): \(severity.rawValue): \(message)"
    }
}
