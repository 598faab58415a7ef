import FoundationEssentials
import Vocabulary

/// A rule file as text, with the name diagnostics use for it.
public struct RuleSource: Sendable {
    /// Path or name shown in diagnostics.
    public var fileName: String
    /// The file's text.
    public var text: String
    /// Creates a source.
    public init(fileName: String, text: String) {
        self.fileName = fileName
        self.text = text
    }
}

/// The result of compiling rule files: the rules (nil when any error) and every diagnostic.
public struct CompileResult: Sendable {
    /// The checked rules, or nil when there was at least one error.
    public var ruleSet: RuleSet?
    /// Every diagnostic from every file, in file order then position.
    public var diagnostics: [Diagnostic]
    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// What the compiler checks rules against.
public struct CompileOptions: Sendable {
    /// The topic layout: filters are resolved against it and `topic.<segment>` must name one of its segments.
    public var layout: TopicLayout
    /// The registry's extra CSV columns. When given, `device.<name>` must be a built-in field or one of
    /// these (else an error); when nil, any name is accepted as an extra column unless it looks like a
    /// misspelt built-in field.
    public var deviceColumns: Set<String>?
    /// Kinds of the registry's devices that name a resident id. When given, a rule `absent … by resident` none of
    /// whose kinds is among them gets a warning (each of its devices is then its own resident).
    public var residentKinds: Set<String>?
    /// The zone of a rule file that names none (`timezone "…"`): the site's zone (`[site] time_zone`), which lookoutd
    /// and `lookout rules check`/`rules test` pass; UTC for callers that know no site.
    public var defaultTimeZone: ZoneInfo
    /// Creates options.
    public init(layout: TopicLayout = .standard, deviceColumns: Set<String>? = nil, residentKinds: Set<String>? = nil,
                defaultTimeZone: ZoneInfo = .utc) {
        self.layout = layout
        self.deviceColumns = deviceColumns
        self.residentKinds = residentKinds
        self.defaultTimeZone = defaultTimeZone
    }
}

/// Parses and checks rule files. Shared by `lookoutd`, `lookoutd --check` and `lookout rules check`.
public enum RuleCompiler {
    /// Compiles sources that are already in memory, for the standard topic layout.
    public static func compile(_ sources: [RuleSource]) -> CompileResult {
        compile(sources, options: CompileOptions())
    }

