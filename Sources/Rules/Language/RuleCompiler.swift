import Foundation

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

/// Parses and checks rule files. Shared by `lookoutd`, `lookoutd --check` and `lookout rules check`.
public enum RuleCompiler {
    /// Compiles sources that are already in memory.
    public static func compile(_ sources: [RuleSource]) -> CompileResult {
        CompileResult(ruleSet: nil, diagnostics: sources.map {
            Diagnostic(severity: .error, message: "rule compiler not implemented yet",
                       range: SourceRange(file: $0.fileName, start: .init(line: 1, column: 1), end: .init(line: 1, column: 1)))
        })
    }

    /// Reads `paths` (files, or directories whose `*.rules` files are read in name order) and compiles them.
    /// Unreadable paths and directories without rule files are reported as errors.
    public static func compile(paths: [String]) -> CompileResult {
        var sources: [RuleSource] = []
        var diagnostics: [Diagnostic] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(.fileError(path, "no such file or directory"))
                continue
            }
            var files = [path]
            if isDirectory.boolValue {
                let names = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".rules") }.sorted()
                if names.isEmpty { diagnostics.append(.fileError(path, "no *.rules files in directory")) }
                files = names.map { (path as NSString).appendingPathComponent($0) }
            }
            for file in files {
                guard let data = fm.contents(atPath: file) else {
                    diagnostics.append(.fileError(file, "cannot read file"))
                    continue
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    diagnostics.append(.fileError(file, "file is not valid UTF-8"))
                    continue
                }
                sources.append(RuleSource(fileName: file, text: text))
            }
        }
        var result = compile(sources)
        if !diagnostics.isEmpty {
            result.diagnostics = diagnostics + result.diagnostics
            result.ruleSet = nil
        }
        return result
    }

    /// Prints diagnostics the way compilers do: headline, the offending line, a caret under the column.
    public static func render(_ diagnostics: [Diagnostic], sources: [RuleSource]) -> String {
        var out = ""
        let byName = Dictionary(sources.map { ($0.fileName, $0.text) }, uniquingKeysWith: { a, _ in a })
        for diagnostic in diagnostics {
            out += diagnostic.headline + "\n"
            guard let text = byName[diagnostic.range.file] else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let lineIndex = diagnostic.range.start.line - 1
            guard lineIndex >= 0, lineIndex < lines.count else { continue }
            let line = String(lines[lineIndex]).replacingOccurrences(of: "\t", with: " ")
            out += line + "\n"
            out += String(repeating: " ", count: max(0, diagnostic.range.start.column - 1)) + "^\n"
        }
        return out
    }
}

extension Diagnostic {
    /// An error about a whole file (position 1:1).
    static func fileError(_ file: String, _ message: String) -> Diagnostic {
        Diagnostic(severity: .error, message: message,
                   range: SourceRange(file: file, start: .init(line: 1, column: 1), end: .init(line: 1, column: 1)))
    }
}
