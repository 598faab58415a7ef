/// Evaluates rules over messages and time. Not thread-safe: one owner calls it from one thread.
///
/// Time is injected: every call takes `now`, so tests of durations, windows and absence run instantly.
public final class RuleEngine {
    /// The rules in force.
    public private(set) var ruleSet: RuleSet
    /// The registry rules read `device.*` and `resident.*` from.
    public private(set) var registry: DeviceRegistry

    /// Creates an engine with no state.
    public init(ruleSet: RuleSet, registry: DeviceRegistry) {
        self.ruleSet = ruleSet
        self.registry = registry
    }

    /// Evaluates every rule whose topic filter matches `message`; returns the resulting actions in order.
    public func process(_ message: InboundMessage) -> [RuleAction] { [] }

    /// Advances time: fires pending durations, absences and window expiries due at or before `now`.
    public func tick(now: EpochMillis) -> [RuleAction] { [] }

    /// Replaces the rules. State of rules whose definition did not change is kept; the rest is dropped.
    public func replaceRules(_ ruleSet: RuleSet) { self.ruleSet = ruleSet }

    /// Replaces the registry (a reload of `devices.csv`).
    public func replaceRegistry(_ registry: DeviceRegistry) { self.registry = registry }

    /// State changed since the last call, to be committed with the same batch's events.
    public func takeStateChanges() -> [RuleStateChange] { [] }

    /// Restores state saved by earlier `takeStateChanges()` calls (at start, before any message).
    public func restoreState(_ entries: [(key: String, value: [UInt8])], now: EpochMillis) {}
}