    /// Compiles sources that are already in memory. Every file is parsed and checked even after errors,
    /// so one run reports every problem. Rule names must be unique across all files (an error: events
    /// and saved state are keyed by rule name).
    public static func compile(_ sources: [RuleSource], options: CompileOptions) -> CompileResult {
        var diagnostics: [Diagnostic] = []
        var rules: [CompiledRule] = []
        var firstDefinition: [String: SourceRange] = [:]
        for source in sources {
            var lexer = Lexer(file: source.fileName, text: source.text)
            let tokens = lexer.tokenize()
            var parser = Parser(file: source.fileName, tokens: tokens)
            let file = parser.parseFile()
            var checker = RuleChecker(options: options)
            let compiled = checker.check(file)
            var fileDiagnostics = lexer.diagnostics + parser.diagnostics + checker.diagnostics
            for rule in file.rules {
                if let earlier = firstDefinition[rule.name.value] {
                    fileDiagnostics.append(Diagnostic(severity: .error, message: "rule '\(rule.name.value)' is defined twice", range: rule.name.range,
                                                      code: DiagnosticCode.definedTwice.rawValue, arguments: [rule.name.value]))
                    fileDiagnostics.append(Diagnostic(severity: .note, message: "first defined here", range: earlier,
                                                      code: DiagnosticCode.firstDefinedHere.rawValue))
                } else {
                    firstDefinition[rule.name.value] = rule.name.range
                }
            }
            if file.rules.isEmpty, lexer.diagnostics.isEmpty, parser.diagnostics.isEmpty {
                fileDiagnostics.append(Diagnostic(severity: .warning, message: "file defines no rules",
                                                  range: SourceRange(file: source.fileName, start: .init(line: 1, column: 1), end: .init(line: 1, column: 1)),
                                                  code: DiagnosticCode.noRules.rawValue))
            }
            // Stable sort by position keeps a note right after its diagnostic.
            let ordered = fileDiagnostics.enumerated().sorted { a, b in
                let ka = a.element.severity == .note ? (fileDiagnostics[max(0, a.offset - 1)].range.start, a.offset) : (a.element.range.start, a.offset)
                let kb = b.element.severity == .note ? (fileDiagnostics[max(0, b.offset - 1)].range.start, b.offset) : (b.element.range.start, b.offset)
                return ka.0 != kb.0 ? ka.0 < kb.0 : ka.1 < kb.1
            }.map(\.element)
            diagnostics += ordered
            rules += compiled
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return CompileResult(ruleSet: hasErrors ? nil : RuleSet(rules: rules, layout: options.layout), diagnostics: diagnostics)
    }

    /// Reads `paths` (files, or directories whose `*.rules` files are read in name order) and compiles them.
    /// Unreadable paths and directories without rule files are reported as errors.
    public static func compile(paths: [String]) -> CompileResult {
        compile(paths: paths, options: CompileOptions())
    }

    /// Reads `paths` (files, or directories whose `*.rules` files are read in name order) and compiles them
    /// with `options`.
    public static func compile(paths: [String], options: CompileOptions) -> CompileResult {
        var sources: [RuleSource] = []
        var diagnostics: [Diagnostic] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(.fileError(path, "no such file or directory", .noSuchFile))
                continue
            }
            var files = [path]
            if isDirectory {
                let names = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".rules") }.sorted()
                if names.isEmpty { diagnostics.append(.fileError(path, "no *.rules files in directory", .noRuleFiles)) }
                files = names.map { PathText.join(path, $0) }
            }
            for file in files {
                guard let data = fm.contents(atPath: file) else {
                    diagnostics.append(.fileError(file, "cannot read file", .cannotRead))
                    continue
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    diagnostics.append(.fileError(file, "file is not valid UTF-8", .notUTF8))
                    continue
                }
                sources.append(RuleSource(fileName: file, text: text))
            }
        }
        var result = compile(sources, options: options)
        if !diagnostics.isEmpty {
            result.diagnostics = diagnostics + result.diagnostics
            result.ruleSet = nil
        }
        return result
    }

    /// Prints diagnostics the way compilers do: headline, the offending line, a caret under the column.
    /// `headline`: the first line (a client's own language); `width`: the terminal columns a stretch of the line
    /// takes (a client that knows Chinese characters take two), so that the caret stands under the column.
    public static func render(_ diagnostics: [Diagnostic], sources: [RuleSource],
                              headline: (Diagnostic) -> String = \.headline,
                              width: (String) -> Int = { $0.unicodeScalars.count }) -> String {
        var out = ""
        let byName = Dictionary(sources.map { ($0.fileName, $0.text) }, uniquingKeysWith: { a, _ in a })
        for diagnostic in diagnostics {
            out += headline(diagnostic) + "\n"
            guard let text = byName[diagnostic.range.file] else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let lineIndex = diagnostic.range.start.line - 1
            guard lineIndex >= 0, lineIndex < lines.count else { continue }
            let line = String(lines[lineIndex]).replacingEvery("\t", with: " ")
            out += line + "\n"
            let before = String(String.UnicodeScalarView(line.unicodeScalars.prefix(max(0, diagnostic.range.start.column - 1))))
            out += String(repeating: " ", count: width(before)) + "^\n"
        }
        return out
    }
}

extension Diagnostic {
    /// An error about a whole file (position 1:1).
    static func fileError(_ file: String, _ message: String, _ code: DiagnosticCode) -> Diagnostic {
        Diagnostic(severity: .error, message: message,
                   range: SourceRange(file: file, start: .init(line: 1, column: 1), end: .init(line: 1, column: 1)),
                   code: code.rawValue)
    }
}
