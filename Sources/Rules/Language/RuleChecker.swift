import FoundationEssentials
import Vocabulary

/// Checks parsed rule files and turns them into `CompiledRule`s, reporting every problem.
struct RuleChecker {
    let options: CompileOptions
    private(set) var diagnostics: [Diagnostic] = []
    /// While checking how a correlation rule's events are presented (title, description, teams): the
    /// `device.*` fields the group is keyed by. A group event concerns several devices, so it must not show one
    /// device's resident, nor (in its title and description) one device's other registry fields as the group's.
    private var groupPresentation: (keyFields: Set<String>, isText: Bool)?

    init(options: CompileOptions) { self.options = options }

    private mutating func report(_ severity: Diagnostic.Severity, _ message: String, _ range: SourceRange,
                                 _ code: DiagnosticCode? = nil, _ arguments: [String] = []) {
        diagnostics.append(Diagnostic(severity: severity, message: message, range: range, code: code?.rawValue ?? "",
                                      arguments: arguments))
    }

    /// Checks one file; rules with errors are left out (the caller refuses the whole set anyway).
    mutating func check(_ file: RuleFileSyntax) -> [CompiledRule] {
        var timeZone = options.defaultTimeZone
        if let zone = file.timeZone {
            // IANA zones come from tzdata's files (`ZoneInfo`), not from ICU.
            if let found = try? ZoneInfo.named(zone.value) {
                timeZone = found
            } else {
                report(.error, "unknown time zone '\(zone.value)' (use an IANA name such as \"Asia/Shanghai\")", zone.range, .unknownTimeZone, [zone.value])
            }
        }
        return file.rules.compactMap { check($0, timeZone: timeZone) }
    }

    // MARK: Rules

    /// Checks one rule, section by section in the order its diagnostics are reported; nil when it has errors.
    private mutating func check(_ rule: RuleSyntax, timeZone: ZoneInfo) -> CompiledRule? {
        let errorsBefore = errorCount
        let name = rule.name.value
        let (filters, kinds) = topicFilters(of: rule, errorsBefore: errorsBefore)
        let trigger = self.trigger(of: rule, kinds: kinds)
        let isAbsence: Bool = if case .message = trigger { false } else { true }
        checkHold(of: rule)
        var conditions = self.conditions(of: rule, kinds: kinds)
        let level = rule.level.flatMap { levelValue($0) } ?? .red
        let flapping = self.flapping(of: rule, level: level, isAbsence: isAbsence, kinds: kinds)
        let (escalateTo, downgrade) = levelChanges(of: rule, level: level, kinds: kinds)
        let presentation = self.presentation(of: rule, level: level, kinds: kinds)
        checkDurations(of: rule)
        let escalation = rule.escalationSteps.compactMap { escalationStep($0, level: level, kinds) }
        if let lifeSafety = rule.lifeSafety, level < .red, escalateTo != .red, !escalation.contains(where: { $0.level == .red }) {
            report(.warning, "'life_safety' keeps only red events visible under a silence, and rule '\(name)' raises \(level.rawValue) and never escalates to red", lifeSafety, .lifeSafetyNotRed, [name, level.rawValue])
        }
        conditions.window = self.window(of: rule, timeZone: timeZone)
        let (hash, conditionHash) = fingerprints(of: rule, timeZone: timeZone)
        guard errorsBefore == errorCount else { return nil }
        let handling = CompiledRule.Handling(mergeWithinMillis: rule.merge?.value, renotifyMillis: rule.renotifyEvery?.value,
                                             clearAfterMillis: rule.clearAfter?.value,
                                             downgrade: downgrade.map { (level: $0.0, condition: $0.1) })
        let deadlines = CompiledRule.Deadlines(ackWithinSeconds: rule.ackWithin.map { $0.value / 1000 },
                                               onsiteWithinSeconds: rule.onsiteWithin.map { $0.value / 1000 },
                                               escalateTo: escalateTo, escalation: escalation, lifeSafety: rule.lifeSafety != nil)
        return CompiledRule(name: name, fingerprint: hash, conditionFingerprint: conditionHash, filters: filters, trigger: trigger,
                            conditions: conditions, flapping: flapping, presentation: presentation, handling: handling,
                            deadlines: deadlines)
    }

