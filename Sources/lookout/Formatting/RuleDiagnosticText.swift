import Rules
import TerminalText
import Vocabulary

/// The rule compiler's diagnostics in the staff's language: `Rules` gives each common message a code and its
/// values (`DiagnosticCode`) beside the English line, and stays free of gettext; this says them through the catalog.
/// A message without a code, or with a word this cannot say, stays English. `file:line:column` is never translated.
enum RuleDiagnosticText {
    /// `diagnostic` with its message in the user's language (the English one without a catalog).
    static func localized(_ diagnostic: Diagnostic) -> Diagnostic {
        guard Localized.hasCatalog, let code = DiagnosticCode(rawValue: diagnostic.code),
              let text = message(code, diagnostic.arguments) else { return diagnostic }
        var localized = diagnostic
        localized.message = text
        return localized
    }

    /// `file:line:column: error: message` with the severity word in the user's language; the position stays as
    /// compilers write it, so that editors still find it.
    static func headline(_ diagnostic: Diagnostic) -> String {
        let range = diagnostic.range
        let place = "\(range.file):\(range.start.line):\(range.start.column)"
        switch diagnostic.severity {
        case .error: return tr("%1$s: error: %2$s", place, diagnostic.message)
        case .warning: return tr("%1$s: warning: %2$s", place, diagnostic.message)
        case .note: return tr("%1$s: note: %2$s", place, diagnostic.message)
        }
    }

