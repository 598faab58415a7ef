import FoundationEssentials
import Glibc
import Rules
import TerminalText
import Vocabulary

/// Where rule files are by default: `LOOKOUT_RULES` or `/etc/lookout/rules.d`.
private func defaultRulePaths(_ context: CLIContext) -> [String] {
    [context.environment["LOOKOUT_RULES"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/lookout/rules.d"]
}

/// `--time-zone` of `rules check` and `rules test`.
private let ruleTimeZoneOption = OptionSpec.value(
    "time-zone", "ZONE", help: tr("read rule files without 'timezone' in ZONE (default: lookoutd's site zone, or Asia/Shanghai when lookoutd cannot be asked)"))

/// The zone rule files without `timezone` are read in, as lookoutd reads them: `--time-zone`, else the site's zone
/// lookoutd names (`[site] time_zone`), else lookoutd's own default. Not UTC: a `during 22:00-06:00` rule must pass
/// or fail its tests as it will run.
private func ruleTimeZone(_ arguments: ParsedArguments, _ context: CLIContext) throws -> ZoneInfo {
    if let name = arguments.value("time-zone") {
        do { return try ZoneInfo.named(name) } catch {
            throw CLIError.usage(tr("%1$s: unknown time zone '%2$s' (an IANA name such as Asia/Shanghai, or UTC+8)", "--time-zone", TextSanitizer.sanitize(name)))
        }
    }
    SiteZone.shared.prepareForLocalTime()
    return (try? ZoneInfo.named(SiteZone.shared.name ?? ZoneInfo.siteDefaultName)) ?? .utc
}

/// `lookout rules check`: compiles rule files and prints diagnostics like a compiler.
struct RulesCheckCommand: Command {
    static let name = "rules check"
    static let help = CommandHelp(
        summary: tr("check rule files; print errors with line and caret (exit 1 on errors)"),
        usage: "[PATH…]",
        options: [ruleTimeZoneOption],
        discussion: [tr("PATH is a rule file or a directory of *.rules files (default: $LOOKOUT_RULES or /etc/lookout/rules.d).")],
        examples: ["lookout rules check", "lookout rules check config/rules.d/smoke.rules"])

    let context: CLIContext
    let paths: [String]
    let timeZone: ZoneInfo

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        paths = arguments.positionals.isEmpty ? defaultRulePaths(context) : arguments.positionals
        timeZone = try ruleTimeZone(arguments, context)
    }

    func run() throws {
        let result = RuleCompiler.compile(paths: paths, options: CompileOptions(defaultTimeZone: timeZone))
        // Render with the text of every file a diagnostic points into (the compiler read them already;
        // reading again only for display keeps the compiler's API small).
        let files = Set(result.diagnostics.map(\.range.file))
        let sources = files.sorted().compactMap { file -> RuleSource? in
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                return nil
            }
            return RuleSource(fileName: file, text: text)
        }
        let rendered = RuleCompiler.render(result.diagnostics.map(RuleDiagnosticText.localized), sources: sources,
                                           headline: RuleDiagnosticText.headline, width: DisplayWidth.of)
        if !rendered.isEmpty { Console.err(TextSanitizer.sanitize(rendered, keepNewlines: true)) }
        let errors = result.diagnostics.filter { $0.severity == .error }.count
        let warnings = result.diagnostics.filter { $0.severity == .warning }.count
        if result.hasErrors {
            throw CLIError.failure(tr("%1$s: %2$d error(s), %3$d warning(s) in %4$s", "rules check", errors, warnings, paths.joined(separator: " ")))
        }
        let count = result.ruleSet?.ruleNames.count ?? 0
        let place = TextSanitizer.sanitize(paths.joined(separator: " "))
        Console.out((warnings > 0 ? tr("rules ok: %1$d rule(s), %2$d warning(s) in %3$s", count, warnings, place)
                                  : tr("rules ok: %1$d rule(s) in %2$s", count, place)) + "\n")
    }
}

/// `lookout rules test`: runs rule test files (timed messages and expected actions) with `RuleTestRunner`.
struct RulesTestCommand: Command {
    static let name = "rules test"
    static let help = CommandHelp(
        summary: tr("run rule test files (timed inputs, expected actions); exit 1 when any case fails"),
        usage: "FILE|DIR…",
        options: [ruleTimeZoneOption],
        discussion: [tr("A directory runs its *.test files in name order. The test file format is in lookout-rules(5) and docs/rules.md.")],
        examples: ["lookout rules test config/rules.d/tests", "lookout rules test config/rules.d/tests/smoke.test"])

    let context: CLIContext
    let paths: [String]
    let timeZone: ZoneInfo

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        paths = arguments.positionals
        guard !paths.isEmpty else { throw CLIError.usage(tr("%1$s: name at least one test file or directory", "rules test")) }
        timeZone = try ruleTimeZone(arguments, context)
    }

    /// The test files named by `paths`: files as given, directories expanded to their `*.test` files.
    static func testFiles(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIError.failure(tr("%1$s: no such file or directory: %2$s", "rules test", path))
            }
            guard isDirectory else {
                files.append(path)
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".test") }.sorted()
            if names.isEmpty { throw CLIError.failure(tr("%1$s: no *.test files in %2$s", "rules test", path)) }
            files += names.map { PathText.join(path, $0) }
        }
        return files
    }

    func run() throws {
        let style = context.style
        var failedFiles = 0
        var totalCases = 0
        for file in try Self.testFiles(paths) {
            let report = RuleTestRunner.run(path: file, defaultTimeZone: timeZone)
            totalCases += report.cases
            let name = TextSanitizer.sanitize(file)
            if report.passed {
                Console.out(style.paint(tr("PASS"), .green) + "  " + name + "  " + tr("(%1$d case(s), %2$d expectation(s))", report.cases, report.expectations) + "\n")
            } else {
                failedFiles += 1
                Console.out(style.paint(tr("FAIL"), .alarm) + "  " + name + "  " + tr("(%1$d failure(s))", report.failures.count) + "\n")
                for failure in report.failures {
                    Console.err(TextSanitizer.sanitize(failure.description, keepNewlines: true) + "\n")
                }
            }
        }
        if failedFiles > 0 {
            throw CLIError.failure(tr("%1$s: %2$d file(s) failed", "rules test", failedFiles))
        }
        Console.out(tr("%1$s: all %2$d case(s) passed", "rules test", totalCases) + "\n")
    }
}
