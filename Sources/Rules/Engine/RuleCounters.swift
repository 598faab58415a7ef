/// Counters of one rule, for metrics (`lookout_rule_evaluations_total{rule=…}` and friends).
public struct RuleCounters: Sendable, Equatable {
    /// Messages the rule looked at (its topic filter matched).
    public var evaluations: Int = 0
    /// `.raise` actions emitted.
    public var raised: Int = 0
    /// `.clear` actions emitted.
    public var cleared: Int = 0
    /// Triggers held back by `unless`, `unless recently`, `during` or `days`.
    public var suppressed: Int = 0
    /// Fields that were absent where the rule needed them (the comparison was false).
    public var missingFields: Int = 0
    /// Fields of the wrong type for their use (the comparison was false).
    public var wrongTypes: Int = 0
    /// Evaluation errors (division by zero, a group field missing).
    public var errors: Int = 0
    /// Devices that started flapping (`flapping N within D` reached).
    public var flapping: Int = 0
    /// Creates zeroed counters.
    public init() {}
}

/// Engine-wide counters.
public struct EngineCounters: Sendable, Equatable {
    /// Unregistered devices whose state was dropped because the cap was reached.
    public var evictedDevices: Int = 0
    /// Unregistered devices currently tracked.
    public var trackedUnregisteredDevices: Int = 0
    /// Saved state entries that could not be restored (corrupt, or of a changed or removed rule).
    public var droppedStateEntries: Int = 0
    /// Creates zeroed counters.
    public init() {}
}
