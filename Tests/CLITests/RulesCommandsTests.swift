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
}
