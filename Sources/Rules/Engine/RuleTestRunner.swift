import FoundationEssentials
import Vocabulary

/// One failed expectation (or a broken test file), with where it was written.
public struct RuleTestFailure: Sendable, Equatable {
    /// The test file.
    public var file: String
    /// 1-based line of the expectation or problem (0 for the whole file).
    public var line: Int
    /// Name of the test case (`case "…"`), empty outside cases.
    public var testCase: String
    /// What went wrong, with expected and actual actions.
    public var message: String

    /// `file:line: [case] message`.
    public var description: String {
        "\(file):\(line): \(testCase.isEmpty ? "" : "[\(testCase)] ")\(message)"
    }
}

/// The outcome of one test file.
public struct RuleTestReport: Sendable {
    /// Cases run.
    public var cases: Int
    /// Expectations checked.
    public var expectations: Int
    /// Every failure; empty when the file passed.
    public var failures: [RuleTestFailure]
    /// Whether everything passed.
    public var passed: Bool { failures.isEmpty }
}

/// Runs rule test files (`lookout rules test FILE`): timed messages in, expected actions out.
/// The format is described in docs/rules.md.
public enum RuleTestRunner {
    /// Runs the test file at `path`; rule and data paths inside it are relative to its directory. Rule files that
    /// name no `timezone` are read in `defaultTimeZone` (the site's zone, as lookoutd reads them).
    public static func run(path: String, defaultTimeZone: ZoneInfo = .utc) -> RuleTestReport {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return RuleTestReport(cases: 0, expectations: 0, failures: [RuleTestFailure(file: path, line: 0, testCase: "", message: "cannot read test file")])
        }
        return run(text: text, fileName: path, baseDirectory: PathText.directory(of: path), defaultTimeZone: defaultTimeZone)
    }

    /// Runs a test file given as text.
    public static func run(text: String, fileName: String, baseDirectory: String, defaultTimeZone: ZoneInfo = .utc) -> RuleTestReport {
        var file = RuleTestFile(fileName: fileName, baseDirectory: baseDirectory)
        file.parse(text)
        var failures = file.failures
        var expectations = 0
        guard failures.isEmpty else { return RuleTestReport(cases: 0, expectations: 0, failures: failures) }
        let rulePaths = file.rulePaths.map { PathText.isAbsolute($0) ? $0 : PathText.join(baseDirectory, $0) }
        let compiled = RuleCompiler.compile(paths: rulePaths, options: CompileOptions(layout: file.layout, defaultTimeZone: defaultTimeZone))
        guard let ruleSet = compiled.ruleSet else {
            let errors = compiled.diagnostics.filter { $0.severity == .error }.map(\.headline).joined(separator: "\n")
            return RuleTestReport(cases: 0, expectations: 0, failures: [RuleTestFailure(file: fileName, line: file.rulesLine, testCase: "", message: "rules do not compile:\n\(errors)")])
        }
        var records: [DeviceRecord] = []
        for registryFile in file.registryFiles {
            let path = PathText.isAbsolute(registryFile.path) ? registryFile.path : PathText.join(baseDirectory, registryFile.path)
            do {
                records += try DeviceRegistry.load(csvFile: path).devices.values.sorted { $0.id < $1.id }
            } catch {
                failures.append(RuleTestFailure(file: fileName, line: registryFile.line, testCase: "", message: "registry does not load:\n\(error)"))
            }
        }
        guard failures.isEmpty else { return RuleTestReport(cases: 0, expectations: 0, failures: failures) }
        let registry = DeviceRegistry(records + file.devices)
        for testCase in file.cases {
            expectations += testCase.expectations.count
            failures += run(testCase, ruleSet: ruleSet, registry: registry, file: file)
        }
        return RuleTestReport(cases: file.cases.count, expectations: expectations, failures: failures)
    }

    /// One action as the runner reports it: `3s raise smoke_alarm/SD-1 level red count 1`.
    struct Observed {
        var action: RuleAction
        var offset: EpochMillis
        var count: Int
        var text: String { "\(RuleTestFile.formatOffset(offset)) \(action.effect) \(action.eventKey) level \(action.level.rawValue) count \(count)" }
    }

    private static func run(_ testCase: RuleTestFile.Case, ruleSet: RuleSet, registry: DeviceRegistry, file: RuleTestFile) -> [RuleTestFailure] {
        let engine = RuleEngine(ruleSet: ruleSet, registry: registry)
        let start = file.start
        let layout = ruleSet.layout
        var observed: [Observed] = []
        var openCounts: [String: (count: Int, open: Bool, lastRaise: EpochMillis?)] = [:]
        func collect(_ actions: [RuleAction]) {
            for action in actions {
                var entry = openCounts[action.eventKey] ?? (0, false, nil)
                switch action.effect {
                case .raise:
                    let merged = action.mergeWithinSeconds.map { within in entry.lastRaise.map { action.at - $0 <= within * 1000 } ?? false } ?? false
                    entry.count = entry.open || merged ? entry.count + 1 : 1
                    entry.open = true
                    entry.lastRaise = action.at
                case .clear: entry.open = false
                case .downgrade, .renotify: break
                }
                openCounts[action.eventKey] = entry
                if testCase.ignored.contains("\(action.effect)") { continue }
                observed.append(Observed(action: action, offset: action.at - start, count: entry.count))
            }
        }
        engine.restoreState([], now: start)
        var failures: [RuleTestFailure] = []
        let lastOffset = max(testCase.inputs.map(\.offset).max() ?? 0, testCase.expectations.map(\.offset).max() ?? 0)
        let stops = Set(testCase.inputs.map(\.offset) + testCase.expectations.map(\.offset)).sorted()
        var inputIndex = 0
        var t: EpochMillis = 0
        while t <= lastOffset {
            while inputIndex < testCase.inputs.count, testCase.inputs[inputIndex].offset <= t {
                let input = testCase.inputs[inputIndex]
                inputIndex += 1
                switch input.kind {
                case .publish(let topic, let payload, let payloadText):
                    guard let segments = layout.matchSegments(topic) else {
                        failures.append(RuleTestFailure(file: input.file ?? file.fileName, line: input.line, testCase: testCase.name,
                                                        message: "topic '\(RuleValue.sanitized(topic))' does not fit the topic layout"))
                        continue
                    }
                    collect(engine.process(InboundMessage(topic: topic, segments: segments, payload: payload,
                                                          payloadBytes: Array(payloadText.utf8), receivedAt: start + input.offset)))
                case .away(let device, let until):
                    engine.setAway(deviceID: device, until: until.map { start + $0 })
                case .tick:
                    break
                }
            }
            collect(engine.tick(now: start + t))
            let nextStop = stops.first { $0 > t } ?? .max
            t = min(t + file.step, nextStop)
        }
        // Match expectations to observed actions, in order.
        var used = Array(repeating: false, count: observed.count)
        for expectation in testCase.expectations {
            let match = observed.indices.first { i in
                !used[i] && observed[i].offset == expectation.offset && expectation.matches(observed[i])
            }
            if let match {
                used[match] = true
            } else {
                let atTime = observed.filter { $0.offset == expectation.offset }.map(\.text)
                let got = atTime.isEmpty ? "nothing at that time" : atTime.joined(separator: "; ")
                failures.append(RuleTestFailure(file: file.fileName, line: expectation.line, testCase: testCase.name,
                                                message: "expected: \(expectation.text)\n    got: \(got)"))
            }
        }
        for (i, entry) in observed.enumerated() where !used[i] {
            failures.append(RuleTestFailure(file: file.fileName, line: testCase.line, testCase: testCase.name,
                                            message: "unexpected: \(entry.text) (\(RuleValue.sanitized(entry.action.title)))"))
        }
        return failures
    }
}
