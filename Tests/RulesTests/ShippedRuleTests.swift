import Foundation
import Rules
import Testing

/// The shipped `config/rules.d` compiles cleanly and every test file under it passes.
struct ShippedRuleTests {
    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let rulesDirectory = packageDirectory.appendingPathComponent("config/rules.d").path

    @Test func shippedRulesCompileWithoutErrorsOrWarnings() {
        let result = RuleCompiler.compile(paths: [Self.rulesDirectory])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.headline))")
        #expect(result.ruleSet != nil)
    }

    @Test(arguments: ["manhole", "smoke", "door", "sos", "welfare", "health"])
    func shippedTestFilePasses(_ name: String) {
        let path = Self.rulesDirectory + "/tests/\(name).test"
        let report = RuleTestRunner.run(path: path)
        #expect(report.cases > 0)
        #expect(report.failures.isEmpty, "\(report.failures.map(\.description).joined(separator: "\n"))")
    }
}
