import FoundationEssentials
import Rules
import Vocabulary

/// Rules and registry as read from the paths in the configuration, with everything said about them.
public struct LoadedRules: Sendable {
    /// The compiled rules; nil when any rule file has an error.
    public var ruleSet: RuleSet?
    /// The registry; nil when the CSV has an error. An unconfigured registry loads as an empty one.
    public var registry: DeviceRegistry?
    /// Rule diagnostics rendered with source line and caret (`file:line:col: error: …`).
    public var renderedDiagnostics: String
    /// Number of rule errors.
    public var ruleErrorCount: Int
    /// Number of rule warnings.
    public var ruleWarningCount: Int
    /// Registry problems, one `file:line: error: …` line each.
    public var registryErrors: [String]

    /// Whether both rules and registry are usable.
    public var isUsable: Bool { ruleSet != nil && registry != nil }
}

/// Reads rule files and the device registry named by a configuration. Used at start, by `--check` and on SIGHUP.
public enum RuleLoader {
    /// Compiles every rule path and loads the registry; never throws (problems are in the result).
    public static func load(_ configuration: DaemonConfiguration) -> LoadedRules {
        var registry: DeviceRegistry?
        var registryErrors: [String] = []
        if let path = configuration.registryPath {
            do {
                registry = try DeviceRegistry.load(csvFile: path)
            } catch {
                registryErrors = error.issues.map(\.description)
            }
        } else {
            registry = DeviceRegistry()
        }
        // With a registry that has rows, `device.<column>` must name one of its columns; else any name goes.
        let columns = registry.flatMap { $0.count > 0 ? $0.extraColumns : nil }
        let options = CompileOptions(layout: configuration.layout, deviceColumns: columns,
                                     residentKinds: registry.flatMap { $0.count > 0 ? $0.residentKinds : nil },
                                     defaultTimeZone: (try? ZoneInfo.named(configuration.siteTimeZone)) ?? .utc)
        let compiled = RuleCompiler.compile(paths: configuration.rulePaths, options: options)
        let sources = readSources(for: compiled.diagnostics)
        return LoadedRules(
            ruleSet: compiled.hasErrors ? nil : compiled.ruleSet,
            registry: registry,
            renderedDiagnostics: RuleCompiler.render(compiled.diagnostics, sources: sources),
            ruleErrorCount: compiled.diagnostics.filter { $0.severity == .error }.count,
            ruleWarningCount: compiled.diagnostics.filter { $0.severity == .warning }.count,
            registryErrors: registryErrors)
    }

    /// The texts of the files that diagnostics point into, so `render` can show the offending lines.
    private static func readSources(for diagnostics: [Diagnostic]) -> [RuleSource] {
        Set(diagnostics.map(\.range.file)).sorted().compactMap { file in
            guard let data = FileManager.default.contents(atPath: file) else { return nil }
            return RuleSource(fileName: file, text: String(decoding: data, as: UTF8.self))
        }
    }
}
