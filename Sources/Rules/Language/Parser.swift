import Vocabulary

/// Recursive-descent parser for rule files. Recovers at the next clause after an error, so one run
/// reports every syntax error in the file.
struct Parser {
    private let tokens: [Token]
    private var position = 0
    /// Where the part of the current clause that decides state ends, when not at the clause's end (`flapping`).
    private var conditionEnd: Int?
    private let file: String
    /// Every syntax error found.
    private(set) var diagnostics: [Diagnostic] = []

    /// A clause of a rule body: whether it only says how the rule's events look and are handled (a change to it
    /// keeps the rule's state on reload, see `RuleSyntax.conditionText`), and how it parses after its keyword.
    private struct Clause: Sendable {
        let presentation: Bool
        let parse: @Sendable (inout Parser, Token, inout RuleSyntax) throws(Failure) -> Void
    }
    /// Every clause a rule body may hold, by keyword. A new clause is an entry here, its parse method below, its
    /// `RuleSyntax` field, its check in `RuleChecker` and its field in a `CompiledRule` group (see
    /// docs/developers.md, "Adding a rule clause").
    private static let clauses: [String: Clause] = [
        "on": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseOn(keyword, &rule) },
        "when": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseWhen(keyword, &rule) },
        "where": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseWhere(keyword, &rule) },
        "for": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseFor(keyword, &rule) },
        "at": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseAt(keyword, &rule) },
        "count": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseCount(keyword, &rule) },
        "absent": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseAbsent(keyword, &rule) },
        "silent": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseSilent(keyword, &rule) },
        "correlate": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseCorrelate(keyword, &rule) },
        "unless": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseUnless(keyword, &rule) },
        "merge": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseMerge(keyword, &rule) },
        "during": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseDuring(keyword, &rule) },
        "days": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseDays(keyword, &rule) },
        "level": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseLevel(keyword, &rule) },
        "title": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseTitle(keyword, &rule) },
        "description": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseDescription(keyword, &rule) },
        "team": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseTeam(keyword, &rule) },
        "teams": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseTeam(keyword, &rule) },
        "ack": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseAck(keyword, &rule) },
        "onsite": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseOnsite(keyword, &rule) },
        "escalate": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseEscalate(keyword, &rule) },
        "renotify": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseRenotify(keyword, &rule) },
        "clear": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseClear(keyword, &rule) },
        "life_safety": Clause(presentation: true) { parser, keyword, rule throws(Failure) in try parser.clauseLifeSafety(keyword, &rule) },
        "downgrade": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseDowngrade(keyword, &rule) },
        "flapping": Clause(presentation: false) { parser, keyword, rule throws(Failure) in try parser.clauseFlapping(keyword, &rule) },
    ]
    /// Words that start a clause inside a rule body.
    static let clauseWords: Set<String> = Set(clauses.keys)
    /// Clauses about how a rule's events are presented and handled, not about when it fires.
    static let presentationWords: Set<String> = Set(clauses.filter { $0.value.presentation }.keys)
    /// Day names, Sunday first (Calendar weekday numbers 1…7).
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    init(file: String, tokens: [Token]) {
        self.file = file
        self.tokens = tokens
    }

    private struct Failure: Error {}

    private var current: Token { tokens[min(position, tokens.count - 1)] }
    private var nextToken: Token { tokens[min(position + 1, tokens.count - 1)] }
    @discardableResult private mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func error(_ message: String, at range: SourceRange, _ code: DiagnosticCode? = nil, _ arguments: [String] = []) {
        diagnostics.append(Diagnostic(severity: .error, message: message, range: range, code: code?.rawValue ?? "",
                                      arguments: arguments))
    }
    /// Reports `message` (unless the token is one the lexer already reported) and returns the error to throw.
    private mutating func fail(_ message: String, at token: Token? = nil, _ code: DiagnosticCode? = nil,
                               _ arguments: [String] = []) -> Failure {
        let token = token ?? current
        if token.kind != .invalid { error(message, at: token.range, code, arguments) }
        return Failure()
    }
    private mutating func expectSymbol(_ symbol: String, _ context: String) throws(Failure) {
        guard current.isSymbol(symbol) else { throw fail("expected '\(symbol)' \(context), found \(current.describe)") }
        advance()
    }
    private mutating func expectWord(_ word: String, _ context: String) throws(Failure) {
        guard current.isWord(word) else { throw fail("expected '\(word)' \(context), found \(current.describe)") }
        advance()
    }
    private func span(from start: SourceRange) -> SourceRange {
        let last = tokens[max(0, position - 1)]
        return SourceRange(file: file, start: start.start, end: max(last.range.end, start.end))
    }

    // MARK: File

    /// Parses the whole file.
    mutating func parseFile() -> RuleFileSyntax {
        var result = RuleFileSyntax(fileName: file)
        while current.kind != .end {
            if current.isWord("timezone") {
                let keyword = advance()
                if case .string(let zone) = current.kind {
                    if let earlier = result.timeZone {
                        error("timezone given twice (first at line \(earlier.range.start.line))", at: keyword.range, .timezoneTwice, [String(earlier.range.start.line)])
                    }
                    result.timeZone = Located(value: zone, range: current.range)
                    advance()
                } else {
                    error("expected a quoted time zone name after 'timezone', found \(current.describe)", at: current.range, .expectedTimeZoneName, [current.describe])
                    skipToTopLevel()
                }
            } else if current.isWord("rule") {
                if let rule = parseRule() { result.rules.append(rule) }
            } else {
                error("expected 'rule' or 'timezone', found \(current.describe)", at: current.range, .expectedRule, [current.describe])
                advance()
                skipToTopLevel()
            }
        }
        return result
    }

    private mutating func skipToTopLevel() {
        while current.kind != .end, !(current.startsLine && (current.isWord("rule") || current.isWord("timezone"))) {
            advance()
        }
    }

    /// After an error in a clause: skip to the next clause start, `}` or next rule.
    private mutating func skipToClause() {
        while current.kind != .end {
            if current.isSymbol("}") { return }
            if current.startsLine, let word = current.identifier,
               Self.clauseWords.contains(word) || word == "rule" || word == "timezone" { return }
            advance()
        }
    }

    private mutating func parseRule() -> RuleSyntax? {
        let ruleToken = advance()
        guard let name = current.identifier else {
            error("expected a rule name after 'rule', found \(current.describe)", at: current.range, .expectedRuleName, [current.describe])
            skipToTopLevel()
            return nil
        }
        var rule = RuleSyntax(name: Located(value: name, range: current.range), range: ruleToken.range)
        advance()
        guard current.isSymbol("{") else {
            error("expected '{' after rule name '\(name)', found \(current.describe)", at: current.range, .expectedOpenBrace, [name, current.describe])
            skipToTopLevel()
            return nil
        }
        let bodyStart = position
        advance()
        while !current.isSymbol("}") {
            if current.kind == .end {
                error("rule '\(name)' is not closed: expected '}'", at: current.range, .ruleNotClosed, [name])
                break
            }
            if current.startsLine, current.isWord("rule") {
                error("rule '\(name)' is not closed: expected '}' before the next rule", at: current.range, .ruleNotClosedBeforeNext, [name])
                break
            }
            let clauseStart = position
            conditionEnd = nil
            defer {
                if let word = tokens[clauseStart].identifier, !Self.presentationWords.contains(word) {
                    let end = max(clauseStart, min(conditionEnd ?? position, position))
                    rule.conditionText += tokens[clauseStart..<end].map(Self.canonical).joined(separator: " ") + "\n"
                }
            }
            do throws(Failure) {
                try parseClause(into: &rule)
                if !current.startsLine, !current.isSymbol("}"), current.kind != .end {
                    throw fail("unexpected \(current.describe) after the clause; put each clause on its own line", .unexpectedAfterClause, [current.describe])
                }
            } catch {
                skipToClause()
            }
        }
        rule.canonicalText = tokens[bodyStart..<position].map(Self.canonical).joined(separator: " ")
        if current.isSymbol("}") { advance() }
        rule.range = span(from: ruleToken.range)
        return rule
    }

    private static func canonical(_ token: Token) -> String {
        switch token.kind {
        case .identifier(let s): return s
        case .string(let s): return "\"" + s.replacingEvery("\"", with: "\\\"") + "\""
        case .number(let d): return "\(d)"
        case .duration(let ms): return "\(ms)ms"
        case .multiplier(let d): return "\(d)x"
        case .timeOfDay(let m): return "\(m)min"
        case .symbol(let s): return s
        case .invalid: return "?"
        case .end: return ""
        }
    }

    // MARK: Clauses

    private mutating func once<T>(_ existing: T?, _ keyword: Token) throws(Failure) {
        if existing != nil { throw fail("'\(keyword.identifier ?? "")' given twice in one rule", at: keyword, .givenTwice, [keyword.identifier ?? ""]) }
    }

    private mutating func parseClause(into rule: inout RuleSyntax) throws(Failure) {
        let keyword = current
        guard let word = keyword.identifier, let clause = Self.clauses[word] else {
            throw fail("expected a clause (on, when, for, level, title, …), found \(current.describe)", .expectedClause, [current.describe])
        }
        advance()
        rule.written.insert(word)
        try clause.parse(&self, keyword, &rule)
    }

    /// `on`.
    private mutating func clauseOn(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        if current.isWord("days") {
            advance()
            try once(rule.days, keyword)
            rule.days = try parseDays()
            return
        }
        if current.isWord("kind") || current.isWord("channel") {
            let start = current.range
            var required: [String: String?] = ["kind": nil, "channel": nil]
            for segment in ["kind", "channel"] where current.isWord(segment) {
                advance()
                guard let name = current.identifier else { throw fail("expected a \(segment) name after '\(segment)'", .expectedSegmentName, [segment]) }
                required[segment] = name
                advance()
            }
            rule.segmentFilters.append(Located(value: required, range: span(from: start)))
            return
        }
        repeat {
            guard case .string(let filter) = current.kind else {
                throw fail("expected a quoted topic filter after 'on' (or 'on kind smoke channel event'), found \(current.describe)", .expectedTopicFilter, [current.describe])
            }
            rule.filters.append(Located(value: filter, range: current.range))
            advance()
        } while try consumeComma()
    }

    /// `when`.
    private mutating func clauseWhen(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.when, keyword)
        rule.when = try parseExpression()
    }

    /// `where`.
    private mutating func clauseWhere(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.whereCondition, keyword)
        rule.whereCondition = try parseExpression()
    }

    /// `for`.
    private mutating func clauseFor(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.holdFor, keyword)
        rule.holdFor = try parseDuration("after 'for'")
    }

    /// `at`.
    private mutating func clauseAt(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try expectWord("once", "after 'at'")
        try expectWord("when", "after 'at once'")
        try once(rule.atOnce, keyword)
        rule.atOnce = try parseExpression()
    }

    /// `count`.
    private mutating func clauseCount(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.count?.n, keyword)
        let n = try parseNumber("after 'count'")
        try expectWord("within", "after the count")
        rule.count = (n, try parseDuration("after 'within'"))
    }

    /// `absent`.
    private mutating func clauseAbsent(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.absent, keyword)
        rule.absent = try parseDuration("after 'absent'")
        if current.isWord("by"), !current.startsLine {
            let by = advance()
            guard current.isWord("resident"), !current.startsLine else {
                throw fail("expected 'resident' after 'absent DURATION by' (e.g. 'absent 48h by resident'), found \(current.describe)", .expectedResident, [current.describe])
            }
            advance()
            rule.absentByResident = span(from: by.range)
        }
    }

    /// `silent`.
    private mutating func clauseSilent(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.silent, keyword)
        guard case .multiplier(let factor) = current.kind else {
            throw fail("expected a multiple of the report interval after 'silent' (e.g. 'silent 2x report_interval'); for a fixed time use 'absent 48h'", .expectedSilentMultiple)
        }
        let factorToken = advance()
        try expectWord("report_interval", "after the multiplier")
        rule.silent = Located(value: factor, range: factorToken.range)
    }

    /// `correlate`.
    private mutating func clauseCorrelate(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.correlate?.n, keyword)
        let n = try parseNumber("after 'correlate'")
        try expectWord("devices", "after the number in 'correlate'")
        try expectWord("by", "in 'correlate N devices by FIELD within DURATION'")
        var by: [ExprSyntax] = []
        repeat { by.append(try parsePrimary()) } while try consumeComma()
        try expectWord("within", "after the correlation fields")
        let within = try parseDuration("after 'within'")
        var including: (n: Located<Double>, kind: Located<String>)?
        if current.isWord("including") {
            advance()
            let required = try parseNumber("after 'including' (e.g. 'including 1 smoke')")
            guard let kind = current.identifier, !current.startsLine else {
                throw fail("expected a device kind after the number in 'including' (e.g. 'including 1 smoke'), found \(current.describe)", .expectedIncludedKind, [current.describe])
            }
            including = (required, Located(value: kind, range: advance().range))
        }
        rule.correlate = (n, by, within, including)
    }

    /// `unless`.
    private mutating func clauseUnless(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        if current.isWord("recently") {
            advance()
            try once(rule.unlessRecently?.within, keyword)
            let condition = try parseExpression()
            try expectWord("within", "after 'unless recently CONDITION'")
            rule.unlessRecently = (condition, try parseDuration("after 'within'"))
        } else {
            try once(rule.unless, keyword)
            rule.unless = try parseExpression()
        }
    }

    /// `merge`.
    private mutating func clauseMerge(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        rule.merge = try parseDurationClause(rule.merge, keyword, "merge", "within")
    }

    /// `during`.
    private mutating func clauseDuring(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.during?.start, keyword)
        let start = current.range
        guard case .timeOfDay(let from) = current.kind else { throw fail("expected a time like 22:00 after 'during'", .expectedDuringStart) }
        advance()
        try expectSymbol("-", "between the times of 'during'")
        guard case .timeOfDay(let to) = current.kind else { throw fail("expected a time like 06:00 after '-'", .expectedDuringEnd) }
        advance()
        rule.during = (from, to, span(from: start))
    }

    /// `days`.
    private mutating func clauseDays(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.days, keyword)
        rule.days = try parseDays()
    }

    /// `level`.
    private mutating func clauseLevel(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.level, keyword)
        rule.level = try parseLevel("after 'level'")
    }

    /// `title`.
    private mutating func clauseTitle(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.title, keyword)
        rule.title = try parseTemplate("after 'title'")
    }

    /// `description`.
    private mutating func clauseDescription(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.description, keyword)
        rule.description = try parseTemplate("after 'description'")
    }

    /// `team`.
    private mutating func clauseTeam(_: Token, _ rule: inout RuleSyntax) throws(Failure) {
        repeat { rule.teams.append(try parsePrimary()) } while try consumeComma()
    }

    /// `ack`.
    private mutating func clauseAck(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        rule.ackWithin = try parseDurationClause(rule.ackWithin, keyword, "ack", "within")
    }

    /// `onsite`.
    private mutating func clauseOnsite(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        rule.onsiteWithin = try parseDurationClause(rule.onsiteWithin, keyword, "onsite", "within")
    }

    /// `escalate`.
    private mutating func clauseEscalate(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        if current.isWord("after") {
            advance()
            rule.escalationSteps.append(try parseEscalationStep(keyword))
        } else {
            try once(rule.escalateTo, keyword)
            try expectWord("to", "after 'escalate' (or 'escalate after DURATION …' for a step of the chain)")
            rule.escalateTo = try parseLevel("after 'escalate to'")
        }
    }

    /// `renotify`.
    private mutating func clauseRenotify(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        rule.renotifyEvery = try parseDurationClause(rule.renotifyEvery, keyword, "renotify", "every")
    }

    /// `clear`.
    private mutating func clauseClear(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        if current.isWord("when") {
            advance()
            try once(rule.clearWhen, keyword)
            rule.clearWhen = try parseExpression()
        } else if current.isWord("after") {
            advance()
            try once(rule.clearAfter, keyword)
            rule.clearAfter = try parseDuration("after 'clear after'")
        } else {
            throw fail("expected 'when' or 'after' after 'clear', found \(current.describe)", .expectedClearWhenOrAfter, [current.describe])
        }
    }

    /// `life_safety`.
    private mutating func clauseLifeSafety(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        // A bare keyword: maintenance silences never hide this rule's red events.
        try once(rule.lifeSafety, keyword)
        rule.lifeSafety = keyword.range
    }

    /// `downgrade`.
    private mutating func clauseDowngrade(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.downgrade?.level, keyword)
        try expectWord("to", "after 'downgrade'")
        let level = try parseLevel("after 'downgrade to'")
        try expectWord("when", "after 'downgrade to LEVEL'")
        rule.downgrade = (level, try parseExpression())
    }

    /// `flapping`.
    private mutating func clauseFlapping(_ keyword: Token, _ rule: inout RuleSyntax) throws(Failure) {
        try once(rule.flapping?.n, keyword)
        let n = try parseNumber("after 'flapping'")
        try expectWord("within", "after the number in 'flapping N within DURATION'")
        let within = try parseDuration("after 'within'")
        // What follows is how the flapping event looks: not part of what decides the rule's state.
        conditionEnd = position
        var flapping = FlappingSyntax(n: n, within: within, range: keyword.range)
        while !current.startsLine, current.kind != .end, !current.isSymbol("}") {
            if current.isWord("level") {
                let levelWord = advance()
                if flapping.level != nil { throw fail("'level' given twice in 'flapping'", at: levelWord, .givenTwiceInFlapping, ["level"]) }
                flapping.level = try parseLevel("after 'flapping … level'")
            } else if current.isWord("title") {
                let titleWord = advance()
                if flapping.title != nil { throw fail("'title' given twice in 'flapping'", at: titleWord, .givenTwiceInFlapping, ["title"]) }
                flapping.title = try parseTemplate("after 'flapping … title'")
            } else {
                throw fail("expected 'level' or 'title' after 'flapping N within DURATION', found \(current.describe)", .expectedFlappingOption, [current.describe])
            }
        }
        flapping.range = span(from: keyword.range)
        rule.flapping = flapping
    }

    /// The rest of `escalate after DURATION [unless acknowledged|unless onsite] [to LEVEL] [bring in TARGETS]
    /// [report in]`, on one line; a target is a team (`"fire"`, `device.grid`) or `emergency contact`.
    private mutating func parseEscalationStep(_ keyword: Token) throws(Failure) -> EscalationStepSyntax {
        var step = EscalationStepSyntax(after: try parseDuration("after 'escalate after'"), range: keyword.range)
        while !current.startsLine, current.kind != .end, !current.isSymbol("}") {
            let word = current
            if word.isWord("unless") {
                advance()
                if step.unless != nil { throw fail("'unless' given twice in one escalation step", at: word, .givenTwiceInStep, ["unless"]) }
                guard current.isWord("acknowledged") || current.isWord("onsite") else {
                    throw fail("expected 'acknowledged' or 'onsite' after 'unless' in an escalation step, found \(current.describe)", .expectedUnlessCondition, [current.describe])
                }
                step.unless = Located(value: current.identifier ?? "", range: advance().range)
            } else if word.isWord("to") {
                advance()
                if step.level != nil { throw fail("'to' given twice in one escalation step", at: word, .givenTwiceInStep, ["to"]) }
                step.level = try parseLevel("after 'to' in an escalation step")
            } else if word.isWord("bring") {
                advance()
                if !step.teams.isEmpty || step.emergencyContact != nil { throw fail("'bring in' given twice in one escalation step", at: word, .givenTwiceInStep, ["bring in"]) }
                try expectWord("in", "after 'bring'")
                repeat {
                    if current.isWord("emergency"), nextToken.isWord("contact") {
                        let start = advance().range
                        advance()
                        step.emergencyContact = span(from: start)
                    } else {
                        step.teams.append(try parsePrimary())
                    }
                } while try consumeComma()
            } else if word.isWord("report") {
                advance()
                if step.reportIn != nil { throw fail("'report in' given twice in one escalation step", at: word, .givenTwiceInStep, ["report in"]) }
                try expectWord("in", "after 'report'")
                step.reportIn = span(from: word.range)
            } else {
                throw fail("expected 'unless', 'to', 'bring in' or 'report in' in an escalation step, found \(current.describe)", .expectedStepClause, [current.describe])
            }
        }
        step.range = span(from: keyword.range)
        return step
    }

    private mutating func consumeComma() throws(Failure) -> Bool {
        guard current.isSymbol(",") else { return false }
        advance()
        return true
    }

    /// The duration of a `KEYWORD WORD DURATION` clause (`ack within 5m`, `renotify every 10m`),
    /// after checking the rule does not have the clause yet (`existing`).
    private mutating func parseDurationClause(_ existing: Located<Int64>?, _ keyword: Token, _ name: String,
                                              _ word: String) throws(Failure) -> Located<Int64> {
        try once(existing, keyword)
        try expectWord(word, "after '\(name)'")
        return try parseDuration("after '\(name) \(word)'")
    }

    private mutating func parseDuration(_ context: String) throws(Failure) -> Located<Int64> {
        guard case .duration(let ms) = current.kind else {
            if case .number = current.kind {
                throw fail("a duration needs a unit (ms, s, m, h or d), e.g. '30s'", .durationNeedsUnit)
            }
            throw fail("expected a duration (e.g. 30s, 10m, 48h) \(context), found \(current.describe)")
        }
        return Located(value: ms, range: advance().range)
    }

    private mutating func parseNumber(_ context: String) throws(Failure) -> Located<Double> {
        guard case .number(let value) = current.kind else { throw fail("expected a number \(context), found \(current.describe)") }
        return Located(value: value, range: advance().range)
    }

    private mutating func parseLevel(_ context: String) throws(Failure) -> Located<String> {
        guard let name = current.identifier else {
            throw fail("expected a level (green, yellow or red) \(context), found \(current.describe)", .expectedLevel, [context, current.describe])
        }
        return Located(value: name, range: advance().range)
    }

    private mutating func parseTemplate(_ context: String) throws(Failure) -> TemplateSyntax {
        guard case .string(let text) = current.kind else { throw fail("expected a quoted text \(context), found \(current.describe)") }
        return TemplateSyntax(text: text, range: advance().range)
    }

    private mutating func parseDays() throws(Failure) -> Located<Set<Int>> {
        let start = current.range
        var days = Set<Int>()
        repeat {
            let first = try parseDay()
            if current.isSymbol("-") {
                advance()
                let last = try parseDay()
                var day = first
                while true {
                    days.insert(day)
                    if day == last { break }
                    day = day % 7 + 1
                }
            } else {
                days.insert(first)
            }
        } while try consumeComma()
        return Located(value: days, range: span(from: start))
    }

    private mutating func parseDay() throws(Failure) -> Int {
        guard let name = current.identifier, let index = Self.dayNames.firstIndex(of: name.lowercased()) else {
            throw fail("expected a day (mon, tue, wed, thu, fri, sat, sun), found \(current.describe)", .expectedDay, [current.describe])
        }
        advance()
        return index + 1
    }

    // MARK: Expressions

    private mutating func parseExpression() throws(Failure) -> ExprSyntax { try parseOr() }

    private mutating func binaryLoop(_ ops: [String], words: Bool, _ operand: (inout Parser) throws(Failure) -> ExprSyntax) throws(Failure) -> ExprSyntax {
        var lhs = try operand(&self)
        while true {
            let op: String? = ops.first { words ? current.isWord($0) : current.isSymbol($0) }
            guard let op else { return lhs }
            advance()
            let rhs = try operand(&self)
            lhs = ExprSyntax(kind: .binary(op, lhs, rhs), range: SourceRange(file: file, start: lhs.range.start, end: rhs.range.end))
        }
    }

    private mutating func parseOr() throws(Failure) -> ExprSyntax {
        try binaryLoop(["or"], words: true) { (p: inout Parser) throws(Failure) in try p.parseAnd() }
    }
    private mutating func parseAnd() throws(Failure) -> ExprSyntax {
        try binaryLoop(["and"], words: true) { (p: inout Parser) throws(Failure) in try p.parseNot() }
    }
    private mutating func parseNot() throws(Failure) -> ExprSyntax {
        if current.isWord("not") {
            let start = advance().range
            let operand = try parseNot()
            return ExprSyntax(kind: .unary("not", operand), range: SourceRange(file: file, start: start.start, end: operand.range.end))
        }
        return try parseComparison()
    }
    private mutating func parseComparison() throws(Failure) -> ExprSyntax {
        let lhs = try parseAdditive()
        var op: String?
        for symbol in ["==", "!=", "<=", ">=", "<", ">"] where current.isSymbol(symbol) { op = symbol; break }
        if current.isSymbol("=") { throw fail("use '==' to compare", .useDoubleEquals) }
        if current.isWord("in") { op = "in" }
        var negate = false
        if current.isWord("not"), nextToken.isWord("in") {
            advance()
            op = "in"
            negate = true
        }
        guard let op else { return lhs }
        advance()
        let rhs = try parseAdditive()
        let range = SourceRange(file: file, start: lhs.range.start, end: rhs.range.end)
        let comparison = ExprSyntax(kind: .binary(op, lhs, rhs), range: range)
        return negate ? ExprSyntax(kind: .unary("not", comparison), range: range) : comparison
    }
    private mutating func parseAdditive() throws(Failure) -> ExprSyntax {
        try binaryLoop(["+", "-"], words: false) { (p: inout Parser) throws(Failure) in try p.parseMultiplicative() }
    }
    private mutating func parseMultiplicative() throws(Failure) -> ExprSyntax {
        try binaryLoop(["*", "/"], words: false) { (p: inout Parser) throws(Failure) in try p.parseUnary() }
    }
    private mutating func parseUnary() throws(Failure) -> ExprSyntax {
        if current.isSymbol("-") || current.isSymbol("!") {
            let token = advance()
            let operand = try parseUnary()
            let op = token.isSymbol("-") ? "-" : "not"
            return ExprSyntax(kind: .unary(op, operand), range: SourceRange(file: file, start: token.range.start, end: operand.range.end))
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(Failure) -> ExprSyntax {
        let token = current
        switch token.kind {
        case .number(let value):
            advance()
            return ExprSyntax(kind: .number(value), range: token.range)
        case .string(let value):
            advance()
            return ExprSyntax(kind: .string(value), range: token.range)
        case .duration(let ms):
            advance()
            return ExprSyntax(kind: .duration(ms), range: token.range)
        case .symbol("("):
            advance()
            let inner = try parseOr()
            try expectSymbol(")", "to close '('")
            return ExprSyntax(kind: inner.kind, range: span(from: token.range))
        case .symbol("["):
            advance()
            var items: [ExprSyntax] = []
            if !current.isSymbol("]") {
                repeat { items.append(try parseAdditive()) } while try consumeComma()
            }
            try expectSymbol("]", "to close the list")
            return ExprSyntax(kind: .list(items), range: span(from: token.range))
        case .identifier(let word):
            switch word {
            case "true", "false":
                advance()
                return ExprSyntax(kind: .bool(word == "true"), range: token.range)
            case "has":
                advance()
                let path = try parsePath()
                return ExprSyntax(kind: .has(path), range: span(from: token.range))
            case "exists":
                advance()
                try expectSymbol("(", "after 'exists'")
                let path = try parsePath()
                try expectSymbol(")", "to close 'exists('")
                return ExprSyntax(kind: .has(path), range: span(from: token.range))
            default:
                return try parsePath()
            }
        default:
            throw fail("expected a value (field, number, string, duration, list or '('), found \(token.describe)", .expectedValue, [token.describe])
        }
    }

    private mutating func parsePath() throws(Failure) -> ExprSyntax {
        let start = current.range
        guard let first = current.identifier else { throw fail("expected a field name, found \(current.describe)", .expectedFieldName, [current.describe]) }
        if Self.clauseWords.contains(first), current.startsLine {
            throw fail("expected a value, found the clause keyword '\(first)'", .clauseKeywordAsValue, [first])
        }
        advance()
        var parts = [first]
        while current.isSymbol(".") {
            advance()
            guard let part = current.identifier else { throw fail("expected a field name after '.', found \(current.describe)", .expectedFieldAfterDot, [current.describe]) }
            parts.append(part)
            advance()
        }
        return ExprSyntax(kind: .path(parts), range: span(from: start))
    }
}