    /// The message of `code` with `values`, nil when a value is missing or a word of it cannot be said.
    static func message(_ code: DiagnosticCode, _ values: [String]) -> String? {
        func value(_ index: Int) -> String? { index < values.count ? values[index] : nil }
        switch code {
        case .unexpectedCharacter: return value(0).map { tr("unexpected character '%1$s'", $0) }
        case .badTimeOfDay: return value(0).map { tr("bad time of day '%1$s' (expected HH:MM, 00:00 to 24:00)", $0) }
        case .badNumber: return value(0).map { tr("bad number '%1$s'", $0) }
        case .unknownDurationUnit: return value(0).map { tr("unknown duration unit '%1$s' (use ms, s, m, h or d)", $0) }
        case .durationTooLong: return value(0).map { tr("duration '%1$s' is too long", $0) }
        case .unknownEscape: return value(0).map { tr("unknown escape '%1$s' in string", $0) }
        case .unterminatedString: return tr("unterminated string")
        case .timezoneTwice: return value(0).map { tr("timezone given twice (first at line %1$s)", $0) }
        case .expectedTimeZoneName: return found(value(0)).map { tr("expected a quoted time zone name after 'timezone', found %1$s", $0) }
        case .expectedRule: return found(value(0)).map { tr("expected 'rule' or 'timezone', found %1$s", $0) }
        case .expectedRuleName: return found(value(0)).map { tr("expected a rule name after 'rule', found %1$s", $0) }
        case .expectedOpenBrace:
            guard let name = value(0), let found = found(value(1)) else { return nil }
            return tr("expected '{' after rule name '%1$s', found %2$s", name, found)
        case .ruleNotClosed: return value(0).map { tr("rule '%1$s' is not closed: expected '}'", $0) }
        case .ruleNotClosedBeforeNext: return value(0).map { tr("rule '%1$s' is not closed: expected '}' before the next rule", $0) }
        case .unexpectedAfterClause: return found(value(0)).map { tr("unexpected %1$s after the clause; put each clause on its own line", $0) }
        case .expectedClause: return found(value(0)).map { tr("expected a clause (on, when, for, level, title, …), found %1$s", $0) }
        case .expectedFieldName: return found(value(0)).map { tr("expected a field name, found %1$s", $0) }
        case .expectedLevel:
            guard let context = value(0), context.hasPrefix("after '"), context.hasSuffix("'"),
                  context.dropFirst(7).dropLast().allSatisfy({ $0 != "'" }), let found = found(value(1)) else { return nil }
            return tr("expected a level (green, yellow or red) after %1$s, found %2$s", String(context.dropFirst(6)), found)
        case .expectedValue: return found(value(0)).map { tr("expected a value (field, number, string, duration, list or '('), found %1$s", $0) }
        case .unknownTimeZone: return value(0).map { tr("unknown time zone '%1$s' (use an IANA name such as \"Asia/Shanghai\")", $0) }
        case .noOnClause: return value(0).map { tr("rule '%1$s' has no 'on' clause (which topics it listens to)", $0) }
        case .unreachableRule: return value(0).map { tr("rule '%1$s' is unreachable: none of its topic filters can match the topic layout", $0) }
        case .needsWhen: return value(0).map { tr("rule '%1$s' needs a 'when' condition (or 'absent'/'silent' for absence rules)", $0) }
        case .neverFires: return value(0).map { tr("rule '%1$s' can never fire: its 'when' condition is always false", $0) }
        case .needsLevel: return value(0).map { tr("rule '%1$s' needs a 'level' (green, yellow or red)", $0) }
        case .noTitle: return value(0).map { tr("rule '%1$s' has no 'title'; events will be titled '%1$s on DEVICE'", $0) }
        case .unknownKind:
            guard let kind = value(0), let known = value(1) else { return nil }
            return tr("unknown device kind '%1$s' (known kinds: %2$s)", kind, known)
        case .durationNotPositive: return value(0).map { tr("the duration of '%1$s' must be positive", $0) }
        case .unknownLevel: return value(0).map { tr("unknown level '%1$s' (use green, yellow or red)", $0) }
        case .cannotCompare:
            guard let a = value(0).flatMap(typeWord), let b = value(1).flatMap(typeWord) else { return nil }
            return tr("cannot compare a %1$s with a %2$s: the comparison is always false", a, b)
        case .unknownRegistryField: return value(0).map { tr("unknown registry field 'device.%1$s'", $0) }
        case .unknownRegistryFieldDidYouMean:
            guard let field = value(0), let hint = value(1) else { return nil }
            return tr("unknown registry field 'device.%1$s'; did you mean 'device.%2$s'?", field, hint)
        case .badPlaceholder: return value(0).map { tr("bad placeholder '{%1$s}': expected a field name such as {device.address}", $0) }
        case .unclosedPlaceholder: return tr("'{' without a closing '}' in text (write '\\{' for a literal brace)")
        case .definedTwice: return value(0).map { tr("rule '%1$s' is defined twice", $0) }
        case .firstDefinedHere: return tr("first defined here")
        case .noRules: return tr("file defines no rules")
        case .noSuchFile: return tr("no such file or directory")
        case .noRuleFiles: return tr("no *.rules files in directory")
        case .cannotRead: return tr("cannot read file")
        case .notUTF8: return tr("file is not valid UTF-8")
        case .absentAndSilent: return tr("use either 'absent' or 'silent', not both")
        case .silentNotPositive: return tr("the multiplier of 'silent' must be positive")
        case .notInAbsenceRule: return value(0).map { tr("'%1$s' cannot be used in an absence rule ('absent'/'silent' rules clear on the device's next message)", $0) }
        case .countAndCorrelate: return tr("use either 'count' or 'correlate', not both")
        case .forWithoutClear: return tr("nothing can cancel this 'for' (the rule has no 'clear when'): it only delays the raise")
        case .forWithCount: return tr("'for' cannot be combined with 'count'")
        case .atOnceWithoutFor: return tr("'at once when' only matters together with 'for'")
        case .countRange: return tr("'count' needs a whole number from 1 to 100000")
        case .escalateNotAbove:
            guard let a = value(0), let b = value(1) else { return nil }
            return tr("'escalate to %1$s' is not above the rule's level '%2$s'", a, b)
        case .downgradeNotBelow:
            guard let a = value(0), let b = value(1) else { return nil }
            return tr("'downgrade to %1$s' is not below the rule's level '%2$s'", a, b)
        case .renotifyTooShort: return tr("'renotify every' must be at least 10s")
        case .duringEmpty: return tr("'during' window is empty or the whole day")
        case .stepDoesNothing: return tr("an escalation step needs 'bring in TEAMS' or 'to LEVEL' (it would do nothing)")
        case .noLayoutSegment: return value(0).map { tr("the topic layout has no segment '%1$s'", $0) }
        case .badTopicFilter: return value(0).map { tr("bad topic filter '%1$s': '+' and '#' must fill a whole level, and '#' must be last", $0) }
        case .listItemsLiterals: return tr("list items must be literals (strings, numbers, true/false)")
        case .cannotOrderBool: return value(0).map { tr("'%1$s' cannot order true/false; use '==' or '!='", $0) }
        case .expectedDuringStart: return tr("expected a time like 22:00 after 'during'")
        case .expectedDuringEnd: return tr("expected a time like 06:00 after '-'")
        case .expectedDay: return found(value(0)).map { tr("expected a day (mon, tue, wed, thu, fri, sat, sun), found %1$s", $0) }
        case .silentIgnoresWhen: return tr("'silent' counts every message from the device; 'when' is ignored (use 'absent' to count only matching messages)")
        case .recentlyWithCorrelate: return tr("'unless recently' cannot be combined with 'correlate' (it looks at one device's own messages)")
        case .atOnceWithCorrelate: return tr("'at once when' cannot be combined with 'correlate' (a device counts once its condition held for 'for')")
        case .correlateRange: return tr("'correlate' needs a whole number of devices from 2 to 10000")
        case .flappingRange: return tr("'flapping' needs a whole number of pulses from 2 to 1000")
        case .flappingInAbsenceRule: return tr("'flapping' cannot be used in an absence rule (it counts a device's alarms that come and go)")
        case .flappingWithGroup: return value(0).map { tr("'flapping' cannot be combined with '%1$s' (it counts one device's pulses)", $0) }
        case .flappingNeedsClear: return tr("'flapping' needs a 'clear when' condition: a pulse is the device's condition coming back after it cleared")
        case .flappingLevelAbove:
            guard let a = value(0), let b = value(1) else { return nil }
            return tr("the flapping level '%1$s' is above the rule's level '%2$s'", a, b)
        case .escalateAfterNegative: return tr("the delay of 'escalate after' cannot be negative")
        case .stepLevelNotAbove:
            guard let a = value(0), let b = value(1) else { return nil }
            return tr("'to %1$s' is not above the rule's level '%2$s': the step changes no level", a, b)
        case .reportInNeedsTeams: return tr("'report in' needs teams to report in ('bring in \"fire\" report in'); an emergency contact does not report in")
        case .unlessAtZero: return value(0).map { tr("'unless %1$s' on a step after 0s: nobody can have acted yet, so the step always runs", $0) }
        case .includingRange: return tr("'including' needs a whole number of devices from 1 to 10000")
        case .inNeedsList: return tr("'in' needs a list on its right, like [\"a\", \"b\"]")
        case .givenTwice: return value(0).map { tr("'%1$s' given twice in one rule", $0) }
        case .expectedTopicFilter: return found(value(0)).map { tr("expected a quoted topic filter after 'on' (or 'on kind smoke channel event'), found %1$s", $0) }
        case .expectedResident: return found(value(0)).map { tr("expected 'resident' after 'absent DURATION by' (e.g. 'absent 48h by resident'), found %1$s", $0) }
        case .expectedSilentMultiple: return tr("expected a multiple of the report interval after 'silent' (e.g. 'silent 2x report_interval'); for a fixed time use 'absent 48h'")
        case .expectedIncludedKind: return found(value(0)).map { tr("expected a device kind after the number in 'including' (e.g. 'including 1 smoke'), found %1$s", $0) }
        case .expectedClearWhenOrAfter: return found(value(0)).map { tr("expected 'when' or 'after' after 'clear', found %1$s", $0) }
        case .givenTwiceInFlapping: return value(0).map { tr("'%1$s' given twice in 'flapping'", $0) }
        case .expectedFlappingOption: return found(value(0)).map { tr("expected 'level' or 'title' after 'flapping N within DURATION', found %1$s", $0) }
        case .givenTwiceInStep: return value(0).map { tr("'%1$s' given twice in one escalation step", $0) }
        case .expectedUnlessCondition: return found(value(0)).map { tr("expected 'acknowledged' or 'onsite' after 'unless' in an escalation step, found %1$s", $0) }
        case .expectedStepClause: return found(value(0)).map { tr("expected 'unless', 'to', 'bring in' or 'report in' in an escalation step, found %1$s", $0) }
        case .durationNeedsUnit: return tr("a duration needs a unit (ms, s, m, h or d), e.g. '30s'")
        case .useDoubleEquals: return tr("use '==' to compare")
        case .clauseKeywordAsValue: return value(0).map { tr("expected a value, found the clause keyword '%1$s'", $0) }
        case .expectedFieldAfterDot: return found(value(0)).map { tr("expected a field name after '.', found %1$s", $0) }
        case .noLayoutSegmentListed:
            guard let field = value(0), let known = value(1) else { return nil }
            return tr("the topic layout has no segment '%1$s' (it has: %2$s)", field, known)
        case .expectedSegmentName: return value(0).map { tr("expected a %1$s name after '%1$s'", $0) }
        case .lifeSafetyNotRed:
            guard let v0 = value(0), let v1 = value(1) else { return nil }
            return tr("'life_safety' keeps only red events visible under a silence, and rule '%1$s' raises %2$s and never escalates to red", v0, v1)
        case .includingMoreThanGroup:
            guard let v0 = value(0), let v1 = value(1), let v2 = value(2) else { return nil }
            return tr("'including %1$s %2$s' asks for more devices than the group counts (%3$s): it could never fire", v0, v1, v2)
        case .includingKindNotListened:
            guard let v0 = value(0), let v1 = value(1) else { return nil }
            return tr("rule listens only to %1$s devices: no '%2$s' device can count, so the group could never fire", v0, v1)
        case .expectedCondition: return value(0).flatMap(typeWord).map { tr("expected a condition (true or false), found a %1$s", $0) }
        case .minusNeedsNumber: return value(0).flatMap(typeWord).map { tr("'-' needs a number, found a %1$s", $0) }
        case .listTypeMismatch:
            guard let v0 = value(0).flatMap(typeWord), let v1 = value(1).flatMap(typeWord) else { return nil }
            return tr("the list holds a %1$s but the value is a %2$s: it can never match", v0, v1)
        case .cannotCombine:
            guard let v0 = value(0), let v1 = value(1).flatMap(typeWord), let v2 = value(2).flatMap(typeWord) else { return nil }
            return tr("'%1$s' cannot combine a %2$s with a %3$s", v0, v1, v2)
        case .needsNumbers:
            guard let v0 = value(0), let v1 = value(1).flatMap(typeWord), let v2 = value(2).flatMap(typeWord) else { return nil }
            return tr("'%1$s' needs numbers, found a %2$s and a %3$s", v0, v1, v2)
        case .needsOneField:
            guard let v0 = value(0), let v1 = value(1) else { return nil }
            return tr("'%1$s' needs one field name, like '%1$s.%2$s'", v0, v1)
        case .residentInGroup: return value(0).map { tr("a group event concerns several devices: 'resident.%1$s' would show one device's resident as the group's", $0) }
        case .deviceFieldInGroupText: return value(0).map { tr("'device.%1$s' in a group event's text is one device's (the one that completed the group), not the group's; group by it or leave it out", $0) }
        }
    }

    /// A token as the parser describes it (`Token.describe`): quoted source text as it is, the parser's words
    /// translated; nil for a word this does not know.
    static func found(_ text: String?) -> String? {
        guard let text else { return nil }
        if text.hasPrefix("'") { return text }
        switch text {
        case "a string": return tr("a string")
        case "a number": return tr("a number")
        case "a duration": return tr("a duration")
        case "a multiplier": return tr("a multiplier")
        case "a time of day": return tr("a time of day")
        case "an invalid token": return tr("an invalid token")
        case "end of file": return tr("end of file")
        default: return nil
        }
    }

    /// A value's type in a condition (`StaticType`), nil for one this does not know.
    static func typeWord(_ type: String) -> String? {
        switch type {
        case "number": return tr("number")
        case "string": return tr("string")
        case "bool": return tr("true/false")
        case "list": return tr("list")
        default: return nil
        }
    }
}
