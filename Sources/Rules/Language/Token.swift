/// One lexical token of a rule file.
struct Token: Sendable, Equatable {
    /// What kind of token it is.
    enum Kind: Sendable, Equatable {
        /// A name: rule name, keyword or field (`smoke_alarm`, `when`, `tilt_deg`).
        case identifier(String)
        /// A quoted string, escapes resolved.
        case string(String)
        /// A plain number (`10`, `2.5`).
        case number(Double)
        /// A duration (`30s`, `10m`, `48h`, `2d`, `500ms`), in milliseconds.
        case duration(Int64)
        /// A multiplier (`2x`), as in `silent 2x report_interval`.
        case multiplier(Double)
        /// A local time of day (`22:00`), in minutes after midnight.
        case timeOfDay(Int)
        /// Punctuation or an operator (`{`, `==`, `,`, …).
        case symbol(String)
        /// Something the lexer could not read (already diagnosed).
        case invalid
        /// End of the file.
        case end
    }
    /// What kind of token it is.
    var kind: Kind
    /// Where it is.
    var range: SourceRange
    /// Whether it is the first token on its line (clauses start lines; the parser recovers there).
    var startsLine: Bool

    /// The identifier's text, or nil.
    var identifier: String? { if case .identifier(let name) = kind { name } else { nil } }
    /// Whether the token is the symbol `text`.
    func isSymbol(_ text: String) -> Bool { if case .symbol(let s) = kind { s == text } else { false } }
    /// Whether the token is the identifier `word`.
    func isWord(_ word: String) -> Bool { if case .identifier(let s) = kind { s == word } else { false } }

    /// A short description for diagnostics (`'level'`, `a string`, `end of file`).
    var describe: String {
        switch kind {
        case .identifier(let name): return "'\(name)'"
        case .string: return "a string"
        case .number: return "a number"
        case .duration: return "a duration"
        case .multiplier: return "a multiplier"
        case .timeOfDay: return "a time of day"
        case .symbol(let s): return "'\(s)'"
        case .invalid: return "an invalid token"
        case .end: return "end of file"
        }
    }
}
