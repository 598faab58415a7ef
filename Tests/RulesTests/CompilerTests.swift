import Foundation
@testable import Rules
import Testing

/// The compiler reports every problem, with positions, and renders them like a compiler.
struct CompilerTests {
    static func compile(_ text: String, file: String = "t.rules", options: CompileOptions = CompileOptions()) -> CompileResult {
        RuleCompiler.compile([RuleSource(fileName: file, text: text)], options: options)
    }

    /// `line:col severity: message` for compact comparisons.
    static func summary(_ result: CompileResult) -> [String] {
        result.diagnostics.map { "\($0.range.start.line):\($0.range.start.column) \($0.severity.rawValue): \($0.message)" }
    }

    static let valid = """
    timezone "Asia/Shanghai"
    rule smoke_alarm {
      on "+/smoke/+/event"   # comment
      when event == "smoke" and state == "alarm"
      for 3s
      level red
      title "Smoke at {device.address}"
      clear when event == "smoke" and state == "normal"
    }
    """

    @Test func validFileCompilesWithoutDiagnostics() throws {
        let result = Self.compile(Self.valid)
        #expect(result.diagnostics.isEmpty)
        let ruleSet = try #require(result.ruleSet)
        #expect(ruleSet.ruleNames == ["smoke_alarm"])
        #expect(ruleSet.topicFilters(of: "smoke_alarm") == ["+/smoke/+/event"])
    }

