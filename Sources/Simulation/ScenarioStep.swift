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
