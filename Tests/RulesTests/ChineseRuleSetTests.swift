import Foundation
@testable import Rules
import Testing

/// The Chinese rule set the package installs by default (`config/rules.d.zh_CN`, /etc/lookout/rules.d) compiles
/// cleanly, passes its own `rules test` cases, and means what the English example set (`config/rules.d`) means:
/// only the human words differ.
struct ChineseRuleSetTests {
    static let chineseDirectory = ShippedRuleTests.packageDirectory.appendingPathComponent("config/rules.d.zh_CN").path

    @Test func chineseRulesCompileWithoutErrorsOrWarnings() {
        let result = RuleCompiler.compile(paths: [Self.chineseDirectory])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.headline))")
        #expect(result.ruleSet != nil)
    }

    @Test(arguments: ["manhole", "smoke", "door", "sos", "welfare", "welfare-resident", "health"])
    func chineseTestFilePasses(_ name: String) {
        let report = RuleTestRunner.run(path: Self.chineseDirectory + "/tests/\(name).test")
        #expect(report.cases > 0)
        #expect(report.failures.isEmpty, "\(report.failures.map(\.description).joined(separator: "\n"))")
    }

    /// Rule by rule, the same conditions (what decides state: a switch of sets keeps every rule's state), levels,
    /// teams, deadlines, escalation, flapping and handling; titles and descriptions are Chinese.
    @Test func theChineseSetMeansWhatTheEnglishSetMeans() throws {
        let english = try #require(RuleCompiler.compile(paths: [ShippedRuleTests.rulesDirectory]).ruleSet)
        let chinese = try #require(RuleCompiler.compile(paths: [Self.chineseDirectory]).ruleSet)
        #expect(english.ruleNames.sorted() == chinese.ruleNames.sorted())
        for rule in english.rules {
            let other = try #require(chinese.rules.first { $0.name == rule.name }, "\(rule.name)")
            #expect(rule.conditionFingerprint == other.conditionFingerprint, "\(rule.name)")
            #expect(rule.presentation.level == other.presentation.level, "\(rule.name)")
            #expect(String(describing: rule.presentation.teams) == String(describing: other.presentation.teams), "\(rule.name)")
            #expect(String(describing: rule.deadlines) == String(describing: other.deadlines), "\(rule.name)")
            #expect(String(describing: rule.handling) == String(describing: other.handling), "\(rule.name)")
            #expect(rule.flapping?.n == other.flapping?.n && rule.flapping?.level == other.flapping?.level, "\(rule.name)")
            #expect(rule.flapping?.withinMillis == other.flapping?.withinMillis, "\(rule.name)")
            #expect(String(describing: rule.filters) == String(describing: other.filters), "\(rule.name)")
            let title = String(describing: other.presentation.title)
            #expect(title.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(rule.name): \(title)")
        }
    }
}
