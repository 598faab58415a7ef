/// One message of a scenario: sent `delaySeconds` after the previous one (`fastDelaySeconds` with
/// `--fast`), stamped with the send time plus `tsOffsetMillis`.
public struct ScenarioStep: Sendable {
    /// Wait before this step, in seconds.
    public var delaySeconds: Double
    /// Wait before this step with `--fast`: shorter where the wait only lets a duration rule fire.
    public var fastDelaySeconds: Double
    /// Added to the send time for the payload's `ts` (negative: a report from the past).
    public var tsOffsetMillis: Int64
    /// What the step is about, for the terminal.
    public var note: String
    /// Builds the message for a `ts`.
    public var message: @Sendable (Int64) -> SimulatedMessage

    /// Creates a step; `fastDelaySeconds` defaults to `delaySeconds` (timing that matters even in fast mode).
    public init(after delaySeconds: Double, fast fastDelaySeconds: Double? = nil, tsOffsetMillis: Int64 = 0, _ note: String,
                _ message: @escaping @Sendable (Int64) -> SimulatedMessage) {
        self.delaySeconds = delaySeconds
        self.fastDelaySeconds = fastDelaySeconds ?? delaySeconds
        self.tsOffsetMillis = tsOffsetMillis
        self.note = note
        self.message = message
    }
}

/// A DOMAIN.md situation played on demand (`lookout-sim scenario smoke-fire`).
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