    /// Errors reported so far (a rule with new errors is left out).
    private var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }

    /// The rule's topic filters, and the device kinds they fix (nil: any kind).
    private mutating func topicFilters(of rule: RuleSyntax, errorsBefore: Int) -> ([CompiledFilter], Set<String>?) {
        let name = rule.name.value
        var filters: [CompiledFilter] = []
        for shorthand in rule.segmentFilters {
            if let compiled = compileSegmentFilter(shorthand) { filters.append(compiled) }
        }
        if rule.filters.isEmpty, rule.segmentFilters.isEmpty, !rule.written.contains("on") {
            report(.error, "rule '\(name)' has no 'on' clause (which topics it listens to)", rule.name.range, .noOnClause, [name])
        }
        for filter in rule.filters {
            if let compiled = compileFilter(filter) { filters.append(compiled) }
        }
        if !rule.filters.isEmpty || !rule.segmentFilters.isEmpty, filters.isEmpty, errorsBefore == diagnostics.filter({ $0.severity == .error }).count {
            report(.warning, "rule '\(name)' is unreachable: none of its topic filters can match the topic layout", rule.name.range, .unreachableRule, [name])
        }
        let kinds: Set<String>? = filters.isEmpty ? nil : {
            var kinds = Set<String>()
            for filter in filters {
                guard let kind = filter.required("kind") else { return nil }
                kinds.insert(kind)
            }
            return kinds
        }()

        return (filters, kinds)
    }

    /// The trigger (a message, or an absence), with what an absence rule cannot be combined with.
    private mutating func trigger(of rule: RuleSyntax, kinds: Set<String>?) -> CompiledRule.Trigger {
        let name = rule.name.value
        var trigger = CompiledRule.Trigger.message
        if let absent = rule.absent {
            positive(absent, "absent")
            trigger = .absent(absent.value)
            if let silent = rule.silent { report(.error, "use either 'absent' or 'silent', not both", silent.range, .absentAndSilent) }
        } else if let silent = rule.silent {
            if silent.value <= 0 { report(.error, "the multiplier of 'silent' must be positive", silent.range, .silentNotPositive) }
            trigger = .silent(silent.value)
        }
        let isAbsence: Bool = if case .message = trigger { false } else { true }
        if isAbsence {
            let conflicts: [(String, SourceRange?)] = [
                ("count", rule.count?.n.range), ("correlate", rule.correlate?.n.range), ("for", rule.holdFor?.range),
                ("at once when", rule.atOnce?.range), ("clear when", rule.clearWhen?.range),
                ("unless recently", rule.unlessRecently?.within.range),
            ]
            for case (let clause, let range?) in conflicts {
                report(.error, "'\(clause)' cannot be used in an absence rule ('absent'/'silent' rules clear on the device's next message)", range, .notInAbsenceRule, [clause])
            }
            if let by = rule.absentByResident, let known = options.residentKinds,
               kinds.map({ $0.isDisjoint(with: known) }) ?? known.isEmpty {
                let which = kinds.map { "no \($0.sorted().joined(separator: " or ")) device" } ?? "no device"
                report(.warning, "'by resident' keys on the registry's resident_id, but \(which) in the registry has one: each device counts as its own resident", by)
            }
            if rule.silent != nil, rule.when != nil {
                report(.warning, "'silent' counts every message from the device; 'when' is ignored (use 'absent' to count only matching messages)", rule.when?.range ?? rule.name.range, .silentIgnoresWhen)
            }
        } else if rule.when == nil, !rule.written.contains("when") {
            report(.error, "rule '\(name)' needs a 'when' condition (or 'absent'/'silent' for absence rules)", rule.name.range, .needsWhen, [name])
        }
        if rule.correlate != nil, let recently = rule.unlessRecently {
            report(.error, "'unless recently' cannot be combined with 'correlate' (it looks at one device's own messages)", recently.within.range, .recentlyWithCorrelate)
        }
        if rule.count != nil, let correlate = rule.correlate {
            report(.error, "use either 'count' or 'correlate', not both", correlate.n.range, .countAndCorrelate)
        }
        return trigger
    }

    /// `for` and `at once when`.
    private mutating func checkHold(of rule: RuleSyntax) {
        if let hold = rule.holdFor {
            positive(hold, "for")
            if rule.clearWhen == nil, !rule.written.contains("clear") {
                report(.warning, "nothing can cancel this 'for' (the rule has no 'clear when'): it only delays the raise", hold.range, .forWithoutClear)
            }
            if rule.count != nil {
                report(.error, "'for' cannot be combined with 'count'", hold.range, .forWithCount)
            }
            if let atOnce = rule.atOnce, rule.correlate != nil {
                report(.error, "'at once when' cannot be combined with 'correlate' (a device counts once its condition held for 'for')", atOnce.range, .atOnceWithCorrelate)
            }
        } else if let atOnce = rule.atOnce {
            report(.warning, "'at once when' only matters together with 'for'", atOnce.range, .atOnceWithoutFor)
        }

    }

    /// The rule's conditions and counting clauses, compiled (all but `during`/`days`, which need the time zone).
    private mutating func conditions(of rule: RuleSyntax, kinds: Set<String>?) -> CompiledRule.Conditions {
        let name = rule.name.value
        let when = rule.when.map { condition($0, kinds) }
        if let when, let whenSyntax = rule.when, let value = constantValue(when), value != .bool(true) {
            report(.warning, "rule '\(name)' can never fire: its 'when' condition is always false", whenSyntax.range, .neverFires, [name])
        }
        let whereCondition = rule.whereCondition.map { condition($0, kinds) }
        let atOnce = rule.atOnce.map { condition($0, kinds) }
        let unless = rule.unless.map { condition($0, kinds) }
        let clearWhen = rule.clearWhen.map { condition($0, kinds) }
        var recently: (condition: RuleExpr, withinMillis: Int64)?
        if let r = rule.unlessRecently {
            positive(r.within, "within")
            recently = (condition(r.condition, kinds), r.within.value)
        }
        var count: (n: Int, withinMillis: Int64)?
        if let c = rule.count {
            positive(c.within, "within")
            if c.n.value < 1 || c.n.value != c.n.value.rounded() || c.n.value > 100_000 {
                report(.error, "'count' needs a whole number from 1 to 100000", c.n.range, .countRange)
            }
            count = (Int(max(1, min(c.n.value, 100_000))), c.within.value)
        }
        var correlate: CompiledRule.Correlate?
        if let c = rule.correlate {
            positive(c.within, "within")
            if c.n.value < 2 || c.n.value != c.n.value.rounded() || c.n.value > 10_000 {
                report(.error, "'correlate' needs a whole number of devices from 2 to 10000", c.n.range, .correlateRange)
            }
            let by = c.by.map { syntax -> (label: String, expr: RuleExpr) in
                let label: String = if case .path(let parts) = syntax.kind { parts.last ?? "group" } else { "group" }
                return (label, value(syntax, kinds).expr)
            }
            let n = Int(max(2, min(c.n.value, 10_000)))
            correlate = (n, by, c.within.value, c.including.map { including(n: n, $0, kinds) })
        }

        return CompiledRule.Conditions(when: when, whereCondition: whereCondition, holdForMillis: rule.holdFor?.value, atOnce: atOnce,
                                       count: count, correlate: correlate, recently: recently, unless: unless, clearWhen: clearWhen,
                                       perResident: rule.absent != nil && rule.absentByResident != nil)
    }

    /// `flapping N within D [level L] [title "T"]`.
    private mutating func flapping(of rule: RuleSyntax, level: AlertLevel, isAbsence: Bool, kinds: Set<String>?) -> CompiledRule.Flapping? {
        var flapping: CompiledRule.Flapping?
        if let f = rule.flapping {
            positive(f.within, "flapping … within")
            if f.n.value < 2 || f.n.value != f.n.value.rounded() || f.n.value > 1_000 {
                report(.error, "'flapping' needs a whole number of pulses from 2 to 1000", f.n.range, .flappingRange)
            }
            if isAbsence {
                report(.error, "'flapping' cannot be used in an absence rule (it counts a device's alarms that come and go)", f.range, .flappingInAbsenceRule)
            } else if rule.correlate != nil || rule.count != nil {
                report(.error, "'flapping' cannot be combined with '\(rule.correlate != nil ? "correlate" : "count")' (it counts one device's pulses)", f.range, .flappingWithGroup, [rule.correlate != nil ? "correlate" : "count"])
            }
            if rule.clearWhen == nil, !rule.written.contains("clear") {
                report(.error, "'flapping' needs a 'clear when' condition: a pulse is the device's condition coming back after it cleared", f.range, .flappingNeedsClear)
            }
            let flapLevel = f.level.flatMap { levelValue($0) } ?? level
            if flapLevel > level {
                report(.warning, "the flapping level '\(flapLevel.rawValue)' is above the rule's level '\(level.rawValue)'", f.level?.range ?? f.range, .flappingLevelAbove, [flapLevel.rawValue, level.rawValue])
            }
            var flapTitle: RuleTemplate?
            if let t = f.title { flapTitle = template(t, kinds) }
            flapping = .init(n: Int(max(2, min(f.n.value, 1_000))), withinMillis: f.within.value, level: flapLevel, title: flapTitle)
        }
        return flapping
    }

    /// `level` (required), `escalate to` and `downgrade to … when`.
    private mutating func levelChanges(of rule: RuleSyntax, level: AlertLevel, kinds: Set<String>?)
        -> (escalateTo: AlertLevel?, downgrade: (AlertLevel, RuleExpr)?) {
        let name = rule.name.value
        if rule.level == nil, !rule.written.contains("level") { report(.error, "rule '\(name)' needs a 'level' (green, yellow or red)", rule.name.range, .needsLevel, [name]) }
        let escalateTo = rule.escalateTo.flatMap { levelValue($0) }
        if let escalateTo, let range = rule.escalateTo?.range, escalateTo <= level {
            report(.warning, "'escalate to \(escalateTo.rawValue)' is not above the rule's level '\(level.rawValue)'", range, .escalateNotAbove, [escalateTo.rawValue, level.rawValue])
        }
        var downgrade: (AlertLevel, RuleExpr)?
        if let d = rule.downgrade, let target = levelValue(d.level) {
            if target >= level { report(.warning, "'downgrade to \(target.rawValue)' is not below the rule's level '\(level.rawValue)'", d.level.range, .downgradeNotBelow, [target.rawValue, level.rawValue]) }
            downgrade = (target, condition(d.condition, kinds))
        }
        return (escalateTo, downgrade)
    }

    /// Title, description and teams; for a correlation, only what the group's events may say.
    private mutating func presentation(of rule: RuleSyntax, level: AlertLevel, kinds: Set<String>?) -> CompiledRule.Presentation {
        let name = rule.name.value
        if let c = rule.correlate {
            let keyFields = c.by.compactMap { syntax -> String? in
                if case .path(let parts) = syntax.kind, parts.count == 2, parts[0] == "device" { return parts[1] }
                return nil
            }
            groupPresentation = (Set(keyFields), true)
        }
        defer { groupPresentation = nil }
        let title: RuleTemplate
        if let t = rule.title {
            title = template(t, kinds)
        } else {
            if !rule.written.contains("title") { report(.warning, "rule '\(name)' has no 'title'; events will be titled '\(name) on DEVICE'", rule.name.range, .noTitle, [name]) }
            title = RuleTemplate(pieces: [.text("\(name) on "), .value(.device(.id))])
        }
        let description = rule.description.map { template($0, kinds) } ?? RuleTemplate(pieces: [])
        groupPresentation?.isText = false
        let teams = rule.teams.map { value($0, kinds).expr }
        groupPresentation = nil
        return CompiledRule.Presentation(level: level, title: title, description: description, teams: teams)
    }

    /// Durations of the handling clauses.
    private mutating func checkDurations(of rule: RuleSyntax) {
        for duration in [rule.ackWithin, rule.onsiteWithin, rule.renotifyEvery, rule.clearAfter, rule.merge].compactMap({ $0 }) {
            positive(duration, "this clause")
        }
        if let renotify = rule.renotifyEvery, renotify.value < 10_000 {
            report(.error, "'renotify every' must be at least 10s", renotify.range, .renotifyTooShort)
        }
    }

    /// `during` and `days`, in the rule file's time zone.
    private mutating func window(of rule: RuleSyntax, timeZone: ZoneInfo) -> TimeWindow? {
        var window: TimeWindow?
        if rule.during != nil || rule.days != nil {
            window = TimeWindow(minutes: nil, days: rule.days?.value, timeZone: timeZone)
            if let during = rule.during {
                if during.start == during.end || (during.start == 0 && during.end == 24 * 60) {
                    report(.error, "'during' window is empty or the whole day", during.range, .duringEmpty)
                }
                window?.minutes = (during.start, during.end)
            }
        }
        return window
    }

    /// The fingerprints of the whole rule and of the clauses that decide its state (kept across a reload).
    private func fingerprints(of rule: RuleSyntax, timeZone: ZoneInfo) -> (UInt64, UInt64) {
        let layoutText = options.layout.segments.map { if case .named(let n) = $0 { "{\(n)}" } else if case .literal(let l) = $0 { l } else { "" } }.joined(separator: "/")
        var hash = FNV1a()
        hash.combine(field: rule.canonicalText)
        hash.combine(field: timeZone.identifier)
        hash.combine(field: layoutText)
        var conditionHash = FNV1a()
        conditionHash.combine(field: rule.conditionText)
        conditionHash.combine(field: timeZone.identifier)
        conditionHash.combine(field: layoutText)
        return (hash.value, conditionHash.value)
    }

    /// One `escalate after …` step: something to do (a level or targets), `report in` only for teams.
    private mutating func escalationStep(_ step: EscalationStepSyntax, level: AlertLevel, _ kinds: Set<String>?)
        -> CompiledRule.EscalationStep? {
        if step.after.value < 0 { report(.error, "the delay of 'escalate after' cannot be negative", step.after.range, .escalateAfterNegative) }
        let target = step.level.flatMap { levelValue($0) }
        if let target, let range = step.level?.range, target <= level {
            report(.warning, "'to \(target.rawValue)' is not above the rule's level '\(level.rawValue)': the step changes no level", range, .stepLevelNotAbove, [target.rawValue, level.rawValue])
        }
        if step.teams.isEmpty, step.emergencyContact == nil, step.level == nil {
            report(.error, "an escalation step needs 'bring in TEAMS' or 'to LEVEL' (it would do nothing)", step.range, .stepDoesNothing)
        }
        if let reportIn = step.reportIn, step.teams.isEmpty {
            report(.error, "'report in' needs teams to report in ('bring in \"fire\" report in'); an emergency contact does not report in", reportIn, .reportInNeedsTeams)
        }
        if let unless = step.unless, step.after.value == 0 {
            report(.warning, "'unless \(unless.value)' on a step after 0s: nobody can have acted yet, so the step always runs", unless.range, .unlessAtZero, [unless.value])
        }
        let teams = step.teams.map { value($0, kinds).expr }
        let condition: RuleEscalationStep.Condition = switch step.unless?.value {
        case "acknowledged": .unacknowledged
        case "onsite": .notOnsite
        default: .open
        }
        return CompiledRule.EscalationStep(afterMillis: max(step.after.value, 0), condition: condition, level: target, teams: teams,
                                           emergencyContact: step.emergencyContact != nil, reportIn: step.reportIn != nil)
    }

    /// `including M KIND` of a `correlate N devices` clause. Members are of the kind of the topics they report
    /// on, so a kind the rule does not listen to could never count (an error); with no fixed kinds, one no
    /// device of docs/domain.md has is likely misspelt (a warning, as for unknown payload fields).
    private mutating func including(n: Int, _ syntax: (n: Located<Double>, kind: Located<String>), _ kinds: Set<String>?)
        -> (n: Int, kind: String) {
        let m = syntax.n.value
        if m < 1 || m != m.rounded() || m > 10_000 {
            report(.error, "'including' needs a whole number of devices from 1 to 10000", syntax.n.range, .includingRange)
        } else if Int(m) > n {
            report(.error, "'including \(Int(m)) \(syntax.kind.value)' asks for more devices than the group counts (\(n)): it could never fire", syntax.n.range, .includingMoreThanGroup, [String(Int(m)), syntax.kind.value, String(n)])
        }
        let kind = syntax.kind.value
        if let kinds, !kinds.contains(kind) {
            report(.error, "rule listens only to \(kinds.sorted().joined(separator: "/")) devices: no '\(kind)' device can count, so the group could never fire", syntax.kind.range, .includingKindNotListened, [kinds.sorted().joined(separator: "/"), kind])
        } else if kinds == nil, KnownFields.byKind[kind] == nil {
            let known = KnownFields.byKind.keys.sorted().joined(separator: ", ")
            report(.warning, "unknown device kind '\(kind)' (known kinds: \(known))", syntax.kind.range, .unknownKind, [kind, known])
        }
        return (Int(max(1, min(m, 10_000))), kind)
    }

    private mutating func positive(_ duration: Located<Int64>, _ clause: String) {
        if duration.value <= 0 { report(.error, "the duration of '\(clause)' must be positive", duration.range, .durationNotPositive, [clause]) }
    }

    private mutating func levelValue(_ level: Located<String>) -> AlertLevel? {
        if let value = AlertLevel(rawValue: level.value) { return value }
        report(.error, "unknown level '\(level.value)' (use green, yellow or red)", level.range, .unknownLevel, [level.value])
        return nil
    }

    /// `on kind smoke channel event`, resolved against the layout's named segments.
    private mutating func compileSegmentFilter(_ shorthand: Located<[String: String?]>) -> CompiledFilter? {
        var constraints: [CompiledFilter.Constraint] = []
        for (segment, value) in shorthand.value.sorted(by: { $0.key < $1.key }) {
            guard let value else { continue }
            guard let slot = options.layout.slot(of: segment) else {
                report(.error, "the topic layout has no segment '\(segment)'", shorthand.range, .noLayoutSegment, [segment])
                return nil
            }
            constraints.append(.init(segment: segment, slot: slot, value: value))
        }
        let layoutText = options.layout.segments.map { segment -> String in
            switch segment {
            case .literal(let l): return l
            case .named(let n): return constraints.first { $0.segment == n }?.value ?? "+"
            }
        }.joined(separator: "/")
        return CompiledFilter(text: layoutText, constraints: constraints)
    }

    private mutating func compileFilter(_ filter: Located<String>) -> CompiledFilter? {
        let levels = filter.value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for (i, level) in levels.enumerated() {
            if level == "#" && i != levels.count - 1 || level.contains("#") && level != "#" || level.contains("+") && level != "+" {
                report(.error, "bad topic filter '\(filter.value)': '+' and '#' must fill a whole level, and '#' must be last", filter.range, .badTopicFilter, [filter.value])
                return nil
            }
        }
        let layout = options.layout.segments
        var constraints: [CompiledFilter.Constraint] = []
        var unreachable: String?
        var wholeTail = false
        for (i, level) in levels.enumerated() {
            if level == "#" { wholeTail = true; break }
            guard i < layout.count else { unreachable = "it has more levels than the topic layout"; break }
            switch layout[i] {
            case .literal(let literal):
                if level != "+" && level != literal { unreachable = "level \(i + 1) is '\(level)' but the layout requires '\(literal)'" }
            case .named(let name):
                if level != "+" { constraints.append(.init(segment: name, slot: options.layout.slot(of: name) ?? -1, value: level)) }
            }
        }
        if unreachable == nil, !wholeTail, levels.count != layout.count {
            unreachable = "it has \(levels.count) levels but topics have \(layout.count)"
        }
        if let unreachable {
            report(.warning, "topic filter '\(filter.value)' can never match: \(unreachable)", filter.range)
            return nil
        }
        return CompiledFilter(text: filter.value, constraints: constraints)
    }

    // MARK: Expressions

    /// Checks an expression used as a condition.
    private mutating func condition(_ syntax: ExprSyntax, _ kinds: Set<String>?) -> RuleExpr {
        let (expr, type) = value(syntax, kinds)
        if type != .bool && type != .any {
            report(.error, "expected a condition (true or false), found a \(type.rawValue)", syntax.range, .expectedCondition, [type.rawValue])
        }
        return expr
    }

    /// Checks an expression; returns the compiled form and its static type.
    private mutating func value(_ syntax: ExprSyntax, _ kinds: Set<String>?) -> (expr: RuleExpr, type: StaticType) {
        switch syntax.kind {
        case .error: return (.constant(.missing), .any)
        case .number(let d): return (.constant(.number(d)), .number)
        case .string(let s): return (.constant(.string(s)), .string)
        case .bool(let b): return (.constant(.bool(b)), .bool)
        case .duration(let ms): return (.constant(.number(Double(ms) / 1000)), .number)
        case .list(let items):
            var values: [RuleValue] = []
            for item in items {
                let (expr, _) = value(item, kinds)
                if let constant = constantValue(expr) {
                    values.append(constant)
                } else {
                    report(.error, "list items must be literals (strings, numbers, true/false)", item.range, .listItemsLiterals)
                }
            }
            return (.constant(.list(values)), .list)
        case .path(let parts): return path(parts, syntax.range, kinds)
        case .has(let inner):
            let (expr, _) = value(inner, kinds)
            return (.has(expr), .bool)
        case .unary(let op, let operand):
            if op == "not" { return (.not(condition(operand, kinds)), .bool) }
            let (expr, type) = value(operand, kinds)
            if type != .number && type != .any { report(.error, "'-' needs a number, found a \(type.rawValue)", syntax.range, .minusNeedsNumber, [type.rawValue]) }
            return (.negate(expr), .number)
        case .binary(let op, let lhs, let rhs):
            switch op {
            case "and": return (.and(condition(lhs, kinds), condition(rhs, kinds)), .bool)
            case "or": return (.or(condition(lhs, kinds), condition(rhs, kinds)), .bool)
            case "in":
                let (a, at) = value(lhs, kinds)
                let (b, bt) = value(rhs, kinds)
                if bt != .list && bt != .any { report(.error, "'in' needs a list on its right, like [\"a\", \"b\"]", rhs.range, .inNeedsList) }
                if at != .any, case .constant(.list(let items)) = b,
                   let wrong = items.first(where: { Self.staticType(of: $0) != at }) {
                    report(.error, "the list holds a \(Self.staticType(of: wrong).rawValue) but the value is a \(at.rawValue): it can never match", rhs.range, .listTypeMismatch, [Self.staticType(of: wrong).rawValue, at.rawValue])
                }
                return (.member(a, b), .bool)
            default:
                let (a, at) = value(lhs, kinds)
                let (b, bt) = value(rhs, kinds)
                if let compare = CompareOperator(rawValue: op) {
                    if at != .any, bt != .any, at != bt {
                        report(.error, "cannot compare a \(at.rawValue) with a \(bt.rawValue): the comparison is always false", syntax.range,
                               .cannotCompare, [at.rawValue, bt.rawValue])
                    } else if at == .bool || bt == .bool, compare != .equal, compare != .notEqual {
                        report(.error, "'\(op)' cannot order true/false; use '==' or '!='", syntax.range, .cannotOrderBool, [op])
                    }
                    return (.compare(compare, a, b), .bool)
                }
                let arithmetic = ArithmeticOperator(rawValue: op) ?? .add
                var type = StaticType.number
                if at == .string || bt == .string {
                    type = .string
                    if arithmetic != .add || (at != .string && at != .any) || (bt != .string && bt != .any) {
                        report(.error, "'\(op)' cannot combine a \(at.rawValue) with a \(bt.rawValue)", syntax.range, .cannotCombine, [op, at.rawValue, bt.rawValue])
                    }
                } else if (at != .number && at != .any) || (bt != .number && bt != .any) {
                    report(.error, "'\(op)' needs numbers, found a \(at.rawValue) and a \(bt.rawValue)", syntax.range, .needsNumbers, [op, at.rawValue, bt.rawValue])
                } else if at == .any && bt == .any {
                    type = .any
                }
                return (.arithmetic(arithmetic, a, b), type)
            }
        }
    }

    private mutating func path(_ parts: [String], _ range: SourceRange, _ kinds: Set<String>?) -> (expr: RuleExpr, type: StaticType) {
        let root = parts[0]
        switch root {
        case "device", "resident", "topic":
            guard parts.count == 2 else {
                report(.error, "'\(root)' needs one field name, like '\(root).\(root == "topic" ? "device" : "address")'", range, .needsOneField, [root, root == "topic" ? "device" : "address"])
                return (.constant(.missing), .any)
            }
            let field = parts[1]
            if let group = groupPresentation {
                if root == "resident" {
                    report(.error, "a group event concerns several devices: 'resident.\(field)' would show one device's resident as the group's", range, .residentInGroup, [field])
                    return (.constant(.missing), .any)
                }
                if root == "device", group.isText, !group.keyFields.contains(field), field != "id" {
                    report(.warning, "'device.\(field)' in a group event's text is one device's (the one that completed the group), not the group's; group by it or leave it out", range, .deviceFieldInGroupText, [field])
                }
            }
            if root == "device" {
                if let builtIn = DeviceField.builtIn[field] { return (.device(builtIn), KnownFields.deviceTypes[field] ?? .string) }
                if let columns = options.deviceColumns {
                    if columns.contains(field) { return (.device(.extra(field)), .string) }
                    let hint = KnownFields.suggestion(for: field, among: Array(KnownFields.deviceTypes.keys) + Array(columns)).map { "; did you mean 'device.\($0)'?" } ?? ""
                    report(.error, "unknown registry field 'device.\(field)'\(hint)", range, hint.isEmpty ? .unknownRegistryField : nil, [field])
                    return (.constant(.missing), .any)
                }
                if let hint = KnownFields.suggestion(for: field, among: KnownFields.deviceTypes.keys) {
                    report(.error, "unknown registry field 'device.\(field)'; did you mean 'device.\(hint)'?", range, .unknownRegistryFieldDidYouMean, [field, hint])
                    return (.constant(.missing), .any)
                }
                return (.device(.extra(field)), .string)
            }
            if root == "resident" {
                if let resident = ResidentField(rawValue: field) { return (.resident(resident), KnownFields.residentTypes[field] ?? .string) }
                let hint = KnownFields.suggestion(for: field, among: KnownFields.residentTypes.keys).map { "; did you mean 'resident.\($0)'?" } ?? ""
                report(.error, "unknown resident field 'resident.\(field)'\(hint) (known: \(KnownFields.residentNames.joined(separator: ", ")))", range)
                return (.constant(.missing), .any)
            }
            guard let slot = options.layout.slot(of: field) else {
                report(.error, "the topic layout has no segment '\(field)' (it has: \(options.layout.segmentNames.joined(separator: ", ")))", range, .noLayoutSegmentListed, [field, options.layout.segmentNames.joined(separator: ", ")])
                return (.constant(.missing), .any)
            }
            return (.topic(field, slot: slot), .string)
        default:
            if parts.count > 1 { return (.fieldPath(parts), .any) }
            guard let type = KnownFields.type(of: root, kinds: kinds) else {
                let known = (kinds ?? []).flatMap { KnownFields.byKind[$0]?.keys.map { $0 } ?? [] } + KnownFields.common.keys
                let hint = KnownFields.suggestion(for: root, among: known).map { "; did you mean '\($0)'?" } ?? ""
                report(.warning, "field '\(root)' is not sent by \((kinds ?? []).sorted().joined(separator: "/")) devices\(hint)", range)
                return (.field(root), .any)
            }
            return (.field(root), type)
        }
    }

    /// The static type of a literal value.
    private static func staticType(of value: RuleValue) -> StaticType {
        switch value {
        case .number: return .number
        case .string: return .string
        case .bool: return .bool
        case .list: return .list
        case .missing, .null, .object: return .any
        }
    }

    /// The value of an expression that reads no field, or nil.
    private func constantValue(_ expr: RuleExpr) -> RuleValue? {
        func isConstant(_ e: RuleExpr) -> Bool {
            switch e {
            case .constant: return true
            case .not(let x), .negate(let x): return isConstant(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b), .member(let a, let b):
                return isConstant(a) && isConstant(b)
            default: return false
            }
        }
        guard isConstant(expr) else { return nil }
        var context = EvaluationContext(payload: JSONObject(), segments: TopicSegments([:]), deviceID: "", device: nil, awayUntil: nil, now: 0)
        return expr.evaluate(in: &context)
    }

    // MARK: Templates

    private mutating func template(_ syntax: TemplateSyntax, _ kinds: Set<String>?) -> RuleTemplate {
        var pieces: [RuleTemplate.Piece] = []
        var text = ""
        let scalars = Array(syntax.text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "\\", i + 1 < scalars.count, scalars[i + 1] == "{" {
                text += "{"
                i += 2
                continue
            }
            if c == "{" {
                guard let close = scalars[i...].firstIndex(of: "}") else {
                    report(.error, "'{' without a closing '}' in text (write '\\{' for a literal brace)", at(syntax, i), .unclosedPlaceholder)
                    text.unicodeScalars.append(contentsOf: scalars[i...])
                    break
                }
                var name = ""
                name.unicodeScalars.append(contentsOf: scalars[(i + 1)..<close])
                name = name.trimmingWhitespace()
                let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                let valid = !name.isEmpty && parts.allSatisfy { part in
                    !part.isEmpty && part.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0) }
                }
                if !text.isEmpty { pieces.append(.text(text)); text = "" }
                if !valid {
                    report(.error, "bad placeholder '{\(name)}': expected a field name such as {device.address}", at(syntax, i), .badPlaceholder, [name])
                } else if name == "count" {
                    pieces.append(.value(.count))
                } else {
                    pieces.append(.value(path(parts, at(syntax, i), kinds).expr))
                }
                i = close + 1
                continue
            }
            text.unicodeScalars.append(c)
            i += 1
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        return RuleTemplate(pieces: pieces)
    }

    /// The range of the `offset`th character inside a template string literal.
    private func at(_ syntax: TemplateSyntax, _ offset: Int) -> SourceRange {
        var start = syntax.range.start
        start.column += 1 + offset
        return SourceRange(file: syntax.range.file, start: start, end: start)
    }
}
