/// A docs/domain.md situation played on demand (`lookout-sim scenario smoke-fire`).
public struct Scenario: Sendable {
    /// Scenario name.
    public let name: String
    /// What it shows and what the daemon should make of it.
    public let summary: String
    /// The messages, in order.
    public let steps: [ScenarioStep]

    /// Creates a scenario.
    public init(name: String, summary: String, steps: [ScenarioStep]) {
        self.name = name
        self.summary = summary
        self.steps = steps
    }
}

/// Why a scenario cannot be built.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    /// One line.
    public var description: String
}
