/// An expression as written, with its source range.
struct ExprSyntax: Sendable {
    /// The shape of the expression.
    indirect enum Kind: Sendable {
        case number(Double)
        case string(String)
        case bool(Bool)
        /// A duration literal in an expression, in milliseconds (evaluates to seconds).
        case duration(Int64)
        case list([ExprSyntax])
        /// A field path: `tilt_deg`, `gps.lat`, `device.grid`, `resident.away`, `topic.device`.
        case path([String])
        case unary(String, ExprSyntax)
        case binary(String, ExprSyntax, ExprSyntax)
        /// `has path` / `exists(path)`.
        case has(ExprSyntax)
        /// Could not be parsed (already diagnosed).
        case error
    }
    var kind: Kind
    var range: SourceRange
}

/// A value with where it was written.
struct Located<Value: Sendable>: Sendable {
    var value: Value
    var range: SourceRange
}

/// A template string (`"Smoke at {device.address}"`) as written.
struct TemplateSyntax: Sendable {
    var text: String
    var range: SourceRange
}

/// One `rule name { … }` block as written: each clause at most once (the parser reports repeats).
struct RuleSyntax: Sendable {
    var name: Located<String>
    var range: SourceRange
    /// Every token text of the rule body, for the rule's fingerprint.
    var canonicalText: String = ""
    /// The token text of the clauses that decide the rule's state (everything but how its events are
    /// presented and handled: level, title, teams, deadlines, …), for the fingerprint state is kept under
    /// across a reload.
    var conditionText: String = ""
    /// Clause keywords written in the rule, even where the clause failed to parse (no "missing" errors then).
    var written: Set<String> = []

    var filters: [Located<String>] = []
    /// `on kind K [channel C]`: required values of named layout segments (nil channel: any).
    var segmentFilters: [Located<[String: String?]>] = []
    var when: ExprSyntax?
    var whereCondition: ExprSyntax?
    var holdFor: Located<Int64>?
    var atOnce: ExprSyntax?
    var count: (n: Located<Double>, within: Located<Int64>)?
    var absent: Located<Int64>?
    /// `absent D by resident`: where it was written (one state per resident, not per device).
    var absentByResident: SourceRange?
    var silent: Located<Double>?
    /// `correlate N devices by FIELD, … within D [including M KIND]`: `including` requires M of the counting
    /// devices to be of kind KIND (a fire is confirmed by a smoke alarm, never by call buttons alone).
    var correlate: (n: Located<Double>, by: [ExprSyntax], within: Located<Int64>, including: (n: Located<Double>, kind: Located<String>)?)?
    var unlessRecently: (condition: ExprSyntax, within: Located<Int64>)?
    var unless: ExprSyntax?
    var merge: Located<Int64>?
    var during: (start: Int, end: Int, range: SourceRange)?
    var days: Located<Set<Int>>?
    var level: Located<String>?
    var title: TemplateSyntax?
    var description: TemplateSyntax?
    var teams: [ExprSyntax] = []
    var ackWithin: Located<Int64>?
    var onsiteWithin: Located<Int64>?
    var escalateTo: Located<String>?
    /// `escalate after D …` clauses, in the order written: the rule's escalation chain.
    var escalationSteps: [EscalationStepSyntax] = []
    var renotifyEvery: Located<Int64>?
    var clearWhen: ExprSyntax?
    var clearAfter: Located<Int64>?
    var downgrade: (level: Located<String>, condition: ExprSyntax)?
    /// `flapping N within D [level L] [title "T"]`.
    var flapping: FlappingSyntax?
    /// `life_safety`: where it was written (a silence never hides the rule's red events).
    var lifeSafety: SourceRange?
}

/// `flapping N within D [level L] [title "T"]` as written.
struct FlappingSyntax: Sendable {
    var n: Located<Double>
    var within: Located<Int64>
    var level: Located<String>?
    var title: TemplateSyntax?
    /// The whole clause.
    var range: SourceRange
}

/// One `escalate after D [unless acknowledged|unless onsite] [to LEVEL] [bring in TARGETS] [report in]` as written.
struct EscalationStepSyntax: Sendable {
    var after: Located<Int64>
    /// `acknowledged` or `onsite` after `unless`; nil: the step runs while the event is open at all.
    var unless: Located<String>?
    var level: Located<String>?
    var teams: [ExprSyntax] = []
    /// Where `emergency contact` was written among the targets.
    var emergencyContact: SourceRange?
    /// Where `report in` was written.
    var reportIn: SourceRange?
    /// The whole clause.
    var range: SourceRange
}

/// A parsed rule file.
struct RuleFileSyntax: Sendable {
    var fileName: String
    var timeZone: Located<String>?
    var rules: [RuleSyntax] = []
}
