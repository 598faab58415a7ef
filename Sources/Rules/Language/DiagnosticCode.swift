/// The rule compiler's messages that a client says in its own language (`Diagnostic.code`), each with its
/// `Diagnostic.arguments` in the order given here. A message without a code is said in English: add a code here,
/// at its call site, and in `lookout`'s `RuleDiagnosticText` to translate one more.
public enum DiagnosticCode: String, Sendable, CaseIterable {
    /// `[character]`.
    case unexpectedCharacter = "unexpected_character"
    /// `[text]`.
    case badTimeOfDay = "bad_time_of_day"
    /// `[text]`.
    case badNumber = "bad_number"
    /// `[unit]`.
    case unknownDurationUnit = "unknown_duration_unit"
    /// `[duration]`.
    case durationTooLong = "duration_too_long"
    /// `[escape]`.
    case unknownEscape = "unknown_escape"
    /// `[]`.
    case unterminatedString = "unterminated_string"
    /// `[line of the first]`.
    case timezoneTwice = "timezone_twice"
    /// `[found]`: a token's description (`Token.describe`).
    case expectedTimeZoneName = "expected_time_zone_name"
    /// `[found]`.
    case expectedRule = "expected_rule"
    /// `[found]`.
    case expectedRuleName = "expected_rule_name"
    /// `[rule, found]`.
    case expectedOpenBrace = "expected_open_brace"
    /// `[rule]`.
    case ruleNotClosed = "rule_not_closed"
    /// `[rule]`.
    case ruleNotClosedBeforeNext = "rule_not_closed_before_next"
    /// `[found]`.
    case unexpectedAfterClause = "unexpected_after_clause"
    /// `[found]`.
    case expectedClause = "expected_clause"
    /// `[found]`.
    case expectedFieldName = "expected_field_name"
    /// `[context, found]`: context `after 'KEYWORD'` or longer English.
    case expectedLevel = "expected_level"
    /// `[found]`.
    case expectedValue = "expected_value"
    /// `[zone]`.
    case unknownTimeZone = "unknown_time_zone"
    /// `[rule]`.
    case noOnClause = "no_on_clause"
    /// `[rule]`.
    case unreachableRule = "unreachable_rule"
    /// `[rule]`.
    case needsWhen = "needs_when"
    /// `[rule]`.
    case neverFires = "never_fires"
    /// `[rule]`.
    case needsLevel = "needs_level"
    /// `[rule]`.
    case noTitle = "no_title"
    /// `[kind, known kinds]`.
    case unknownKind = "unknown_kind"
    /// `[clause]`.
    case durationNotPositive = "duration_not_positive"
    /// `[level]`.
    case unknownLevel = "unknown_level"
    /// `[type, type]`: `number`, `string`, `bool`, `list`.
    case cannotCompare = "cannot_compare"
    /// `[field]`.
    case unknownRegistryField = "unknown_registry_field"
    /// `[field, suggestion]`.
    case unknownRegistryFieldDidYouMean = "unknown_registry_field_did_you_mean"
    /// `[placeholder]`.
    case badPlaceholder = "bad_placeholder"
    /// `[]`.
    case unclosedPlaceholder = "unclosed_placeholder"
    /// `[rule]`.
    case definedTwice = "defined_twice"
    /// `[]`.
    case firstDefinedHere = "first_defined_here"
    /// `[]`.
    case noRules = "no_rules"
    /// `[]`.
    case noSuchFile = "no_such_file"
    /// `[]`.
    case noRuleFiles = "no_rule_files"
    /// `[]`.
    case cannotRead = "cannot_read"
    /// `[]`.
    case notUTF8 = "not_utf8"
    /// `[]`.
    case absentAndSilent = "absent_and_silent"
    /// `[]`.
    case silentNotPositive = "silent_not_positive"
    /// `[value]`.
    case notInAbsenceRule = "not_in_absence_rule"
    /// `[]`.
    case countAndCorrelate = "count_and_correlate"
    /// `[]`.
    case forWithoutClear = "for_without_clear"
    /// `[]`.
    case forWithCount = "for_with_count"
    /// `[]`.
    case atOnceWithoutFor = "at_once_without_for"
    /// `[]`.
    case countRange = "count_range"
    /// `[value, level]`.
    case escalateNotAbove = "escalate_not_above"
    /// `[value, level]`.
    case downgradeNotBelow = "downgrade_not_below"
    /// `[]`.
    case renotifyTooShort = "renotify_too_short"
    /// `[]`.
    case duringEmpty = "during_empty"
    /// `[]`.
    case stepDoesNothing = "step_does_nothing"
    /// `[value]`.
    case noLayoutSegment = "no_layout_segment"
    /// `[value]`.
    case badTopicFilter = "bad_topic_filter"
    /// `[]`.
    case listItemsLiterals = "list_items_literals"
    /// `[value]`.
    case cannotOrderBool = "cannot_order_bool"
    /// `[]`.
    case expectedDuringStart = "expected_during_start"
    /// `[]`.
    case expectedDuringEnd = "expected_during_end"
    /// `[found]`.
    case expectedDay = "expected_day"
    /// `[]`.
    case silentIgnoresWhen = "silent_ignores_when"
    /// `[]`.
    case recentlyWithCorrelate = "recently_with_correlate"
    /// `[]`.
    case atOnceWithCorrelate = "at_once_with_correlate"
    /// `[]`.
    case correlateRange = "correlate_range"
    /// `[]`.
    case flappingRange = "flapping_range"
    /// `[]`.
    case flappingInAbsenceRule = "flapping_in_absence_rule"
    /// `[keyword]`: `correlate` or `count`.
    case flappingWithGroup = "flapping_with_group"
    /// `[]`.
    case flappingNeedsClear = "flapping_needs_clear"
    /// `[flapping level, rule level]`.
    case flappingLevelAbove = "flapping_level_above"
    /// `[]`.
    case escalateAfterNegative = "escalate_after_negative"
    /// `[step level, rule level]`.
    case stepLevelNotAbove = "step_level_not_above"
    /// `[]`.
    case reportInNeedsTeams = "report_in_needs_teams"
    /// `[condition]`: `acknowledged` or `onsite`.
    case unlessAtZero = "unless_at_zero"
    /// `[]`.
    case includingRange = "including_range"
    /// `[]`.
    case inNeedsList = "in_needs_list"
    /// `[keyword]`.
    case givenTwice = "given_twice"
    /// `[found]`.
    case expectedTopicFilter = "expected_topic_filter"
    /// `[found]`.
    case expectedResident = "expected_resident"
    /// `[]`.
    case expectedSilentMultiple = "expected_silent_multiple"
    /// `[found]`.
    case expectedIncludedKind = "expected_included_kind"
    /// `[found]`.
    case expectedClearWhenOrAfter = "expected_clear_when_or_after"
    /// `[keyword]`: `level` or `title`.
    case givenTwiceInFlapping = "given_twice_in_flapping"
    /// `[found]`.
    case expectedFlappingOption = "expected_flapping_option"
    /// `[keyword]`: `unless`, `to`, `bring in` or `report in`.
    case givenTwiceInStep = "given_twice_in_step"
    /// `[found]`.
    case expectedUnlessCondition = "expected_unless_condition"
    /// `[found]`.
    case expectedStepClause = "expected_step_clause"
    /// `[]`.
    case durationNeedsUnit = "duration_needs_unit"
    /// `[]`.
    case useDoubleEquals = "use_double_equals"
    /// `[keyword]`.
    case clauseKeywordAsValue = "clause_keyword_as_value"
    /// `[found]`.
    case expectedFieldAfterDot = "expected_field_after_dot"
    /// `[rule, level]`.
    case lifeSafetyNotRed = "life_safety_not_red"
    /// `[number, kind, group size]`.
    case includingMoreThanGroup = "including_more_than_group"
    /// `[kinds joined by "/", kind]`.
    case includingKindNotListened = "including_kind_not_listened"
    /// `[type]`: a `StaticType`.
    case expectedCondition = "expected_condition"
    /// `[type]`: a `StaticType`.
    case minusNeedsNumber = "minus_needs_number"
    /// `[list item type, value type]`: `StaticType`s.
    case listTypeMismatch = "list_type_mismatch"
    /// `[operator, type, type]`.
    case cannotCombine = "cannot_combine"
    /// `[operator, type, type]`.
    case needsNumbers = "needs_numbers"
    /// `[root, example field]`.
    case needsOneField = "needs_one_field"
    /// `[field]`.
    case residentInGroup = "resident_in_group"
    /// `[field]`.
    case deviceFieldInGroupText = "device_field_in_group_text"
    /// `[field, the layout's segments joined by ", "]`.
    case noLayoutSegmentListed = "no_layout_segment_listed"
    /// `[segment]`: `kind` or `channel`.
    case expectedSegmentName = "expected_segment_name"
}