    @Test func severalSyntaxErrorsInOneFileAreAllReported() {
        let text = """
        rule a {
          on "+/smoke/+/event"
          when event == "smoke" and state = "alarm"
          for 3
          level red
          title "unterminated
        }
        rule b {
          on "+/door/+/event"
          when result == "denied" and
          count 5 within 10q
          level yellow
          title "x"
        }
        rule c
        """
        let result = Self.compile(text)
        #expect(result.ruleSet == nil)
        #expect(Self.summary(result) == [
            "3:35 error: use '==' to compare",
            "4:7 error: a duration needs a unit (ms, s, m, h or d), e.g. '30s'",
            "6:9 error: unterminated string",
            "11:3 error: expected a value, found the clause keyword 'count'",
            "11:18 error: unknown duration unit 'q' (use ms, s, m, h or d)",
            "15:7 error: expected '{' after rule name 'c', found end of file",
        ])
    }

    @Test func checkerFindsTypeRegistryAndReachabilityProblems() {
        let text = """
        timezone "Mars/Olympus"
        rule tilt {
          on "+/manhole/+/event"
          when tilt_deg == "high" or tilt_dgs > 10
          level purple
          title "{device.adress} {topic.street}"
          team resident.nam
        }
        rule never {
          on "c01/manhole/+"
          when 1 > 2
          level green
          title "x"
        }
        """
        let result = Self.compile(text)
        #expect(Self.summary(result) == [
            "1:10 error: unknown time zone 'Mars/Olympus' (use an IANA name such as \"Asia/Shanghai\")",
            "4:8 error: cannot compare a number with a string: the comparison is always false",
            "4:30 warning: field 'tilt_dgs' is not sent by manhole devices; did you mean 'tilt_deg'?",
            "5:9 error: unknown level 'purple' (use green, yellow or red)",
            "6:10 error: unknown registry field 'device.adress'; did you mean 'device.address'?",
            "6:26 error: the topic layout has no segment 'street' (it has: community, kind, device, channel)",
            "7:8 error: unknown resident field 'resident.nam'; did you mean 'resident.name'? (known: name, phone, lives_alone, emergency_contact, id, away)",
            "9:6 warning: rule 'never' is unreachable: none of its topic filters can match the topic layout",
            "10:6 warning: topic filter 'c01/manhole/+' can never match: it has 3 levels but topics have 4",
            "11:8 warning: rule 'never' can never fire: its 'when' condition is always false",
        ])
    }

    @Test func conflictingClausesAndBadValuesAreErrors() {
        let text = """
        rule r {
          on "+/door/+/event"
          absent 48h
          count 5 within 10m
          level yellow
          title "x"
          renotify every 1s
          during 10:00-10:00
          when event > 3
        }
        """
        #expect(Self.summary(Self.compile(text)) == [
            "4:9 error: 'count' cannot be used in an absence rule ('absent'/'silent' rules clear on the device's next message)",
            "7:18 error: 'renotify every' must be at least 10s",
            "8:10 error: 'during' window is empty or the whole day",
            "9:8 error: cannot compare a string with a number: the comparison is always false",
        ])
    }

    @Test func lifeSafetyIsABareClauseOnceAndWarnsWhenTheRuleNeverReachesRed() {
        let red = """
        rule sos {
          on "+/sos/+/event"
          when event == "sos"
          level red
          life_safety
          title "x"
        }
        """
        #expect(Self.compile(red).diagnostics.isEmpty)
        let twice = red.replacingOccurrences(of: "  life_safety\n", with: "  life_safety\n  life_safety\n")
        #expect(Self.compile(twice).diagnostics.contains { $0.severity == .error && $0.range.start.line == 6 })
        let yellow = red.replacingOccurrences(of: "level red", with: "level yellow")
        #expect(Self.summary(Self.compile(yellow)) == [
            "5:3 warning: 'life_safety' keeps only red events visible under a silence, and rule 'sos' raises yellow and never escalates to red",
        ])
        let escalating = yellow.replacingOccurrences(of: "level yellow", with: "level yellow\n  escalate to red\n  ack within 15m")
        #expect(Self.compile(escalating).diagnostics.isEmpty)
    }

    @Test func duplicateRuleNamesAcrossFilesAreAnErrorWithANote() {
        let result = RuleCompiler.compile([
            RuleSource(fileName: "one.rules", text: Self.valid),
            RuleSource(fileName: "two.rules", text: "\n" + Self.valid),
        ])
        #expect(result.ruleSet == nil)
        #expect(result.diagnostics.map(\.headline) == [
            "two.rules:3:6: error: rule 'smoke_alarm' is defined twice",
            "one.rules:2:6: note: first defined here",
        ])
    }

    @Test func registryColumnsAreCheckedWhenKnown() {
        let text = """
        rule r {
          on "+/sos/+/event"
          when event == "sos" and device.floor == "3"
          level red
          title "x"
        }
        """
        #expect(Self.compile(text).diagnostics.isEmpty)
        #expect(Self.compile(text, options: CompileOptions(deviceColumns: ["floor"])).diagnostics.isEmpty)
        #expect(Self.summary(Self.compile(text, options: CompileOptions(deviceColumns: ["floors"]))) == [
            "3:27 error: unknown registry field 'device.floor'; did you mean 'device.floors'?",
        ])
    }

    @Test func renderShowsTheLineAndACaret() {
        let text = "rule r {\n  on \"+/sos/+/event\"\n  when event == \"sos\"\n  level pink\n  title \"x\"\n}\n"
        let source = RuleSource(fileName: "r.rules", text: text)
        let result = RuleCompiler.compile([source])
        #expect(RuleCompiler.render(result.diagnostics, sources: [source]) == """
        r.rules:4:9: error: unknown level 'pink' (use green, yellow or red)
          level pink
                ^

        """)
    }

    @Test func fingerprintIgnoresLayoutAndCommentsButNotMeaning() throws {
        let base = try #require(Self.compile(Self.valid).ruleSet?.fingerprint(of: "smoke_alarm"))
        let reformatted = Self.valid.replacingOccurrences(of: "  for 3s", with: "     for    3s   # debounce")
        #expect(Self.compile(reformatted).ruleSet?.fingerprint(of: "smoke_alarm") == base)
        let changed = Self.valid.replacingOccurrences(of: "for 3s", with: "for 5s")
        #expect(Self.compile(changed).ruleSet?.fingerprint(of: "smoke_alarm") != base)
        let otherZone = Self.valid.replacingOccurrences(of: "Asia/Shanghai", with: "Europe/Berlin")
        #expect(Self.compile(otherZone).ruleSet?.fingerprint(of: "smoke_alarm") != base)
    }

    @Test func fingerprintsHashTheZoneNamesFoundationGaveSoStateCarriesOver() throws {
        // ICU's TimeZone called "UTC" (and a file without `timezone`) "GMT", and "UTC+8" "GMT+0800".
        func fingerprint(_ zoneLine: String) -> UInt64? {
            Self.compile(Self.valid.replacingOccurrences(of: "timezone \"Asia/Shanghai\"", with: zoneLine))
                .ruleSet?.fingerprint(of: "smoke_alarm")
        }
        let none = try #require(fingerprint(""))
        #expect(fingerprint("timezone \"UTC\"") == none)
        #expect(fingerprint("timezone \"GMT\"") == none)
        #expect(fingerprint("timezone \"Etc/UTC\"") != none)
        let plus8 = try #require(fingerprint("timezone \"UTC+8\""))
        #expect(fingerprint("timezone \"GMT+08:00\"") == plus8)
        #expect(fingerprint("timezone \"Asia/Shanghai\"") != plus8)
        #expect(fingerprint("timezone \"../etc/passwd\"") == nil)
    }

    @Test func compilePathsReportsMissingFiles() {
        let result = RuleCompiler.compile(paths: ["/nonexistent/rules.d"])
        #expect(result.ruleSet == nil)
        #expect(result.diagnostics.map(\.headline) == ["/nonexistent/rules.d:1:1: error: no such file or directory"])
    }

    @Test func expressionsEvaluateWithMissingAndWrongTypesAsFalse() throws {
        let text = """
        rule r {
          on "+/+/+/+"
          when (a + 2) * 3 >= 12 and name in ["x", "y"] and not has gone and nested.level < 5 and -b < 0 and d != 30s
          level green
          title "{a} {name} {nested.level} {count}"
        }
        """
        let h = try RuleHarness(rules: text)
        #expect(h.publish(0, "c/k/D/ch", ["a": 2, "name": "y", "nested": .object(JSONObject([("level", 4)])), "b": 1, "d": 29]) == ["raise r/D green"])
        #expect(h.publish(1, "c/k/D/ch", ["a": 1, "name": "y", "nested": .object(JSONObject([("level", 4)])), "b": 1, "d": 29]) == [])
        #expect(h.publish(2, "c/k/D/ch", ["a": "2", "name": "y"]) == [])
        #expect(h.publish(3, "c/k/D/ch", ["name": "y", "gone": true]) == [])
        let counters = try #require(h.engine.ruleCounters.first?.counters)
        #expect(counters.evaluations == 4)
        #expect(counters.wrongTypes >= 1)
        #expect(counters.missingFields >= 1)
    }
}

/// `on kind K channel C` resolves against the configured layout, including custom ones.
struct KindShorthandTests {
    static let text = """
    rule r {
      on kind smoke channel event
      when event == "smoke"
      level red
      title "{topic.device}"
    }
    """

    @Test func shorthandMatchesOnlyThatKindAndChannel() throws {
        let h = try RuleHarness(rules: Self.text)
        #expect(h.publish(0, "c01/smoke/SD-1/event", ["event": "smoke"]) == ["raise r/SD-1 red"])
        #expect(h.publish(1, "c01/smoke/SD-1/telemetry", ["event": "smoke"]) == [])
        #expect(h.publish(2, "c01/door/SD-1/event", ["event": "smoke"]) == [])
    }

    @Test func shorthandFollowsACustomLayout() throws {
        let layout = try TopicLayout(pattern: "site/{kind}/{channel}/{device}")
        let result = RuleCompiler.compile([RuleSource(fileName: "t.rules", text: Self.text)], options: CompileOptions(layout: layout))
        let ruleSet = try #require(result.ruleSet)
        #expect(ruleSet.topicFilters(of: "r") == ["site/smoke/event/+"])
        let engine = RuleEngine(ruleSet: ruleSet, registry: DeviceRegistry())
        let topic = "site/smoke/event/SD-7"
        let actions = engine.process(InboundMessage(topic: topic, segments: layout.match(topic) ?? [:],
                                                    payload: JSONObject([("event", "smoke")]), payloadText: "", receivedAt: 0))
        #expect(actions.map(\.title) == ["SD-7"])
    }

    @Test func unlessRecentlyCannotBeCorrelated() {
        let text = """
        rule r {
          on kind smoke
          when event == "smoke"
          correlate 2 devices by topic.community within 5m
          unless recently event == "self_test" within 1m
          level red
          title "x"
        }
        """
        #expect(CompilerTests.summary(CompilerTests.compile(text)) == [
            "5:47 error: 'unless recently' cannot be combined with 'correlate' (it looks at one device's own messages)",
        ])
    }
}

/// Checks that catch rules which cannot work as meant.
struct CheckerHintTests {
    @Test func listItemsOfTheWrongTypeAndUncancellableForAreReported() {
        let text = """
        rule r {
          on kind door channel event
          when event in ["access", 3] or door in [1, 2]
          for 10s
          level green
          title "x"
        }
        """
        #expect(CompilerTests.summary(CompilerTests.compile(text)) == [
            "3:17 error: the list holds a number but the value is a string: it can never match",
            "4:7 warning: nothing can cancel this 'for' (the rule has no 'clear when'): it only delays the raise",
        ])
    }
}
