import Foundation
import LookoutTestSupport
import Testing

/// `lookout rules check` and `lookout rules test` with the shipped rules and broken ones.
@Suite struct RulesCommandsTests {
    static var shippedRules: String { ShippedFilesTests.packageRoot + "/config/rules.d" }

    @Test func shippedRulesCheckClean() throws {
        let result = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", Self.shippedRules])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("rules ok: "))
        let viaEnvironment = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check"],
                                                  environment: ["LOOKOUT_RULES": Self.shippedRules])
        #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
    }

    @Test func brokenRuleIsReportedWithLineAndCaret() throws {
        let directory = try TemporaryDirectory()
        try "rule broken {\n  when kind == smoke and\n  raise red\n}\n".write(toFile: directory.file("x.rules"), atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", directory.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains(directory.file("x.rules") + ":"))
        #expect(result.stderr.contains(": error: "))
        #expect(result.stderr.contains("^"))
        #expect(result.stderr.split(separator: "\n").last?.hasPrefix("lookout: error: rules check: ") == true)
    }

    /// Under zh_CN the diagnostics are said in Chinese (from their codes; `Rules` knows no gettext), with
    /// `file:line:column` as compilers and editors write it; in English they stay as before.
    @Test func brokenRuleDiagnosticsAreInChineseWithTheirPositions() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("x.rules")
        try """
        rule smoke_alarm {
          on kind smoke channel event
          when event == "smoke"
          level purple
          title "烟感报警 {device.address"
        }
        rule quiet {
          level red
        }

        """.write(toFile: file, atomically: true, encoding: .utf8)
        var environment = try TestLocale.chinese()
        environment["COLUMNS"] = "80"
        let zh = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", file], environment: environment)
        #expect(zh.status == 1)
        #expect(zh.stderr.contains("\(file):4:9: 错误：未知的级别“purple”（可用 green、yellow 或 red）"), "\(zh.stderr)")
        #expect(zh.stderr.contains("\(file):5:15: 错误：文字中的 '{' 没有对应的 '}'"), "\(zh.stderr)")
        #expect(zh.stderr.contains("\(file):7:6: 错误：规则“quiet”没有 'on' 子句（它监听哪些主题）"), "\(zh.stderr)")
        #expect(zh.stderr.contains("  level purple\n        ^\n"), "\(zh.stderr)")  // the caret under column 9 of line 4
        // Under a line with Chinese characters the caret stands under the column (each character takes two).
        #expect(zh.stderr.contains("  title \"烟感报警 {device.address\"\n                  ^\n"), "\(zh.stderr)")
        let english = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", file], environment: ["LC_ALL": "C.UTF-8"])
        #expect(english.stderr.contains("\(file):4:9: error: unknown level 'purple' (use green, yellow or red)"), "\(english.stderr)")
        #expect(english.stderr.contains("\(file):7:6: error: rule 'quiet' has no 'on' clause"), "\(english.stderr)")
        // A parse error is said in Chinese too, the token it found with it.
        try "rule broken {\n  level red\n  42\n}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let parse = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", file], environment: environment)
        #expect(parse.stderr.contains("\(file):3:3: 错误：此处应为子句（on、when、for、level、title 等），实际是 数字"), "\(parse.stderr)")
        // And a checker's rule about clauses that do not go together.
        try "rule both {\n  on kind smoke channel event\n  when event == \"smoke\"\n  level red\n  title \"t\"\n  for 10s\n  count 3 within 1m\n}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let clauses = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", file], environment: environment)
        #expect(clauses.stderr.contains("\(file):6:7: 错误：'for' 不能与 'count' 同用"), "\(clauses.stderr)")
    }

    @Test func shippedRuleTestsPass() throws {
        let result = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "test", Self.shippedRules + "/tests"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("PASS"))
        #expect(!result.stdout.contains("FAIL"))
    }

    @Test func failingRuleTestExitsOne() throws {
        let directory = try TemporaryDirectory()
        let test = """
        rules "\(Self.shippedRules)/smoke.rules"
        device SD-0101 kind=smoke community=c01 building=3 address="Bldg 3" grid=grid-03 report_interval=24h

        case "expects the wrong level"
          at 0s publish "c01/smoke/SD-0101/event" {"event":"smoke","state":"alarm"}
          at 1s publish "c01/smoke/SD-0101/event" {"event":"smoke","state":"alarm"}
          expect at 3s raise smoke_alarm/SD-0101 level green count 1
          at 10s tick

        """
        try test.write(toFile: directory.file("wrong.test"), atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "test", directory.file("wrong.test")])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("FAIL"))
        #expect(result.stderr.contains("wrong.test:"))
        #expect(result.stderr.contains("expects the wrong level"))
        let missing = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "test"])
        #expect(missing.status == 64)
    }

    /// The registry's coordinates are numbers rules can read (`device.latitude`, `device.longitude`): a rule that
    /// compares them with numbers checks clean, one that compares them with text is an error, and a rule test
    /// with a located device raises only for the device inside the box.
    @Test func rulesReadCoordinatesAsNumbers() throws {
        let directory = try TemporaryDirectory()
        let rules = """
        rule smoke_in_district {
          on kind smoke channel event
          when event == "smoke" and device.latitude >= 31.2 and device.latitude <= 31.3 and device.longitude > 121
          level red
          title "Smoke at {device.latitude}, {device.longitude}"
          team "district"
        }

        """
        try rules.write(toFile: directory.file("district.rules"), atomically: true, encoding: .utf8)
        let check = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", directory.file("district.rules")])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.hasPrefix("rules ok: 1 rule(s) in"), "\(check.stdout)")

        let test = """
        rules "district.rules"
        device SD-1 kind=smoke community=c01 latitude=31.25 longitude=121.47
        device SD-2 kind=smoke community=c01 latitude=39.9 longitude=116.4
        device SD-3 kind=smoke community=c01

        case "only the device inside the district raises"
          at 0s publish "c01/smoke/SD-1/event" {"event":"smoke"}
          at 0s publish "c01/smoke/SD-2/event" {"event":"smoke"}
          at 0s publish "c01/smoke/SD-3/event" {"event":"smoke"}
          expect at 0s raise smoke_in_district/SD-1 level red title "Smoke at 31.25, 121.47"
          at 10s tick

        """
        try test.write(toFile: directory.file("district.test"), atomically: true, encoding: .utf8)
        let run = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "test", directory.file("district.test")])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")

        try rules.replacingOccurrences(of: "device.longitude > 121", with: "device.longitude == \"east\"")
            .write(toFile: directory.file("district.rules"), atomically: true, encoding: .utf8)
        let wrong = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", directory.file("district.rules")])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("district.rules:3:"), "\(wrong.stderr)")
    }
}
