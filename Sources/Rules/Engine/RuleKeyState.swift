/// What the engine remembers for one rule and one key (a device, or a correlation group).
struct RuleKeyState: Sendable {
    /// The rule is raised for this key (further triggers count; it can clear, downgrade, re-notify).
    var active = false
    /// Current level of the raised event (lower after a downgrade).
    var level: AlertLevel = .green
    /// When it last raised (for `clear after`).
    var lastRaise: EpochMillis = 0
    /// When it last notified (raise or re-notify).
    var lastNotify: EpochMillis = 0
    /// When a `for` duration started, if one is pending.
    var pendingSince: EpochMillis?
    /// The raise to emit when pending fires; while active, the last raise (for clear/re-notify actions).
    var action: RuleAction? {
        get { actionBox?.action }
        set { actionBox = newValue.map(ActionBox.init) }
    }
    /// Boxed so that copying the state stays cheap.
    private var actionBox: ActionBox?
    /// Times of recent triggers (`count N within D`).
    var window: [EpochMillis] = []
    /// Last matching message (absence rules).
    var lastSeen: EpochMillis?
    /// `lastSeen` as last written to durable state (not itself saved).
    var savedLastSeen: EpochMillis?
    /// Last message satisfying `unless recently`.
    var recentAt: EpochMillis?
    /// Devices in the correlation window, with their latest trigger.
    var members: [Member] = []

    /// One device in a correlation group.
    struct Member: Sendable {
        var device: String
        var at: EpochMillis
    }

    /// Whether nothing is worth remembering.
    var isEmpty: Bool {
        !active && pendingSince == nil && window.isEmpty && lastSeen == nil && recentAt == nil && members.isEmpty
    }
}

/// Reference to one piece of durable state.
struct StateRef: Hashable, Sendable {
    var rule: String
    var key: String
    var isGroup: Bool
    /// The key under which the daemon stores it.
    var storageKey: String { "\(rule)/\(key)" }
}

/// A stored action behind one reference.
final class ActionBox: Sendable {
    let action: RuleAction
    init(_ action: RuleAction) { self.action = action }
}
