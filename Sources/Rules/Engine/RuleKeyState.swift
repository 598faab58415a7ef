import Vocabulary

/// What the engine remembers for one rule and one key (a device, or a correlation group).
///
/// Laid out for a million devices (40 bytes): the fields most keys use (activity flags, level, last seen,
/// `unless recently`) are stored inline, optional times as a value and a presence bit; the fields of raised,
/// pending, counting and correlating keys (a few of them at any time) share one box, allocated only while one
/// of them is set and copied on write (changed in place only while no other state holds it), so copies of a
/// state never share a mutation.
struct RuleKeyState: Sendable {
    /// `active` and which of the optional inline times are present.
    private var flags: UInt8 = 0
    /// Current level of the raised event (lower after a downgrade).
    var level: AlertLevel = .green
    private var lastSeenValue: EpochMillis = 0
    private var savedLastSeenValue: EpochMillis = 0
    private var recentAtValue: EpochMillis = 0
    /// Fields that few keys use at a time; nil while all of them have their default.
    private var rare: RareFieldsBox?

    private static let activeFlag: UInt8 = 1, lastSeenFlag: UInt8 = 2, savedLastSeenFlag: UInt8 = 4, recentAtFlag: UInt8 = 8
    private static let conditionOnFlag: UInt8 = 16, flappingFlag: UInt8 = 32, raisedFlappingFlag: UInt8 = 64

    private mutating func setFlag(_ flag: UInt8, _ on: Bool) { flags = on ? flags | flag : flags & ~flag }

    /// The rule is raised for this key (further triggers count; it can clear, downgrade, re-notify).
    var active: Bool {
        get { flags & Self.activeFlag != 0 }
        set { setFlag(Self.activeFlag, newValue) }
    }
    /// The device's condition is on (`when` seen since its last `clear when`): kept by rules with `flapping`,
    /// whose pulses are the condition's rising edges.
    var conditionOn: Bool {
        get { flags & Self.conditionOnFlag != 0 }
        set { setFlag(Self.conditionOnFlag, newValue) }
    }
    /// The device is flapping (`flapping N within D` reached); its clears wait until it has settled.
    var flapping: Bool {
        get { flags & Self.flappingFlag != 0 }
        set { setFlag(Self.flappingFlag, newValue) }
    }
    /// The raised event is the one `flapping` raised (its level and title), not yet superseded by an alarm that held
    /// past its `for`.
    var raisedFlapping: Bool {
        get { flags & Self.raisedFlappingFlag != 0 }
        set { setFlag(Self.raisedFlappingFlag, newValue) }
    }
    /// Last matching message (absence rules).
    var lastSeen: EpochMillis? {
        get { optionalTime(lastSeenValue, Self.lastSeenFlag) }
        set { Self.setOptionalTime(newValue, &lastSeenValue, &flags, Self.lastSeenFlag) }
    }
    /// `lastSeen` as last written to durable state (not itself saved).
    var savedLastSeen: EpochMillis? {
        get { optionalTime(savedLastSeenValue, Self.savedLastSeenFlag) }
        set { Self.setOptionalTime(newValue, &savedLastSeenValue, &flags, Self.savedLastSeenFlag) }
    }
    /// Last message satisfying `unless recently`.
    var recentAt: EpochMillis? {
        get { optionalTime(recentAtValue, Self.recentAtFlag) }
        set { Self.setOptionalTime(newValue, &recentAtValue, &flags, Self.recentAtFlag) }
    }
    /// When it last raised (for `clear after`).
    var lastRaise: EpochMillis {
        get { rare?.fields.lastRaise ?? 0 }
        set { updateRare { $0.lastRaise = newValue } }
    }
    /// When it last notified (raise or re-notify).
    var lastNotify: EpochMillis {
        get { rare?.fields.lastNotify ?? 0 }
        set { updateRare { $0.lastNotify = newValue } }
    }
    /// When a `for` duration started, if one is pending.
    var pendingSince: EpochMillis? {
        get { rare?.fields.pendingSince }
        set { updateRare { $0.pendingSince = newValue } }
    }
    /// Engine (arrival) time at which the pending `for` fires, if one is pending: `pendingSince` is in the
    /// device's own time, and a late report must still wait out the debounce after it arrived.
    var pendingDue: EpochMillis? {
        get { rare?.fields.pendingDue }
        set { updateRare { $0.pendingDue = newValue } }
    }
    /// Engine (arrival) time until which a `clear when` of a rule with `flapping` is held back (last pulse + window).
    var holdUntil: EpochMillis? {
        get { rare?.fields.holdUntil }
        set { updateRare { $0.holdUntil = newValue } }
    }
    /// While active, the last raise: what the open event shows (its clears and re-notifications carry it).
    var action: RuleAction? {
        get { rare?.fields.action }
        set { updateRare { $0.action = newValue } }
    }
    /// The raise to emit when the pending `for` fires. Kept apart from `action`: a flapping device's alarm can be
    /// pending while its flapping event is raised, and until it holds the event is still the flapping one.
    var pendingRaise: RuleAction? {
        get { rare?.fields.pendingRaise }
        set { updateRare { $0.pendingRaise = newValue } }
    }
    /// Whether `action` is set, asked without copying the action out.
    var hasAction: Bool {
        guard let rare else { return false }
        if case .some = rare.fields.action { return true }
        return false
    }
    /// Whether `pendingRaise` is set, asked without copying the action out.
    var hasPendingRaise: Bool {
        guard let rare else { return false }
        if case .some = rare.fields.pendingRaise { return true }
        return false
    }
    /// Times of recent triggers (`count N within D`), or of recent pulses (`flapping N within D`), in device time.
    var window: [EpochMillis] {
        get { rare?.fields.window ?? [] }
        set { updateRare { $0.window = newValue } }
    }
    /// Devices in the correlation window, with their latest trigger.
    var members: [Member] {
        get { rare?.fields.members ?? [] }
        set { updateRare { $0.members = newValue } }
    }

