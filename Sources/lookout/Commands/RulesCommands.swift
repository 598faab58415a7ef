import Daemon
import Foundation
import Rules

/// Where rule files are by default: `LOOKOUT_RULES` or `/etc/lookout/rules.d`.
private func defaultRulePaths(_ context: CLIContext) -> [String] {
    [context.environment["LOOKOUT_RULES"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/lookout/rules.d"]
}

/// `lookout rules check`: compiles rule files and prints diagnostics like a compiler.
struct RulesCheckCommand: Command {
    static let name = "rules check"
    static let help = CommandHelp(
        summary: "check rule files; print errors with line and caret (exit 1 on errors)",
        usage: "[PATH…]",
        discussion: ["PATH is a rule file or a directory of *.rules files (default: $LOOKOUT_RULES or /etc/lookout/rules.d)."],
        examples: ["lookout rules check", "lookout rules check config/rules.d/smoke.rules"])

    let context: CLIContext
    let paths: [String]

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        paths = arguments.positionals.isEmpty ? defaultRulePaths(context) : arguments.positionals
    }

    func run() throws {
        let result = RuleCompiler.compile(paths: paths)
        // Render with the text of every file a diagnostic points into (the compiler read them already;
        // reading again only for display keeps the compiler's API small).
        let files = Set(result.diagnostics.map(\.range.file))
        let sources = files.sorted().compactMap { file -> RuleSource? in
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                return nil
            }
            return RuleSource(fileName: file, text: text)
        }
        let rendered = RuleCompiler.render(result.diagnostics, sources: sources)
        if !rendered.isEmpty { Console.err(TerminalSanitizer.sanitize(rendered, keepNewlines: true)) }
        let errors = result.diagnostics.filter { $0.severity == .error }.count
        let warnings = result.diagnostics.filter { $0.severity == .warning }.count
        if result.hasErrors {
            throw CLIError.failure("rules check: \(errors) error(s), \(warnings) warning(s) in \(paths.joined(separator: " "))")
        }
        let count = result.ruleSet?.ruleNames.count ?? 0
        Console.out("rules ok: \(count) rule(s)\(warnings > 0 ? ", \(warnings) warning(s)" : "") in \(TerminalSanitizer.sanitize(paths.joined(separator: " ")))\n")
    }
}

/// `lookout rules test`: runs rule test files (timed messages and expected events).
struct RulesTestCommand: Command {
    static let name = "rules test"
    static let help = CommandHelp(
        summary: "run rule test files (inputs and expected events)",
        usage: "FILE…",
        discussion: ["See docs/rules.md for the test file format."],
        examples: ["lookout rules test tests/smoke.rulestest"])

    let context: CLIContext
    let files: [String]

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        files = arguments.positionals
        guard !files.isEmpty else { throw CLIError.usage("rules test: name at least one test file") }
    }

    func run() throws {
        throw CLIError.failure("rules test: not available in this build (the rule test runner is not part of it yet)")
    }
}