    /// One device in a correlation group.
    struct Member: Sendable {
        var device: String
        /// Its kind (the `{kind}` topic segment it reported on), for `including M KIND`; empty in state saved
        /// before format 3 (such a member counts towards N but not as any kind).
        var kind: String = ""
        /// Its latest trigger (device time).
        var at: EpochMillis
        /// When its condition began (device time): with `for`, it counts once it has held that long.
        var since: EpochMillis
        /// Engine (arrival) time at which it counts if nothing cancels it first; nil: it counts.
        var due: EpochMillis?

        /// Whether it counts towards the group.
        var counts: Bool { due == nil }
    }

    /// Whether nothing is worth remembering.
    var isEmpty: Bool {
        guard flags & (Self.activeFlag | Self.lastSeenFlag | Self.recentAtFlag | Self.conditionOnFlag | Self.flappingFlag) == 0 else {
            return false
        }
        guard let rare = rare?.fields else { return true }
        return rare.pendingSince == nil && rare.window.isEmpty && rare.members.isEmpty && rare.holdUntil == nil
    }

    private func optionalTime(_ value: EpochMillis, _ flag: UInt8) -> EpochMillis? {
        flags & flag != 0 ? value : nil
    }

    private static func setOptionalTime(_ newValue: EpochMillis?, _ value: inout EpochMillis, _ flags: inout UInt8, _ flag: UInt8) {
        value = newValue ?? 0
        flags = newValue == nil ? flags & ~flag : flags | flag
    }

    /// Changes the rare fields: in place when this state alone holds their box, otherwise in a new box (none
    /// when every field is back to its default).
    private mutating func updateRare(_ change: (inout RareFields) -> Void) {
        if isKnownUniquelyReferenced(&rare), let box = rare {
            if Self.apply(change, to: &box.fields) { rare = nil }
            return
        }
        var fields = rare?.fields ?? RareFields()
        change(&fields)
        rare = fields.isDefault ? nil : RareFieldsBox(fields)
    }

    /// Applies `change`; true when the fields are then all at their defaults. Both in the one access to the
    /// box's fields: asking the box afterwards copied the fields out (two actions, a reference count per text).
    private static func apply(_ change: (inout RareFields) -> Void, to fields: inout RareFields) -> Bool {
        change(&fields)
        return fields.isDefault
    }

    /// The fields of raised, pending, counting and correlating keys.
    struct RareFields: Sendable {
        var lastRaise: EpochMillis = 0
        var lastNotify: EpochMillis = 0
        var pendingSince: EpochMillis?
        var pendingDue: EpochMillis?
        var holdUntil: EpochMillis?
        var action: RuleAction?
        var pendingRaise: RuleAction?
        var window: [EpochMillis] = []
        var members: [Member] = []

        var isDefault: Bool {
            guard lastRaise == 0, lastNotify == 0, pendingSince == nil, pendingDue == nil, holdUntil == nil, window.isEmpty,
                  members.isEmpty else { return false }
            // Matched, not compared with nil: `== nil` copied each action first.
            if case .some = action { return false }
            if case .some = pendingRaise { return false }
            return true
        }
    }

    /// Shared by copies of a state; changed only through `updateRare`, and only while uniquely referenced
    /// (copy on write), so no two threads ever see it change.
    final class RareFieldsBox: @unchecked Sendable {
        var fields: RareFields
        init(_ fields: RareFields) { self.fields = fields }
    }
}

/// Reference to one piece of durable state.
struct StateRef: Hashable, Sendable {
    var rule: String
    var key: String
    var isGroup: Bool
    /// The key under which the daemon stores it.
    var storageKey: String { RuleEngine.storageKey(rule: rule, key: key) }
}
